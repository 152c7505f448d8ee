"""The bulletin stage: the event database, its migrations, exports, imports and comparison.

- :class:`BulletinStore` stores events (origins, arrivals with their detections,
  magnitudes, provenance) in SQLite or PostgreSQL and loads them back;
  :func:`upgrade` creates or migrates the schema (Alembic, shipped in the package).
- :func:`read_bulletin` / :func:`write_bulletin`: QuakeML (through ObsPy), IMS1.0 bulletin,
  CSV (:data:`openndc.model.event.EVENT_COLUMNS`).
- :func:`compare_bulletins` matches two bulletins (e.g. ours and the IDC's REB).
"""

from openndc.bulletin.compare import BulletinComparison, MatchedPair, compare_bulletins
from openndc.bulletin.formats import (
    FORMATS,
    detect_format,
    from_catalog,
    read_bulletin,
    to_catalog,
    write_bulletin,
)
from openndc.bulletin.migrate import upgrade
from openndc.bulletin.store import DEFAULT_URL, BulletinStore, EventVersion

__all__ = [
    "DEFAULT_URL",
    "FORMATS",
    "BulletinComparison",
    "BulletinStore",
    "EventVersion",
    "MatchedPair",
    "compare_bulletins",
    "detect_format",
    "from_catalog",
    "read_bulletin",
    "to_catalog",
    "upgrade",
    "write_bulletin",
]
