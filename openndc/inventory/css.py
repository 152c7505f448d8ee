"""CSS3.0 ``site`` and ``sitechan`` tables → :class:`MonitoringNetwork`.

Fixed-width columns per the CSS3.0 schema (Anderson et al. 1990, "Center for Seismic
Studies Version 3 Database: Schema Reference Manual", tables ``site`` and ``sitechan``;
1-based character columns)::

    site:     sta 1-6, ondate 8-15, offdate 17-24, lat 26-36 [deg], lon 38-48 [deg],
              elev 50-58 [km], staname 60-109, statype 111-114 (ss single station,
              ar array), refsta 116-121, dnorth 123-131 [km], deast 133-141 [km],
              lddate 143-159
    sitechan: sta 1-6, chan 8-15, ondate 17-24, chanid 26-33, offdate 35-42,
              ctype 44-47, edepth 49-57 [km], hang 59-64 [deg], vang 66-71 [deg],
              descrip 73-122, lddate 124-140

Dates are Julian ``yyyyddd``; an offdate of ``-1`` or ``2286324`` means open. ``at``
(default: now) picks the epoch in effect (ondate <= day <= offdate). Array elements are
``ss`` rows whose ``refsta`` names an ``ar`` row (the array reference point); their
offsets are the table's ``dnorth``/``deast``. ``vang`` is measured from vertical, so the
StationXML dip is ``vang - 90``; ``hang``/``vang`` of ``-1`` mean not applicable.
Sample rates are not part of site/sitechan: when ``<stem>.sensor`` and
``<stem>.instrument`` lie beside the site file, the rate comes from ``instrument.samprate``.

The tables are checked as they are read; each problem is one :class:`DataQualityWarning`
naming the file and row, and the row is skipped (or, for contradictions, which row is used):

- a row that does not parse, or with impossible numbers: latitude outside [-90, 90],
  longitude outside [-180, 180], elevation outside [-12, 9] km, offsets beyond 1000 km, a
  date that is not ``yyyyddd``, an offdate before its ondate, ``hang`` outside [0, 360] or
  ``vang`` outside [0, 180] (other than -1), an emplacement depth outside [0, 12] km;
- contradictory rows: two site rows of one station in effect on the same day at different
  places (the later ondate is used), two sitechan rows of one channel in effect on the same
  day with different orientations (likewise), sitechan rows of a station with no site row.

Shared boundary days (one epoch's offdate is the next one's ondate) are not contradictions.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from obspy import UTCDateTime

from openndc.inventory.arrays import build_array
from openndc.model.errors import DataQualityWarning, InventoryError
from openndc.model.inventory import Array, ChannelInfo, MonitoringNetwork, Station

__all__ = ["SiteRow", "SitechanRow", "check_site", "check_sitechan", "julian_day", "read_css_site"]

log = logging.getLogger(__name__)

#: Notes already logged (a table read again for each window of a run says each once).
_SAID: set[tuple[str, ...]] = set()


def _info_once(key: tuple[str, ...], msg: str, *args: object) -> None:
    """``log.info(msg, *args)`` the first time ``key`` is seen in this process."""
    if key not in _SAID:
        _SAID.add(key)
        log.info(msg, *args)


OPEN_OFFDATE = 2286324


@dataclass(frozen=True, slots=True)
class SiteRow:
    """One row of a CSS3.0 ``site`` table (elevation in [km], offsets in [km])."""

    sta: str
    ondate: int
    offdate: int
    lat: float
    lon: float
    elev_km: float
    staname: str
    statype: str
    refsta: str
    dnorth_km: float
    deast_km: float
    #: Line number in its file (1-based; 0: not from a file).
    line: int = field(default=0, compare=False)

    def in_effect(self, day: int) -> bool:
        return _in_effect(self.ondate, self.offdate, day)


@dataclass(frozen=True, slots=True)
class SitechanRow:
    """One row of a CSS3.0 ``sitechan`` table (angles [deg], ``-1`` = not applicable)."""

    sta: str
    chan: str
    ondate: int
    chanid: int
    offdate: int
    ctype: str
    edepth_km: float
    hang: float
    vang: float
    descrip: str
    #: Line number in its file (1-based; 0: not from a file).
    line: int = field(default=0, compare=False)

    def in_effect(self, day: int) -> bool:
        return _in_effect(self.ondate, self.offdate, day)


def _in_effect(ondate: int, offdate: int, day: int) -> bool:
    open_ = offdate in (-1, OPEN_OFFDATE) or offdate <= 0
    return ondate <= day and (open_ or day <= offdate)


def julian_day(t: UTCDateTime) -> int:
    """``yyyyddd`` of ``t`` (the CSS3.0 ``jdate``)."""
    return int(t.year) * 1000 + int(t.julday)


def _field(line: str, a: int, b: int) -> str:
    return line[a - 1 : b].strip()


def _parse_site(line: str) -> SiteRow:
    return SiteRow(
        sta=_field(line, 1, 6),
        ondate=int(_field(line, 8, 15)),
        offdate=int(_field(line, 17, 24)),
        lat=float(_field(line, 26, 36)),
        lon=float(_field(line, 38, 48)),
        elev_km=float(_field(line, 50, 58) or 0.0),
        staname=_field(line, 60, 109),
        statype=_field(line, 111, 114),
        refsta=_field(line, 116, 121),
        dnorth_km=float(_field(line, 123, 131) or 0.0),
        deast_km=float(_field(line, 133, 141) or 0.0),
    )


def _parse_sitechan(line: str) -> SitechanRow:
    return SitechanRow(
        sta=_field(line, 1, 6),
        chan=_field(line, 8, 15),
        ondate=int(_field(line, 17, 24)),
        chanid=int(_field(line, 26, 33) or -1),
        offdate=int(_field(line, 35, 42)),
        ctype=_field(line, 44, 47),
        edepth_km=float(_field(line, 49, 57) or 0.0),
        hang=float(_field(line, 59, 64) or -1.0),
        vang=float(_field(line, 66, 71) or -1.0),
        descrip=_field(line, 73, 122),
    )


def _julian_ok(value: int) -> bool:
    return 1000000 <= value <= 9999366 and 1 <= value % 1000 <= 366


def _check_epoch(ondate: int, offdate: int) -> None:
    if not _julian_ok(ondate):
        raise ValueError(f"ondate {ondate} is not a yyyyddd date")
    if offdate in (-1, OPEN_OFFDATE):
        return
    if not _julian_ok(offdate):
        raise ValueError(f"offdate {offdate} is not a yyyyddd date, -1 or {OPEN_OFFDATE}")
    if offdate < ondate:
        raise ValueError(f"offdate {offdate} is before ondate {ondate}")


def _check_range(name: str, value: float, lo: float, hi: float, unit: str) -> None:
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{name} {value:g}{unit} is outside [{lo:g}, {hi:g}]{unit}")


def check_site(row: SiteRow) -> None:
    """Raise ValueError naming the first impossible value of a site row."""
    if not row.sta:
        raise ValueError("no station code")
    _check_epoch(row.ondate, row.offdate)
    _check_range("latitude", row.lat, -90.0, 90.0, " deg")
    _check_range("longitude", row.lon, -180.0, 180.0, " deg")
    _check_range("elevation", row.elev_km, -12.0, 9.0, " km")
    _check_range("dnorth", row.dnorth_km, -1000.0, 1000.0, " km")
    _check_range("deast", row.deast_km, -1000.0, 1000.0, " km")


def check_sitechan(row: SitechanRow) -> None:
    """Raise ValueError naming the first impossible value of a sitechan row."""
    if not (row.sta and row.chan):
        raise ValueError("no station or channel code")
    _check_epoch(row.ondate, row.offdate)
    if row.edepth_km != -1.0:
        _check_range("edepth", row.edepth_km, 0.0, 12.0, " km")
    if row.hang != -1.0:
        _check_range("hang", row.hang, 0.0, 360.0, " deg")
    if row.vang != -1.0:
        _check_range("vang", row.vang, 0.0, 180.0, " deg")


def _read_rows(path: Path, parse: type[SiteRow] | type[SitechanRow]) -> list[object]:
    table = "site" if parse is SiteRow else "sitechan"
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read CSS3.0 table: {exc}") from exc
    rows: list[object] = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row: SiteRow | SitechanRow
            if parse is SiteRow:
                row = replace(_parse_site(line), line=i)
                check_site(row)
            else:
                row = replace(_parse_sitechan(line), line=i)
                check_sitechan(row)
            rows.append(row)
        except (ValueError, IndexError, OverflowError) as exc:
            warnings.warn(
                f"{path}:{i}: CSS3.0 {table} row skipped: {exc}",
                DataQualityWarning,
                stacklevel=3,
            )
    if not rows:
        raise InventoryError(
            f"{path}: no readable CSS3.0 {parse.__name__[:-3].lower()} rows; is it a "
            "fixed-width CSS3.0 table?"
        )
    return rows


def _sample_rates(site_path: Path) -> dict[int, float]:
    """chanid → sample rate [Hz] from ``.sensor`` + ``.instrument`` beside the site file."""
    sensor = site_path.with_suffix(".sensor")
    instrument = site_path.with_suffix(".instrument")
    if not (sensor.is_file() and instrument.is_file()):
        return {}
    rates_by_inid: dict[int, float] = {}
    try:
        for line in instrument.read_text(encoding="latin-1").splitlines():
            # instrument: inid 1-8, insname 10-59, instype 61-66, band 68, digital 70,
            # samprate 72-82 [Hz]
            if line.strip():
                rates_by_inid[int(line[0:8])] = float(line[71:82])
        out: dict[int, tuple[float, float]] = {}
        for line in sensor.read_text(encoding="latin-1").splitlines():
            # sensor: sta 1-6, chan 8-15, time 17-33, endtime 35-51, inid 53-60, chanid 62-69
            if not line.strip():
                continue
            start, inid, chanid = float(line[16:33]), int(line[52:60]), int(line[61:69])
            if inid in rates_by_inid and (chanid not in out or start >= out[chanid][0]):
                out[chanid] = (start, rates_by_inid[inid])
    except (OSError, ValueError) as exc:
        log.warning("%s / %s: sample rates not read: %s", sensor, instrument, exc)
        return {}
    return {k: v[1] for k, v in out.items()}


def _channel(row: SitechanRow, rates: dict[int, float]) -> ChannelInfo:
    hang = None if row.hang == -1.0 else row.hang
    dip = None if row.vang == -1.0 else row.vang - 90.0
    return ChannelInfo(
        code=row.chan,
        location="",
        sample_rate_hz=rates.get(row.chanid),
        azimuth_deg=hang,
        dip_deg=dip,
    )


def _strictly_in_effect(ondate: int, offdate: int, day: int) -> bool:
    """In effect on ``day`` and ``day`` is not a boundary day of the epoch."""
    return _in_effect(ondate, offdate, day) and day not in (ondate, offdate)


def _current(rows: list[SiteRow], day: int, path: Path) -> dict[str, SiteRow]:
    """The site row of each station in effect on ``day`` (latest ondate wins); two rows
    of a station in effect that day at different places are reported."""
    out: dict[str, SiteRow] = {}
    for r in rows:
        if not r.in_effect(day):
            continue
        old = out.get(r.sta)
        if old is not None and _contradict_site(old, r, day):
            new, gone = (r, old) if r.ondate >= old.ondate else (old, r)
            warnings.warn(
                f"{path}:{gone.line}: CSS3.0 site rows {old.line} and {r.line} both place "
                f"{r.sta} on day {day}, at {old.lat:.4f} {old.lon:.4f} and {r.lat:.4f} "
                f"{r.lon:.4f}; row {new.line} (later ondate) is used: close the other "
                "epoch with an offdate",
                DataQualityWarning,
                stacklevel=3,
            )
        if old is None or r.ondate >= old.ondate:
            out[r.sta] = r
    return out


def _contradict_site(a: SiteRow, b: SiteRow, day: int) -> bool:
    both = _strictly_in_effect(a.ondate, a.offdate, day) and _strictly_in_effect(
        b.ondate, b.offdate, day
    )
    moved = abs(a.lat - b.lat) > 1e-4 or abs(a.lon - b.lon) > 1e-4
    return both and (moved or abs(a.elev_km - b.elev_km) > 1e-3)


def _current_channels(
    rows: list[object], sites: dict[str, SiteRow], all_sites: set[str], day: int, path: Path
) -> dict[str, dict[str, SitechanRow]]:
    """The sitechan row of each channel in effect on ``day``; contradictions reported."""
    chans: dict[str, dict[str, SitechanRow]] = defaultdict(dict)
    orphans: dict[str, int] = {}
    for r in rows:
        if not isinstance(r, SitechanRow):
            continue
        if r.sta not in all_sites:
            orphans.setdefault(r.sta, r.line)
        if not (r.in_effect(day) and r.sta in sites):
            continue
        old = chans[r.sta].get(r.chan)
        if (
            old is not None
            and _strictly_in_effect(old.ondate, old.offdate, day)
            and _strictly_in_effect(r.ondate, r.offdate, day)
            and (old.hang, old.vang, old.edepth_km) != (r.hang, r.vang, r.edepth_km)
        ):
            new, gone = (r, old) if r.ondate >= old.ondate else (old, r)
            warnings.warn(
                f"{path}:{gone.line}: CSS3.0 sitechan rows {old.line} and {r.line} both "
                f"describe {r.sta} {r.chan} on day {day} with different orientation or "
                f"depth; row {new.line} (later ondate) is used: close the other epoch",
                DataQualityWarning,
                stacklevel=3,
            )
        if old is None or r.ondate >= old.ondate:
            chans[r.sta][r.chan] = r
    for sta, line in sorted(orphans.items()):
        warnings.warn(
            f"{path}:{line}: CSS3.0 sitechan rows of station {sta}, which has no site row; "
            "they are not used: add its site row",
            DataQualityWarning,
            stacklevel=3,
        )
    return chans


def _reference_stations(
    sites: dict[str, SiteRow], stations: list[Station], site_path: Path, network: str
) -> list[Station]:
    """Stations named only as the ``refsta`` of their elements (no row of their own).

    The IDC's site table lists some 3-C stations only through their sensors: ``DBIC1``
    (short-period vertical) and ``DBICB`` (broadband 3-C) are ``ss`` rows whose ``refsta``
    is ``DBIC``, and there is no ``DBIC`` row; the IDC reports their arrivals under
    ``DBIC`` (likewise LBTB, LPAZ, PLCA, VNDA in the IMS table of
    ``../shared/data/ims_site_tables``). Each such reference code becomes a station at its
    element closest to the reference point (smallest ``dnorth``/``deast``) carrying the
    channels of all its elements (the first element's wins where two share a channel
    code), so that detections at ``DBIC`` resolve as the IDC means them."""
    by_code = {s.code: s for s in stations}
    groups: dict[str, list[SiteRow]] = defaultdict(list)
    for r in sites.values():
        if r.statype != "ar" and r.refsta and r.refsta != r.sta and r.refsta not in sites:
            groups[r.refsta].append(r)
    out: list[Station] = []
    for ref, rows in sorted(groups.items()):
        rows.sort(key=lambda r: (r.dnorth_km**2 + r.deast_km**2, r.sta))
        chans: dict[tuple[str, str], ChannelInfo] = {}
        for r in rows:
            for c in by_code[r.sta].channels:
                chans.setdefault((c.location, c.code), c)
        first = rows[0]
        out.append(
            Station(
                network=network,
                code=ref,
                latitude=first.lat,
                longitude=first.lon,
                elevation_m=first.elev_km * 1000.0,
                channels=tuple(chans[k] for k in sorted(chans)),
                description=first.staname.replace("_", " "),
                source=str(site_path),
            )
        )
        _info_once(
            (str(site_path), ref, "built"),
            "%s: station %s has no site row of its own; built from its elements %s (as the "
            "IDC names their arrivals)",
            site_path,
            ref,
            ", ".join(r.sta for r in rows),
        )
    return out


def read_css_site(
    site_path: str | Path,
    sitechan_path: str | Path | None = None,
    at: UTCDateTime | None = None,
    *,
    network: str = "IM",
) -> MonitoringNetwork:
    """Stations and arrays from a CSS3.0 ``site`` table (and its ``sitechan``).

    ``sitechan_path`` defaults to the ``.sitechan`` file beside ``site_path`` (same stem);
    without one, stations have no channels. ``at`` (default: now) selects the epochs in
    effect. CSS3.0 has no network codes: every station gets ``network`` (default ``IM``,
    the FDSN code under which IMS stations are distributed).
    """
    site_path = Path(site_path)
    at = at if at is not None else UTCDateTime()
    day = julian_day(at)
    site_rows = [r for r in _read_rows(site_path, SiteRow) if isinstance(r, SiteRow)]
    sites = _current(site_rows, day, site_path)
    if not sites:
        raise InventoryError(f"{site_path}: no site row is in effect at {at}")
    chan_path = Path(sitechan_path) if sitechan_path else site_path.with_suffix(".sitechan")
    chans: dict[str, dict[str, SitechanRow]] = defaultdict(dict)
    if chan_path.is_file():
        rates = _sample_rates(site_path)
        all_sites = {r.sta for r in site_rows}
        chans = _current_channels(
            _read_rows(chan_path, SitechanRow), sites, all_sites, day, chan_path
        )
    elif sitechan_path is not None:
        raise InventoryError(f"{chan_path}: sitechan table not found")
    else:
        rates = {}
        log.info("%s: no sitechan table beside it; stations have no channels", site_path)

    refs = {c: r for c, r in sites.items() if r.statype == "ar"}
    members: dict[str, list[SiteRow]] = defaultdict(list)
    stations: list[Station] = []
    for code, r in sites.items():
        if r.statype == "ar":
            continue  # an array reference point, not a recording site
        array_code = r.refsta if r.refsta in refs and r.refsta != code else None
        if array_code:
            members[array_code].append(r)
        stations.append(
            Station(
                network=network,
                code=code,
                latitude=r.lat,
                longitude=r.lon,
                elevation_m=r.elev_km * 1000.0,
                channels=tuple(
                    _channel(c, rates) for c in sorted(chans[code].values(), key=lambda c: c.chan)
                ),
                array=array_code,
                description=r.staname.replace("_", " "),
                source=str(site_path),
            )
        )
    stations += _reference_stations(sites, stations, site_path, network)
    by_code = {s.code: s for s in stations}
    arrays: list[Array] = []
    for code, ref in sorted(refs.items()):
        rows = members.get(code, [])
        if not rows:
            _info_once((str(site_path), code, "no element"),
                       "%s: array %s has no element in effect at %s (said once a run)",
                       site_path, code, at)  # fmt: skip
            continue
        arrays.append(
            build_array(
                code,
                [by_code[r.sta] for r in rows],
                reference_point=(ref.lat, ref.lon, ref.elev_km * 1000.0),
                offsets_km={r.sta: (r.deast_km, r.dnorth_km) for r in rows},
                description=ref.staname.replace("_", " "),
            )
        )
    return MonitoringNetwork(
        name=site_path.stem, stations=tuple(stations), arrays=tuple(arrays), source=str(site_path)
    )
