"""Analyst accounts, login sessions and the audit trail of the workspace.

Passwords are hashed with scrypt (:func:`hashlib.scrypt`, RFC 7914) and a random 16-byte
salt per user; the cost parameters are stored beside each hash. A session is a random
32-byte token (URL-safe base64) that the browser holds in an ``HttpOnly``,
``SameSite=Strict`` cookie; the database keeps only its SHA-256, so a copy of the database
does not log anyone in. Each session has its own CSRF token, required on every write.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from obspy import UTCDateTime
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from openndc.bulletin.schema_workspace import AuditRow, SessionRow, UserRow
from openndc.model.errors import OpenNDCError

__all__ = [
    "SESSION_HOURS",
    "AccountError",
    "AuditEntry",
    "Login",
    "add_user",
    "audit",
    "audit_log",
    "end_session",
    "hash_password",
    "session_login",
    "start_session",
    "verify_password",
]

log = logging.getLogger(__name__)

#: scrypt cost: N=2**14, r=8, p=1 (the RFC 7914 interactive-login parameters), 64-byte key.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 64
#: How long a login lasts [h].
SESSION_HOURS = 12.0
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
MIN_PASSWORD = 8


class AccountError(OpenNDCError):
    """A bad account name or password, or a database failure on accounts."""


@dataclass(frozen=True)
class Login:
    """A logged-in analyst: name and the session's CSRF token."""

    user: str
    csrf: str


@dataclass(frozen=True)
class AuditEntry:
    """One recorded action."""

    time: UTCDateTime
    user: str
    action: str
    event_id: str
    details: dict[str, Any]


def hash_password(password: str, salt: bytes, kdf: str = "") -> bytes:
    """scrypt of ``password`` with ``salt``; ``kdf`` ("n=..,r=..,p=..") as stored, default ours."""
    n, r, p = _N, _R, _P
    if kdf:
        vals = dict(kv.split("=") for kv in kdf.split(","))
        n, r, p = int(vals["n"]), int(vals["r"]), int(vals["p"])
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=64 * 1024 * 1024
    )


def add_user(engine: Engine, name: str, password: str, *, replace: bool = False) -> bool:
    """Create the account ``name`` (or set its password when ``replace``); True when created."""
    if not _NAME.match(name):
        raise AccountError(f"user name {name!r}: use 1-100 letters, digits and . _ @ - (no spaces)")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password for {name}: use at least {MIN_PASSWORD} characters")
    salt = secrets.token_bytes(16)
    digest = hash_password(password, salt)
    kdf = f"n={_N},r={_R},p={_P}"
    try:
        with Session(engine) as session, session.begin():
            row = session.scalars(select(UserRow).where(UserRow.name == name)).first()
            if row is not None and not replace:
                raise AccountError(f"user {name} exists; pass --replace to set a new password")
            created = row is None
            if row is None:
                row = UserRow(name=name, created_ns=UTCDateTime().ns, active=True)
                session.add(row)
            row.salt, row.password_hash, row.kdf = salt, digest, kdf
    except SQLAlchemyError as exc:
        raise AccountError(f"{engine.url!r}: cannot store user {name}: {exc}") from exc
    return created


def verify_password(engine: Engine, name: str, password: str) -> bool:
    """Whether ``password`` is that of the active account ``name`` (constant-time compare)."""
    with Session(engine) as session:
        row = session.scalars(select(UserRow).where(UserRow.name == name)).first()
        if row is None or not row.active:
            # Spend the same time as a real check, so names cannot be probed by timing.
            hash_password(password, b"0" * 16)
            return False
        return hmac.compare_digest(hash_password(password, row.salt, row.kdf), row.password_hash)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(engine: Engine, name: str) -> tuple[str, Login]:
    """A new session for ``name``: the cookie token and the login (with its CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = UTCDateTime()
    with Session(engine) as session, session.begin():
        user = session.scalars(select(UserRow).where(UserRow.name == name)).one()
        session.execute(delete(SessionRow).where(SessionRow.expires_ns < now.ns))
        session.add(
            SessionRow(
                token_hash=_token_hash(token),
                csrf=csrf,
                user_id=user.id,
                created_ns=now.ns,
                expires_ns=(now + SESSION_HOURS * 3600).ns,
            )
        )
    return token, Login(name, csrf)


def session_login(engine: Engine, token: str | None) -> Login | None:
    """The login of a session cookie, or None (no cookie, unknown, expired, inactive user)."""
    if not token or len(token) > 200:
        return None
    with Session(engine) as session:
        row = session.scalars(
            select(SessionRow).where(SessionRow.token_hash == _token_hash(token))
        ).first()
        if row is None or row.expires_ns < UTCDateTime().ns:
            return None
        user = session.get(UserRow, row.user_id)
        if user is None or not user.active:
            return None
        return Login(user.name, row.csrf)


def end_session(engine: Engine, token: str | None) -> None:
    """Log out: forget the session."""
    if not token:
        return
    with Session(engine) as session, session.begin():
        session.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))


def audit(
    engine: Engine,
    user: str,
    action: str,
    event_id: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Record an action with who and when."""
    with Session(engine) as session, session.begin():
        session.add(
            AuditRow(
                time_ns=UTCDateTime().ns,
                user=user,
                action=action,
                event_id=event_id,
                details=details or {},
            )
        )
    log.info("audit: %s %s %s", user, action, event_id)


def audit_log(engine: Engine, event_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """The newest recorded actions (of one event), newest first."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if event_id is not None:
        query = query.where(AuditRow.event_id == event_id)
    with Session(engine) as session:
        return [
            AuditEntry(UTCDateTime(ns=r.time_ns), r.user, r.action, r.event_id, dict(r.details))
            for r in session.scalars(query)
        ]
