"""``openndc user``: analyst accounts of the web workspace.

Contract (other tools rely on it)::

    openndc user add NAME --db URL [--password-file FILE] [--replace]
    openndc user audit --db URL [--event ID] [--limit N]

``add`` asks for the password twice on the terminal (or reads the first line of
``--password-file``) and stores its scrypt hash with a per-user salt in the database.
``audit`` prints the workspace's record of who did what and when.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
from pathlib import Path

from openndc.cli._args import check_database, positive_int
from openndc.model.errors import ConfigError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "user",
        help="analyst accounts of the web workspace (add), and its audit trail",
        description="Create analyst accounts for the web workspace of openndc serve; "
        "print the audit trail of the workspace's actions.",
    )
    verbs = p.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("name", help="login name (letters, digits, . _ @ -)")
    add.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    add.add_argument("--password-file", help="read the password from the first line of this file")
    add.add_argument(
        "--replace", action="store_true", help="set a new password for an existing account"
    )
    add.set_defaults(func=run)
    aud = verbs.add_parser("audit", help="print the workspace's audit trail, newest first")
    aud.add_argument("--db", required=True, help="database URL, e.g. sqlite:///bulletin.db")
    aud.add_argument("--event", help="only the actions on this event")
    aud.add_argument("--limit", type=positive_int, default=50, help="most lines printed")
    aud.set_defaults(func=run)


def _password(args: argparse.Namespace) -> str:
    if args.password_file:
        path = Path(args.password_file)
        if not path.exists() or path.is_dir():
            raise ConfigError(f"--password-file {path} does not exist")
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines:
            raise ConfigError(f"--password-file {path} is empty: write the password on line 1")
        return lines[0]
    first = getpass.getpass(f"password for {args.name}: ")
    second = getpass.getpass("again: ")
    if first != second:
        raise ConfigError("the two passwords differ; nothing was stored")
    return first


def run(args: argparse.Namespace) -> int:
    from openndc.bulletin import BulletinStore
    from openndc.workspace.accounts import add_user, audit_log

    if args.verb == "add":
        db = check_database(args.db, must_exist=False)
        password = _password(args)
        with BulletinStore(db) as store:
            created = add_user(store.engine, args.name, password, replace=args.replace)
        print(f"user {args.name} {'added' if created else 'updated'} in {db}")
        return 0
    db = check_database(args.db, must_exist=True)
    with BulletinStore(db) as store:
        for e in audit_log(store.engine, args.event, args.limit):
            print(f"{e.time.isoformat()}  {e.user:<12} {e.action:<10} {e.event_id:<26} "
                  f"{json.dumps(e.details)[:120]}")  # fmt: skip
    return 0
