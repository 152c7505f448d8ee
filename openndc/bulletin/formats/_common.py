"""Small helpers shared by the bulletin formats."""

from __future__ import annotations

import math
from typing import Any

from openndc.model.event import EVENT_TYPES

__all__ = ["event_type_or_default", "finite", "nan_or", "opt"]


def opt(value: float | None) -> float | None:
    """Model float → optional float (NaN → None)."""
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) else v


def nan_or(value: Any) -> float:
    """Optional number → model float (None → ``math.nan``, the model's missing value)."""
    if value is None:
        return math.nan
    v = float(value)
    return math.nan if math.isnan(v) else v


def finite(value: float) -> bool:
    return value is not None and not math.isnan(float(value))


def event_type_or_default(value: str | None) -> Any:
    """A QuakeML event type name if OpenNDC knows it, else ``"other event"``/``"not reported"``."""
    if not value:
        return "not reported"
    text = str(value)
    if text in EVENT_TYPES:
        return text
    if "explosion" in text or "blast" in text:
        return "explosion"
    return "other event"
