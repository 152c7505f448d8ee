"""Bulletin file formats: QuakeML (through ObsPy), IMS1.0 bulletin, CSV.

:func:`read_bulletin` and :func:`write_bulletin` pick the format from the ``format`` argument,
the file extension (``.xml``, ``.qml``, ``.quakeml``; ``.ims``, ``.ims1``, ``.txt``;
``.csv``) or, when reading, the content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from openndc.bulletin.formats.csv import read_csv, write_csv
from openndc.bulletin.formats.ims import is_ims, read_ims, write_ims
from openndc.bulletin.formats.quakeml import from_catalog, read_quakeml, to_catalog, write_quakeml
from openndc.model.errors import BulletinError
from openndc.model.event import Bulletin

__all__ = [
    "FORMATS",
    "BulletinFormat",
    "detect_format",
    "from_catalog",
    "read_bulletin",
    "read_csv",
    "read_ims",
    "read_quakeml",
    "to_catalog",
    "write_bulletin",
    "write_csv",
    "write_ims",
    "write_quakeml",
]

BulletinFormat = Literal["quakeml", "ims1.0", "csv"]
#: Format names as the CLI spells them.
FORMATS: tuple[BulletinFormat, ...] = ("quakeml", "ims1.0", "csv")

_EXTENSIONS: dict[str, BulletinFormat] = {
    ".xml": "quakeml",
    ".qml": "quakeml",
    ".quakeml": "quakeml",
    ".ims": "ims1.0",
    ".ims1": "ims1.0",
    ".ims10": "ims1.0",
    ".csv": "csv",
}


def _normalise(fmt: str) -> BulletinFormat:
    name = fmt.lower().replace("_", "").replace("-", "")
    aliases: dict[str, BulletinFormat] = {
        "quakeml": "quakeml",
        "qml": "quakeml",
        "xml": "quakeml",
        "ims1.0": "ims1.0",
        "ims": "ims1.0",
        "ims10": "ims1.0",
        "ims10bulletin": "ims1.0",
        "csv": "csv",
    }
    if name not in aliases:
        raise BulletinError(f"unknown bulletin format {fmt!r}; use one of {', '.join(FORMATS)}")
    return aliases[name]


def detect_format(path: str | Path) -> BulletinFormat:
    """The format of a bulletin file, from its content, else its extension."""
    p = Path(path)
    try:
        with open(p, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise BulletinError(f"{p}: cannot read bulletin file: {exc}") from exc
    if is_ims(p):
        return "ims1.0"
    stripped = head.lstrip()
    if stripped.startswith("<") and "quakeml" in head.lower():
        return "quakeml"
    first = stripped.splitlines()[0] if stripped else ""
    if first.startswith("event_id,") or first.startswith('"event_id",'):
        return "csv"
    if p.suffix.lower() in _EXTENSIONS:
        return _EXTENSIONS[p.suffix.lower()]
    raise BulletinError(
        f"{p}: not a bulletin in a known format (QuakeML, IMS1.0 bulletin, bulletin CSV)"
    )


def read_bulletin(path: str | Path, format: str | None = None) -> Bulletin:
    """Read a bulletin file (QuakeML, IMS1.0 or CSV; detected when ``format`` is None)."""
    fmt = _normalise(format) if format else detect_format(path)
    if fmt == "quakeml":
        return read_quakeml(path)
    if fmt == "ims1.0":
        return read_ims(path)
    return read_csv(path)


def write_bulletin(bulletin: Bulletin, path: str | Path, format: str | None = None) -> None:
    """Write a bulletin; ``format`` defaults to the one the extension names."""
    if format:
        fmt = _normalise(format)
    elif Path(path).suffix.lower() in _EXTENSIONS:
        fmt = _EXTENSIONS[Path(path).suffix.lower()]
    else:
        raise BulletinError(f"{path}: say the format (one of {', '.join(FORMATS)})")
    if fmt == "quakeml":
        write_quakeml(bulletin, path)
    elif fmt == "ims1.0":
        write_ims(bulletin, path)
    else:
        write_csv(bulletin, path)
