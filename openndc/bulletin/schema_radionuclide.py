"""Database tables of the radionuclide part, on the bulletin schema's ``Base``."""

from __future__ import annotations

__all__: list[str] = []
