"""The application database on SQLite and PostgreSQL: migrations, ownership, retention
(also through ``assistant conversations purge``)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from assistant.appdb import AppDB
from assistant.appdb.engine import current_revision, head_revision
from assistant.cli import app
from assistant.models import Answer, Caller
from assistant.settings import Settings


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> AppDB:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    opened = AppDB(Settings(data_dir=tmp_path / "data"), url)
    request.addfinalizer(opened.close)
    return opened


def test_schema_is_migrated_once(db: AppDB) -> None:
    assert current_revision(db.engine) == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert {"conversations", "messages", "answers", "feedback", "gap_questions",
            "alembic_version"} <= tables
    again = AppDB(db.settings, db.url)  # a second process starting: nothing to do
    assert current_revision(again.engine) == head_revision()
    again.close()


def test_conversations_belong_to_their_key(db: AppDB) -> None:
    conv = db.conversations.create("key-a", "Bandi")
    assert db.conversations.get(conv["id"], "key-b") is None
    assert not db.conversations.append(conv["id"], "key-b", "q", "a" * 32, Answer(text="x"))
    assert db.conversations.rename(conv["id"], "key-b", "mio") is None
    assert not db.conversations.delete(conv["id"], "key-b")
    assert db.conversations.append(conv["id"], "key-a", "q", uuid_hex(), Answer(text="x"))
    assert db.conversations.history(conv["id"], "key-a", 1) == [("assistant", "x")]
    assert db.conversations.delete(conv["id"], "key-a")
    assert db.conversations.get(conv["id"], "key-a") is None


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex


def test_feedback_needs_a_known_answer(db: AppDB) -> None:
    who = Caller(role="member", key_id="key-a")
    answer_id = uuid_hex()
    db.feedback.record_answer(answer_id, who, "Quanto vale?", Answer(text="1 milione"))
    assert db.feedback.add_feedback(uuid_hex(), "up", None, who) is None
    assert db.feedback.add_feedback(answer_id, "down", "poco chiaro", who)
    assert ("Quanto vale?", "down") in db.feedback.gaps(1)


def test_purge_applies_the_retention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    db = AppDB(Settings())
    old, new = db.conversations.create("k", "vecchia"), db.conversations.create("k", "nuova")
    db.conversations.touch(old["id"], time.time() - 200 * 86_400)
    db.feedback.add_gap("domanda vecchia", "refused", time.time() - 200 * 86_400)
    db.feedback.add_gap("domanda nuova", "refused")
    result = CliRunner().invoke(app, ["conversations", "purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 conversations and 1 gap questions older than 180 days" in result.output
    assert db.conversations.get(old["id"], "k") is None
    assert db.conversations.get(new["id"], "k") is not None
    assert db.feedback.gaps(3650) == [("domanda nuova", "refused")]
    result = CliRunner().invoke(app, ["conversations", "purge", "--days", "0.0000001"])
    assert "deleted 1 conversations" in result.output
    db.close()


def _open(data_dir: str, url: str | None) -> str | None:
    db = AppDB(Settings(data_dir=Path(data_dir)), url)
    try:
        return current_revision(db.engine)
    finally:
        db.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_workers_starting_together_migrate_once(backend: str, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    """Several processes opening a new database at once (``--workers 4``) all succeed."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    url = None
    if backend == "postgres":
        base = request.getfixturevalue("postgres_url")
        name = f"race_{uuid_hex()[:8]}"
        from sqlalchemy import create_engine, text

        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = base.rsplit("/", 1)[0] + "/" + name
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=ctx) as pool:
        revisions = list(pool.map(_open, [str(tmp_path / "data")] * 4, [url] * 4))
    assert revisions == [head_revision()] * 4


LEGACY = """
CREATE TABLE answers (answer_id TEXT PRIMARY KEY, created REAL NOT NULL, key_id TEXT NOT NULL,
  role TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, grounded INTEGER NOT NULL,
  mode TEXT NOT NULL, degraded INTEGER NOT NULL, citations TEXT NOT NULL);
CREATE TABLE feedback (feedback_id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT NOT NULL,
  created REAL NOT NULL, key_id TEXT NOT NULL, rating TEXT NOT NULL, comment TEXT);
INSERT INTO answers VALUES ('a1', 1.0, 'key-x', 'member', 'Quanto vale il bando?', 'Vale [1].',
  1, 'extractive', 0, '[{"n": 1, "doc_id": "d", "chunk_id": "d#0"}]');
INSERT INTO answers VALUES ('a2', 2.0, 'anonymous', 'anonymous', 'Dove parcheggio?', 'Non lo so',
  0, 'extractive', 0, '[]');
INSERT INTO feedback (answer_id, created, key_id, rating, comment)
  VALUES ('a1', 3.0, 'key-x', 'down', 'incompleta');
"""


def test_feedback_kept_before_is_imported_once(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    with sqlite3.connect(index / "feedback.sqlite") as conn:
        conn.executescript(LEGACY)
    s = Settings(data_dir=tmp_path / "data", index_dir=index)
    db = AppDB(s)
    assert db.feedback.counts() == {"down": 1}
    assert sorted(db.feedback.gaps(1e6, now=10.0)) == [("Dove parcheggio?", "refused"),
                                                      ("Quanto vale il bando?", "down")]
    assert not (index / "feedback.sqlite").exists()
    assert (index / "feedback.sqlite.imported").exists()
    db.close()
    db = AppDB(s)  # nothing imported twice
    assert db.feedback.counts() == {"down": 1}
    db.close()
