"""Hypoinverse-2000 archive files (Y2000 format): event summary lines with phase lines.

Columns (1-based) follow the Hypoinverse-2000 manual (Klein 2002, USGS OFR 02-171,
"Y2000 summary format" and "Y2000 (station) archive format"), as read by hypoDD's
``ncsn2pha``:

- summary (event) line: year 1-4, month 5-6, day 7-8, hour 9-10, minute 11-12, seconds
  x100 13-16, latitude degrees 17-18, ``S`` in 19 for south, minutes x100 20-23,
  longitude degrees 24-26, ``E`` in 27 for east (blank: west), minutes x100 28-31, depth
  x100 [km] 32-36, event id 137-146;
- phase line: station 1-5, network 6-7, component 9, channel 10-12, P remark 14-15,
  P first motion 16, P weight code 17, year to minute 18-29, P seconds x100 30-34,
  S seconds x100 42-46, S remark 47-48, S weight code 50;
- ``$`` shadow lines are skipped; a line whose station field is blank ends the event.

Weight codes 0-3 become time uncertainties 0.1, 0.2, 0.5 and 1.0 s (NCSN weights 1, 0.5,
0.2, 0.1 as in ``ncsn2pha``); code 4 and above (unused picks) are dropped. As
``ncsn2pha`` does, a P is taken from vertical channels (channel ending in ``Z``, or
no channel given) and an S from horizontal ones.
"""

from __future__ import annotations

from pathlib import Path

from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.errors import OpenNDCError
from openndc.model.event import Arrival, Bulletin, Event, Origin

__all__ = ["WEIGHT_UNCERTAINTY", "HypoinverseFormatError", "read_hypoinverse_archive"]

#: Hypoinverse weight code -> time uncertainty [s] (0.1 s / NCSN weight 1, 0.5, 0.2, 0.1).
WEIGHT_UNCERTAINTY = {0: 0.1, 1: 0.2, 2: 0.5, 3: 1.0}


class HypoinverseFormatError(OpenNDCError, ValueError):
    """A Hypoinverse archive file could not be read (the message names file and line)."""


def _col(line: str, first: int, last: int) -> str:
    return line[first - 1 : last]


def _num(line: str, first: int, last: int, scale: float = 1.0) -> float | None:
    text = _col(line, first, last).strip()
    if not text:
        return None
    try:
        return float(text) * scale
    except ValueError:
        return None


def _summary(line: str, where: str) -> tuple[str, Origin]:
    try:
        t = (
            UTCDateTime(
                int(line[0:4]), int(line[4:6]), int(line[6:8]), int(line[8:10]), int(line[10:12])
            )
            + int(line[12:16]) / 100.0
        )
        lat = int(_col(line, 17, 18)) + int(_col(line, 20, 23).strip() or 0) / 6000.0
        lon = int(_col(line, 24, 26)) + int(_col(line, 28, 31).strip() or 0) / 6000.0
    except ValueError as exc:
        raise HypoinverseFormatError(
            f"{where}: not a Hypoinverse Y2000 summary line (only the Y2000 format, with "
            "4-digit years, is read; convert older archives first)"
        ) from exc
    if _col(line, 19, 19).upper() == "S":
        lat = -lat
    if _col(line, 27, 27).upper() != "E":
        lon = -lon
    depth = _num(line, 32, 36, 0.01) or 0.0
    evid = _col(line, 137, 146).strip() or t.strftime("%Y%m%d%H%M%S")
    return evid, Origin(t, lat, lon, depth, method="catalogue (Hypoinverse archive)")


def _picks(line: str, origin_time: UTCDateTime) -> list[Arrival]:
    sta, net = _col(line, 1, 5).strip(), _col(line, 6, 7).strip()
    channel = (_col(line, 10, 12)).strip()
    try:
        base = UTCDateTime(
            int(line[17:21]), int(line[21:23]), int(line[23:25]), int(line[25:27]),
            int(line[27:29]),
        )  # fmt: skip
    except ValueError:
        return []
    vertical = not channel or channel.endswith("Z")
    out: list[Arrival] = []
    for remark, code_col, sec_cols, kind, ok in (
        (_col(line, 14, 15), 17, (30, 34), "P", vertical),
        (_col(line, 47, 48), 50, (42, 46), "S", not vertical),
    ):
        code = _col(line, code_col, code_col).strip()
        if (
            not remark.strip()
            or not ok
            or not code.isdigit()
            or int(code) not in WEIGHT_UNCERTAINTY
        ):
            continue
        sec = _num(line, *sec_cols, 0.01)
        if sec is None:
            continue
        det = Detection(net, sta, "", channel, base + sec,
                        time_uncertainty=WEIGHT_UNCERTAINTY[int(code)], phase=kind)  # fmt: skip
        out.append(Arrival(det, kind))
    return out


def read_hypoinverse_archive(path: str | Path) -> Bulletin:
    """A Hypoinverse Y2000 archive file as a bulletin: each event's summary origin (the
    network's location) with its weighted P and S picks as arrivals."""
    p = Path(path)
    events: list[Event] = []
    current: tuple[str, Origin] | None = None
    arrivals: list[Arrival] = []
    for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
        if not line.strip() or line.startswith("$"):
            continue
        if current is None:
            current = _summary(line, f"{p}:{n}")
            arrivals = []
            continue
        if not _col(line, 1, 5).strip():  # terminator line
            events.append(Event(current[0], current[1], tuple(arrivals),
                                comment=f"read from {p.name}"))  # fmt: skip
            current = None
            continue
        arrivals.extend(_picks(line, current[1].time))
    if current is not None:
        events.append(Event(current[0], current[1], tuple(arrivals)))
    if not events:
        raise HypoinverseFormatError(f"{p}: no events; is this a Hypoinverse archive file?")
    return Bulletin(tuple(events), name=p.stem)
