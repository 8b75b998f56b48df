"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests, from Debian's packages.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free port, a URL for
SQLAlchemy, and ``pg_ctl stop`` + removal at the end. PostgreSQL refuses to run as root:
as root the cluster runs as the ``postgres`` user (created by the Debian package) through
``runuser``. Anything missing gives a reason to skip, never a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import free_port

START_TIMEOUT_S = 60


def pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if
                   Path(p).parent.parent.name.isdigit() else 0)
    return Path(found[-1]).parent if found else None


def _runner() -> tuple[list[str], str] | None:
    """The command prefix that runs PostgreSQL, and its OS user; None when impossible."""
    if os.geteuid() != 0:
        import pwd

        return [], pwd.getpwuid(os.geteuid()).pw_name
    runuser = shutil.which("runuser")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return ([runuser, "-u", "postgres", "--"], "postgres") if runuser else None


def unavailable() -> str | None:
    """Why a cluster cannot be started here, or None."""
    if pg_bin() is None:
        return ("PostgreSQL binaries not found (Debian package `postgresql`; "
                "`make test` installs it when run as root)")
    if _runner() is None:
        return "running as root without a `postgres` user or runuser to start PostgreSQL"
    return None


def _run(cmd: list[str], **kw: object) -> None:
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT_S,
                         check=False, **kw)  # type: ignore[call-overload]
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {out.stdout}\n{out.stderr}")


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster and yield ``postgresql+psycopg://...`` for its database."""
    bin_dir, runner = pg_bin(), _runner()
    assert bin_dir is not None and runner is not None, unavailable()
    prefix, user = runner
    base = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    if prefix:  # the cluster's user must own its folders
        shutil.chown(base, user)
        shutil.chown(sockets, user)
        base.chmod(0o700)
    port = free_port()
    try:
        _run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "test",
              "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], cwd=str(base))
        _run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
              "-w", "-t", str(START_TIMEOUT_S), "-o",
              f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off",
              "start"], cwd=str(base))
        try:
            yield f"postgresql+psycopg://test@127.0.0.1:{port}/postgres"
        finally:
            _run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                  "-w", "stop"], cwd=str(base))
    finally:
        shutil.rmtree(base, ignore_errors=True)
