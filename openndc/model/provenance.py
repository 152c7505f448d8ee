"""Provenance carried by every product: who or what made it, how, with which parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from obspy import UTCDateTime

__all__ = ["Provenance"]


@dataclass(frozen=True, slots=True)
class Provenance:
    """How a product was made.

    ``author`` is ``"automatic"`` for pipeline output or an analyst's name for reviewed
    products; ``parameters`` are the configuration values that shaped the result.
    """

    method: str
    software_version: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    author: str = "automatic"
    created: UTCDateTime = field(default_factory=UTCDateTime)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "software": f"openndc {self.software_version}",
            "author": self.author,
            "created": str(self.created),
            "parameters": dict(self.parameters),
        }
