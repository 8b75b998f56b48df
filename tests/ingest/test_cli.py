"""``assistant ingest`` and ``assistant stats``: exit codes, report, JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.embed import Embedder
from assistant.ingest.index import Index
from assistant.settings import Settings
from tests.ingest.helpers import md, run_cli, warm_cache, write

GOOD = {
    "articles/forum.md": md("Il forum annuale del cluster si terrà a Bologna in aprile.",
                            title="Forum 2026", tags=["Eventi"]),
    "articles/riservato.md": md("Il bilancio preventivo è stato approvato dal consiglio.",
                                title="Bilancio", visibility="members"),
    "members/alfa.yaml": "name: Alfa Med\nkind: company\nregion: Lombardia\n"
                         "description: Alfa Med produce dispositivi per la dialisi.\n",
}


def row(output: str, label: str) -> str:
    """The value of one row of the ingest report table."""
    m = re.search(rf"{label}\W+(\S+)", output)
    assert m, f"no {label!r} row in:\n{output}"
    return m.group(1)


@pytest.fixture
def cli_dirs(tmp_path: Path, embedder: Embedder) -> tuple[Path, Path]:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    for rel, text in GOOD.items():
        write(corpus / rel, text)
    warm = Index(Settings(corpus_dir=corpus, index_dir=tmp_path / "warm"), embedder=embedder)
    try:
        warm.ingest()  # every text into the session cache...
    finally:
        warm.close()
    warm_cache(embedder, index)  # ...and from there into the index the CLI uses
    return corpus, index


def test_ingest_exit_codes(cli_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = cli_dirs
    # brackets in names and reasons are printed as they are, never read as console markup
    bad = write(corpus / "articles/rotto [bozza].md",
                '---\ntitle: Rotto\nvisibility: "[/b]"\n---\nTesto.\n')
    res = run_cli("ingest", cwd=tmp_path, env={"ASSISTANT_CORPUS_DIR": str(corpus),
                                               "ASSISTANT_INDEX_DIR": str(index)})
    assert res.returncode == 6, res.stderr  # some files failed (2 is a usage error)
    err = " ".join(res.stderr.split())
    assert "skipped articles/rotto [bozza].md: invalid visibility (expected" in err
    assert row(err, "added") == "3" and row(err, "failed") == "1"
    assert row(err, "embedding calls") == "0"  # the warm cache was used
    bad.unlink()
    res = run_cli("ingest", "--corpus", corpus, "--index", index, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    err = " ".join(res.stderr.split())
    assert row(err, "unchanged") == "3" and row(err, "failed") == "0"
    assert row(err, "chunks written") == "0" and row(err, "embedding calls") == "0"
    assert "skipped" not in err


def test_stats_json_from_a_subprocess(cli_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = cli_dirs
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", "--corpus", str(corpus), "--index", str(index)])
    assert res.exit_code == 0, res.output
    res = run_cli("stats", "--index", index, "--json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {
        "by_type": {"article": {"documents": 2, "chunks": 2},
                    "member": {"documents": 1, "chunks": 1}},
        "vectors": {"public": 2, "members": 1}, "pending": 0}


def test_stats_table(cli_dirs: tuple[Path, Path]) -> None:
    corpus, index = cli_dirs
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "--corpus", str(corpus), "--index",
                               str(index)]).exit_code == 0
    res = runner.invoke(app, ["stats", "--index", str(index)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert re.search(r"article\W+2\W+2\b", out) and re.search(r"member\W+1\W+1\b", out)
    assert "'public': 2" in out and "'members': 1" in out and "pending: 0" in out


def test_scoped_ingest_and_rebuild(cli_dirs: tuple[Path, Path]) -> None:
    corpus, index = cli_dirs
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(corpus / "members"), "--corpus", str(corpus),
                              "--index", str(index)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["stats", "--index", str(index), "--json"])
    assert json.loads(res.stdout)["by_type"] == {"member": {"documents": 1, "chunks": 1}}
    res = runner.invoke(app, ["ingest", "--rebuild", "--corpus", str(corpus), "--index",
                              str(index)])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert row(out, "added") == "3" and row(out, "embedding calls") == "0"


def test_stats_without_an_index_exits_1_and_creates_nothing(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["stats", "--index", str(tmp_path / "typo")])
    assert res.exit_code == 1
    assert "run `assistant ingest` first" in " ".join(res.output.split())
    assert not (tmp_path / "typo").exists()


def test_missing_corpus_exits_1(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["ingest", "--corpus", str(tmp_path / "nope"), "--index",
                                   str(tmp_path / "index")])
    assert res.exit_code == 1
    assert "corpus directory not found" in " ".join(res.output.split())
