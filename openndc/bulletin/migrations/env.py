"""Alembic environment of the bulletin database (run through :func:`openndc.bulletin.upgrade`).

The connection comes from ``config.attributes["connection"]``; nothing is configured from
files or logging here.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from openndc.bulletin.schema import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection or sqlalchemy.url given to the bulletin migrations")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
else:
    _run(connection)
