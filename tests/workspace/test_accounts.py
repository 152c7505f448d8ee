"""Accounts: scrypt hashes with a salt per user, sessions stored only as hashes, the
``openndc user add`` command."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openndc.bulletin import BulletinStore
from openndc.bulletin.schema_workspace import SessionRow, UserRow
from openndc.cli.main import main
from openndc.workspace.accounts import (
    AccountError,
    add_user,
    audit,
    audit_log,
    end_session,
    session_login,
    start_session,
    verify_password,
)


@pytest.fixture()
def store(tmp_path: Path) -> BulletinStore:
    return BulletinStore(f"sqlite:///{tmp_path / 'acc.db'}")


def test_passwords_are_salted_scrypt_hashes(store: BulletinStore) -> None:
    add_user(store.engine, "ana", "same password")
    add_user(store.engine, "ben", "same password")
    with Session(store.engine) as s:
        rows = {r.name: r for r in s.scalars(select(UserRow))}
    assert rows["ana"].salt != rows["ben"].salt
    assert rows["ana"].password_hash != rows["ben"].password_hash
    assert b"same password" not in rows["ana"].password_hash
    assert rows["ana"].kdf == "n=16384,r=8,p=1"
    assert verify_password(store.engine, "ana", "same password")
    assert not verify_password(store.engine, "ana", "same passworD")
    assert not verify_password(store.engine, "nobody", "same password")
    with pytest.raises(AccountError, match="exists"):
        add_user(store.engine, "ana", "another one")
    add_user(store.engine, "ana", "another one", replace=True)
    assert verify_password(store.engine, "ana", "another one")
    with pytest.raises(AccountError, match="at least 8"):
        add_user(store.engine, "cid", "short")
    with pytest.raises(AccountError, match="user name"):
        add_user(store.engine, "bad name", "long enough")


def test_sessions_keep_only_the_token_hash(store: BulletinStore) -> None:
    add_user(store.engine, "ana", "a password")
    token, login = start_session(store.engine, "ana")
    with Session(store.engine) as s:
        row = s.scalars(select(SessionRow)).one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    got = session_login(store.engine, token)
    assert got is not None and got.user == "ana" and got.csrf == login.csrf
    assert session_login(store.engine, token + "x") is None
    assert session_login(store.engine, None) is None
    end_session(store.engine, token)
    assert session_login(store.engine, token) is None


def test_audit_records_who_and_when(store: BulletinStore) -> None:
    audit(store.engine, "ana", "publish", "ev1", {"edits": {"picks": {}}})
    audit(store.engine, "ben", "reject", "ev2")
    log = audit_log(store.engine)
    assert [(e.user, e.action, e.event_id) for e in log] == [
        ("ben", "reject", "ev2"),
        ("ana", "publish", "ev1"),
    ]
    assert [e.action for e in audit_log(store.engine, "ev1")] == ["publish"]


def test_cli_user_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    pw = tmp_path / "pw"
    pw.write_text("a long password\n")
    assert main(["user", "add", "ana", "--db", db, "--password-file", str(pw)]) == 0
    assert "user ana added" in capsys.readouterr().out
    with BulletinStore(db) as s:
        assert verify_password(s.engine, "ana", "a long password")
    assert main(["user", "add", "ana", "--db", db, "--password-file", str(pw)]) == 1
    assert "exists" in capsys.readouterr().err
    assert main(["user", "add", "ben", "--db", db, "--password-file", str(tmp_path / "no")]) == 1
    assert main(["user", "audit", "--db", db]) == 0


def test_migration_0006_matches_the_tables(store: BulletinStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from openndc.bulletin.schema import Base

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diffs if "ws_" in repr(d)]
    assert ours == []
