"""``assistant sync`` exit codes and JSON, ``/v1/sync``, the schedule, serve's checks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant.api import create_app
from assistant.api.server import ServeError, check_startup
from assistant.cli import app
from assistant.cli.common import ExitCode
from assistant.embed import Embedder
from assistant.facade import Assistant
from assistant.ingest.index import Index
from assistant.settings import Settings, parse_duration
from evals.fixture_site import Site, cluster_site, serve_site

KEYS = {"k-member": "member", "k-staff": "staff", "k-admin": "admin"}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def site() -> Iterator[Site]:
    s = cluster_site()
    with serve_site(s):
        yield s


def test_cli_exit_6_when_a_source_fails(tmp_path: Path, site: Site) -> None:
    res = CliRunner().invoke(app, ["sync", site.base + "/news/pagina-mancante", "--json",
                                   "--index", str(tmp_path / "index")])
    assert res.exit_code == ExitCode.FILES_FAILED == 6, res.output
    data = json.loads(res.stdout)
    assert data["failed"][site.base + "/news/pagina-mancante"]["status"] == 404
    assert data["pages"]["new"] == 0 and data["ok"] is False


@pytest.mark.model
def test_cli_syncs_a_single_page(tmp_path: Path, site: Site,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SYNC_DELAY_S", "0")
    args = ["sync", site.base + "/news/bando-ponti", "--json", "--visibility", "members",
            "--index", str(tmp_path / "index")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["new"] == [site.base + "/news/bando-ponti"] and data["pages"]["failed"] == 0
    again = json.loads(CliRunner().invoke(app, args).stdout)
    assert again["pages"]["unchanged"] == 1 and again["embed_calls"] == 0
    idx = Index(Settings(index_dir=tmp_path / "index"))
    try:
        assert [r.visibility for r in idx.manifest.docs().values()] == ["members"]
    finally:
        idx.close()


def test_cli_needs_a_source(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["sync", "--index", str(tmp_path / "index")])
    assert res.exit_code == 1 and "ASSISTANT_SYNC_SOURCES" in res.output


def _wait_idle(client: TestClient, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get("/v1/sync", headers=auth("k-staff")).json()
        if not body["running"] and body["last"] is not None:
            return body
        time.sleep(0.2)
    raise AssertionError("sync did not finish")


def test_api_scheduled_and_admin_started_syncs(tmp_path: Path, site: Site,
                                               embedder: Embedder) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index",
                        api_keys=KEYS, sync_sources=[site.base + "/sitemap_index.xml"],
                        sync_every="1h", sync_timeout_s=2, sync_retries=0, sync_delay_s=0)
    idx = Index(settings, embedder=embedder)
    try:
        with TestClient(create_app(settings, assistant=Assistant(settings, idx))) as client:
            assert client.get("/v1/sync").status_code == 401
            assert client.get("/v1/sync", headers=auth("k-member")).status_code == 403
            first = _wait_idle(client)  # the schedule ran one at startup
            assert first["every"] == "1h" and first["last_error"] is None
            assert first["last"]["pages"] == {"new": 5, "updated": 0, "unchanged": 0,
                                              "failed": 2, "removed": 0, "skipped": 1,
                                              "not_fetched": 0}
            assert first["last"]["started"] <= first["last"]["finished"]
            assert client.post("/v1/sync", headers=auth("k-staff")).status_code == 403
            started = client.post("/v1/sync", json={"prune": True}, headers=auth("k-admin"))
            assert started.status_code == 202 and started.json()["running"]
            # the slow page holds the run for its 2 s timeout: a second start is refused
            assert client.post("/v1/sync", headers=auth("k-admin")).status_code == 409
            second = _wait_idle(client)["last"]
            assert second["pages"]["unchanged"] == 5 and second["pages"]["new"] == 0
            assert second["embed_calls"] == 0
            hits = client.post("/v1/search", json={"query": "dotazione bando Ponti"}).json()
            assert hits["results"][0]["url"] == site.base + "/news/bando-ponti"
    finally:
        idx.close()


def test_serve_refuses_a_schedule_it_cannot_keep(tmp_path: Path) -> None:
    sources = ["https://x.test/sitemap.xml"]
    with pytest.raises(ServeError, match="one worker"):
        check_startup(Settings(index_dir=tmp_path, sync_every="6h", sync_sources=sources), 2)
    with pytest.raises(ServeError, match="ASSISTANT_SYNC_SOURCES"):
        check_startup(Settings(index_dir=tmp_path, sync_every="6h"), 1)


def test_parse_duration() -> None:
    assert parse_duration("6h") == 21600 and parse_duration("30m") == 1800
    assert parse_duration("90") == 90 and parse_duration("") == 0
    for bad in ("soon", "-1h", "0m"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_serve_rejects_a_bad_or_unusable_schedule(tmp_path: Path) -> None:
    index = ["--index", str(tmp_path / "index")]
    res = CliRunner().invoke(app, ["serve", "--sync-every", "soon", *index])
    assert res.exit_code == 1 and "not a duration" in res.output
    res = CliRunner().invoke(app, ["serve", "--sync-every", "6h", *index])  # no sources
    assert res.exit_code == 3 and "ASSISTANT_SYNC_SOURCES" in res.output
