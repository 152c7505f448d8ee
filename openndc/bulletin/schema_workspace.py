"""Database tables of the analyst workspace, on the bulletin schema's ``Base``.

=========================  ==============================================================
table                      content
=========================  ==============================================================
``ws_user``                an analyst account: name, scrypt hash of the password with its
                           per-user salt and cost parameters, when it was created, active
``ws_session``             a login session: SHA-256 of the random session token (the
                           cookie holds the token, the database only its hash), the CSRF
                           token of the session, the user, created/expiry times
``ws_interval``            a time interval an analyst marked as reviewed: start, end,
                           who, when, a comment
``ws_audit``               every workspace action: when, who, what (``login``, ``logout``,
                           ``relocate``, ``publish``, ``reject``, ...), the event, details
                           (JSON: the edits, the origin stored)
=========================  ==============================================================

Times are integer nanoseconds (``*_ns``), as in :mod:`schema`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from openndc.bulletin.schema import Base

__all__ = ["AuditRow", "ReviewIntervalRow", "SessionRow", "UserRow"]


class UserRow(Base):
    """An analyst account (``openndc user add``)."""

    __tablename__ = "ws_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(64))
    password_hash: Mapped[bytes] = mapped_column(LargeBinary(128))
    # scrypt cost parameters used for this hash: "n=16384,r=8,p=1"
    kdf: Mapped[str] = mapped_column(String(100))
    created_ns: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SessionRow(Base):
    """A login session: only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "ws_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("ws_user.id"), index=True)
    created_ns: Mapped[int] = mapped_column(BigInteger)
    expires_ns: Mapped[int] = mapped_column(BigInteger)


class AuditRow(Base):
    """One workspace action, with who and when."""

    __tablename__ = "ws_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_ns: Mapped[int] = mapped_column(BigInteger, index=True)
    user: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(100), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReviewIntervalRow(Base):
    """An interval ``[start, end)`` an analyst marked as reviewed (GMS's review intervals)."""

    __tablename__ = "ws_interval"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_ns: Mapped[int] = mapped_column(BigInteger, index=True)
    end_ns: Mapped[int] = mapped_column(BigInteger)
    user: Mapped[str] = mapped_column(String(100))
    time_ns: Mapped[int] = mapped_column(BigInteger)
    comment: Mapped[str] = mapped_column(String(500))
