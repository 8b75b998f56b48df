"""The application database: engine from the settings, migrated to the latest schema.

SQLite file ``<ASSISTANT_DATA_DIR>/assistant.sqlite`` by default; any SQLAlchemy URL via
``ASSISTANT_DATABASE_URL`` (PostgreSQL when several workers or machines share it).
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from assistant.settings import Settings

log = logging.getLogger("assistant.appdb")
MIGRATIONS = Path(__file__).parent / "migrations"
_PG_LOCK = 72_190_419  # advisory lock id: one process migrates at a time


def database_url(settings: Settings) -> str:
    """``ASSISTANT_DATABASE_URL``, else the SQLite file under the data folder."""
    if settings.database_url:
        return settings.database_url.get_secret_value()
    return f"sqlite:///{(settings.data_dir / 'assistant.sqlite').resolve()}"


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, foreign keys and a busy timeout (several threads)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive lock beside a SQLite file (its DDL is not transactional here, so two
    processes must not interleave migrations); nothing for other databases."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision. Safe with several processes starting at
    once (``--workers``): PostgreSQL serialises them with an advisory lock taken in the
    migration's transaction, SQLite with a file lock; the others then find it done."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    with _file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        if MigrationContext.configure(conn).get_current_revision() == head:
            return  # another process did it while we waited
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.info("application database migrated to revision %s", head)
