"""Schema migrations of the bulletin database, run programmatically through Alembic.

The migration scripts ship inside the package (``openndc/bulletin/migrations``);
:func:`upgrade` brings a database, empty or older, to the current schema and does nothing
when it is current.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError

from openndc.model.errors import BulletinError

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "head_revision", "upgrade"]

log = logging.getLogger(__name__)

#: Folder of the Alembic environment and its ``versions/``.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the packaged migrations (no ``alembic.ini`` needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration's revision identifier."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships one
        raise BulletinError(f"no migrations found in {MIGRATIONS}; reinstall openndc")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Create or update the bulletin schema of a database to ``revision`` (default: newest).

    ``url_or_engine`` is an SQLAlchemy URL (``sqlite:///bulletin.db``,
    ``postgresql+psycopg://user@host/db``) or an engine. Idempotent.
    """
    engine = create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        raise BulletinError(
            f"cannot migrate the bulletin database {engine.url!r}: {exc}; check the URL, "
            "that the server runs and that the user may create tables"
        ) from exc
    finally:
        if isinstance(url_or_engine, str):
            engine.dispose()
    log.debug("bulletin database %s at revision %s", engine.url, revision)
