"""Shared fixtures. Real data live in ../shared/data beside the checkout.

Tests that need them skip only when the folder is absent *and* ``CI`` is unset; in CI a
missing folder is an error, so the real-data tests can never silently not run there.
"""

from __future__ import annotations

import os
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
