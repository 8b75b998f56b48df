"""Helpers for the ingestion tests: corpus files, index snapshots, consistency checks, CLI."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.models import VISIBILITIES
from assistant.stores.lexical import LexicalIndex

TIERS: tuple[tuple[str, ...], ...] = (("public",), ("public", "members"))
CLI = Path(sys.executable).with_name("assistant")


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def md(body: str, **meta: Any) -> str:
    """A Markdown file with YAML front matter."""
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) if meta else ""
    return f"---\n{head}---\n\n{body}" if meta else body


def warm_cache(embedder: Embedder, index_dir: Path) -> None:
    """Copy the session's embedding cache to ``index_dir`` (what an Index without an
    explicit embedder, e.g. a CLI subprocess, reads), so known texts cost nothing."""
    index_dir.mkdir(parents=True, exist_ok=True)
    assert embedder._db is not None, "the session embedder was closed"
    dst = sqlite3.connect(index_dir / "embeddings.sqlite")
    try:
        with embedder._lock:
            embedder._db.backup(dst)
    finally:
        dst.close()


def cache_keys(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {k for (k,) in db.execute("SELECT key FROM emb")}
    finally:
        db.close()


def snapshot(idx: Index) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Every Chroma record per collection: id -> (text, metadata, rounded vector)."""
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    for vis, col in idx.vectors.collections.items():
        got = col.get(include=["documents", "metadatas", "embeddings"])
        out[vis] = {
            cid: (doc, json.dumps(meta, sort_keys=True), tuple(round(float(x), 5) for x in emb))
            for cid, doc, meta, emb in zip(got["ids"], got["documents"], got["metadatas"],
                                           got["embeddings"], strict=True)}
    return out


def chroma_ids(idx: Index, visibility: str) -> list[str]:
    return list(idx.vectors.collections[visibility].get(include=[])["ids"])


def assert_consistent(idx: Index) -> set[str]:
    """Manifest, both Chroma collections and the lexical tiers hold exactly the same
    chunks, without duplicates or pending documents; returns the chunk ids."""
    docs = idx.manifest.docs()
    pending = sorted(d for d, row in docs.items() if row.status != "done")
    assert not pending, f"pending documents left: {pending}"
    rows = list(idx.manifest.iter_chunks())
    ids = [r.chunk_id for r in rows]
    assert len(ids) == len(set(ids)), "duplicate chunk ids in the manifest"
    assert {r.doc_id for r in rows} <= set(docs), "manifest chunks of unknown documents"
    for doc_id, row in docs.items():
        assert sum(r.doc_id == doc_id for r in rows) == row.n_chunks, doc_id
    for vis in VISIBILITIES:
        got = idx.vectors.collections[vis].get(include=["metadatas"])
        assert len(got["ids"]) == len(set(got["ids"])), f"duplicate ids in chunks_{vis}"
        expected = {r.chunk_id for r in rows if r.visibility == vis}
        assert set(got["ids"]) == expected, (
            f"chunks_{vis}: orphans {sorted(set(got['ids']) - expected)}, "
            f"missing {sorted(expected - set(got['ids']))}")
        for meta in got["metadatas"]:
            assert docs[meta["doc_id"]].visibility == vis
    fresh = LexicalIndex(idx.manifest, idx.dir)  # what a newly started process would load
    for tier_vis in TIERS:
        want = sorted(r.chunk_id for r in rows if r.visibility in tier_vis)
        tier = fresh.tier(tier_vis)
        assert sorted(tier.ids) == want, f"lexical tier {tier_vis} out of step"
        if want:
            assert tier.bm25 is not None and tier.bm25.scores["num_docs"] == len(want)
    return set(ids)


def run_cli(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``assistant ARGS`` in a subprocess, with a clean ``ASSISTANT_*`` environment."""
    return subprocess.run([str(CLI), *map(str, args)], cwd=cwd, env=cli_env(env),
                          capture_output=True, text=True, timeout=timeout, check=False)


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ASSISTANT_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env.update(ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", COLUMNS="120",
               PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env
