"""The analyst workspace: review, fix and publish the bulletin in a browser.

Served by the FastAPI application of :func:`openndc.services.create_app` at ``/`` (beside
the FDSN web services under ``/fdsnws/``). See ``docs/workspace.md``.
"""

from __future__ import annotations

from openndc.workspace.accounts import AccountError, add_user, audit_log, verify_password
from openndc.workspace.app import Workspace, mount_workspace
from openndc.workspace.review import Edits, PickEdit, ReviewError, parse_edits, publish, relocate

__all__ = [
    "AccountError",
    "Edits",
    "PickEdit",
    "ReviewError",
    "Workspace",
    "add_user",
    "audit_log",
    "mount_workspace",
    "parse_edits",
    "publish",
    "relocate",
    "verify_password",
]
