"""Shared fixtures. Real data live in ../shared/data beside the checkout.

Tests that need them skip only when the folder is absent *and* ``CI`` is unset; in CI a
missing folder is an error, so the real-data tests can never silently not run there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get(
        "OPENNDC_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; skips (locally) or fails (in CI) when it is absent."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real test data not found at {SHARED_DATA} (CI is set)")
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


# -- PostgreSQL for the bulletin database tests ---------------------------------------------
#
# ``OPENNDC_TEST_POSTGRES_URL`` (set by .ci/run) names a database on a running server whose
# user may create databases. Without it, a throw-away server is started from the PostgreSQL
# binaries when they are installed (initdb/pg_ctl; as the ``postgres`` user when running as
# root). Neither available: the PostgreSQL tests skip locally and fail in CI.

POSTGRES_URL_ENV = "OPENNDC_TEST_POSTGRES_URL"


def _postgres_bin() -> Path | None:
    import glob
    import shutil

    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_postgres(bindir: Path) -> tuple[str, Callable[[], None]]:
    """A throw-away PostgreSQL server on loopback: (URL of its ``postgres`` database, stop)."""
    import pwd
    import shlex
    import shutil
    import subprocess
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="openndc-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["su", "postgres", "-s", "/bin/sh", "-c"]

    def call(*args: str) -> None:
        cmd = [str(a) for a in args]
        full = [*prefix, shlex.join(cmd)] if prefix else cmd
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    port = _free_port()
    data = folder / "data"
    call(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    call(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        opts,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )

    def stop() -> None:
        try:
            call(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL database whose user may create databases; see above."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        yield url
        return
    bindir = _postgres_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not available: set {POSTGRES_URL_ENV} or install postgresql")
        pytest.skip(f"PostgreSQL not available ({POSTGRES_URL_ENV} unset, no initdb)")
    url, stop = _start_postgres(bindir)
    try:
        yield url
    finally:
        stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"openndc_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
