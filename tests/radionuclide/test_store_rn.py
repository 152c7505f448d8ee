from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from openndc.bulletin.migrate import alembic_config, upgrade


def test_migration_0004_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0004")
    engine = create_engine(url)
    names = set(inspect(engine).get_table_names())
    assert {"rn_sample", "rn_nuclide", "rn_peak"} <= names
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert not {"rn_sample", "rn_nuclide", "rn_peak"} & set(inspect(engine).get_table_names())
    engine.dispose()
