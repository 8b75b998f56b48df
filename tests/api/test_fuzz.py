"""Schemathesis against our own /openapi.json on a live server: no input gives a 5xx.

Valid (positive) and invalid (negative) requests for every operation, with a staff
key so document writes are exercised too. String and list sizes are capped in the
fuzzed copy of the schema to keep the run bounded (the limits themselves are tested
in test_limits.py; a 4,000-character question alone costs seconds of embedding).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode

from assistant.api import create_app
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.api.conftest import AUTH, KEYS
from tests.support import live_server

MAX_EXAMPLES = 12
# (path, method, mode, body media type); negative cases only where an input can be wrong
CASES = sorted(
    (path, method.upper(), mode, media)
    for path, ops in create_app(Settings(cors_origins=[])).openapi()["paths"].items()
    for method, op in ops.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for media in (op.get("requestBody", {}).get("content") or [""])
    if mode is GenerationMode.POSITIVE or op.get("parameters") or op.get("requestBody"))


def capped(node: Any) -> Any:
    """A copy of the schema with strings and arrays small enough to fuzz quickly."""
    if isinstance(node, dict):
        out = {k: capped(v) for k, v in node.items()}
        if out.get("type") == "string" and "format" not in out and "enum" not in out:
            out["maxLength"] = min(int(out.get("maxLength", 200)), 200)
        if out.get("type") == "array":
            out["maxItems"] = min(int(out.get("maxItems", 4)), 4)
        return out
    if isinstance(node, list):
        return [capped(v) for v in node]
    return node


def only_media(spec: dict[str, Any], media: str) -> dict[str, Any]:
    """The schema with request bodies narrowed to ``media`` where they offer it (schemathesis
    would otherwise always pick the same one of a body's media types)."""
    out = copy.deepcopy(spec)
    for ops in out["paths"].values():
        for op in ops.values():
            content = op.get("requestBody", {}).get("content", {})
            if media in content:
                op["requestBody"]["content"] = {media: content[media]}
    return out


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory, api_base: Path,
                embedder: Embedder) -> Iterator[tuple[str, Any]]:
    import shutil

    base = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(api_base / "corpus", base / "corpus")
    shutil.copytree(api_base / "index", base / "index")
    s = Settings(corpus_dir=base / "corpus", index_dir=base / "index", api_keys=KEYS,
                 rate_limit_per_minute=1_000_000)
    assistant = Assistant(s, Index(s, embedder=embedder))
    app = create_app(s, assistant=assistant)
    spec = capped(app.openapi())
    schemas = {media: schemathesis.openapi.from_dict(only_media(spec, media))
               for media in {c[3] for c in CASES}}
    try:
        with live_server(app) as url:
            yield url, schemas
    finally:
        assistant.index.close()


@pytest.mark.parametrize(("path", "method", "mode", "media"), CASES)
def test_no_input_gives_a_server_error(fuzz_target: tuple[str, Any], path: str, method: str,
                                       mode: GenerationMode, media: str) -> None:
    url, schemas = fuzz_target
    op = schemas[media][path][method]
    seen: list[tuple[int, str]] = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=url, headers=AUTH["staff"], timeout=60)
        seen.append((response.status_code, response.text[:300]))
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        assert response.headers.get("x-request-id")

    run()
    assert seen  # the operation was actually exercised
