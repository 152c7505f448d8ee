"""Readers for the IMS site tables, and IMS-style detections (test and benchmark support).

- ``read_ims_network(site_path, when)``: the sites of a CSS3.0 ``site`` table in effect at
  ``when`` as a :class:`MonitoringNetwork`; an array (rows whose ``refsta`` names another
  code) becomes one site at its reference point (the element with zero offsets, else the
  elements' mean), as association places array beams.
- (CSS3.0 ``arrival`` tables, the IDC's detections, are read by the product:
  :func:`openndc.io.css_arrival.read_arrival_table`.)

Columns follow the CSS3.0 schema (Anderson et al. 1990): ``site``: sta ondate offdate lat
lon elev staname statype refsta dnorth deast lddate.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station

__all__ = [
    "LARGE_EVENTS",
    "SMALL_TUNISIAN",
    "biased_array_detections",
    "case_network",
    "event_p_detections",
    "false_p_detections",
    "ims_affiliations",
    "ims_array_codes",
    "ims_primary_codes",
    "noise_before",
    "primary_network",
    "read_ims_network",
    "set_detections",
    "set_p_detection",
    "table_detections",
]


def ims_affiliations(path: str | Path) -> dict[str, str]:
    """Station code -> network (``IMS_PRI``, ``IMS_HYD``, ``IMS_INF``; the first listed) of
    the IMS ``affiliation`` table at ``path``."""
    out: dict[str, str] = {}
    for line in Path(path).read_text().splitlines():
        p = line.split()
        if len(p) >= 2 and p[0] in ("IMS_PRI", "IMS_HYD", "IMS_INF"):
            out.setdefault(p[1], p[0])
    return out


def ims_array_codes(site_path: str | Path) -> set[str]:
    """Codes of the arrays of a CSS3.0 ``site`` table (the ``refsta`` of rows naming
    another code)."""
    out = set()
    for line in Path(site_path).read_text().splitlines():
        p = line.split()
        if len(p) >= 11 and p[-4] != p[0]:
            out.add(p[-4])
    return out


def ims_primary_codes(affiliation_path: str | Path) -> set[str]:
    """Codes of the IMS primary seismic stations (``IMS_PRI``) of an affiliation table."""
    return {c for c, k in ims_affiliations(affiliation_path).items() if k == "IMS_PRI"}


def primary_network(shared: Path, when: UTCDateTime) -> tuple[MonitoringNetwork, set[str]]:
    """The IMS primary seismic stations of ``shared/ims_site_tables`` in effect at ``when``,
    and which of them are arrays."""
    root = shared / "ims_site_tables"
    primary = ims_primary_codes(root / "ims.affiliation")
    net = read_ims_network(root / "ims.site", when, primary)
    return net, ims_array_codes(root / "ims.site") & primary


def case_network(shared: Path, when: UTCDateTime) -> tuple[MonitoringNetwork, set[str], list[str]]:
    """For a traced case of the IMS-style set: the IMS sites of ``shared/ims_site_tables``
    (seismic, hydroacoustic and infrasound) in effect at ``when``, the arrays among them,
    and the primary seismic stations' codes (sorted)."""
    root = shared / "ims_site_tables"
    kinds = ims_affiliations(root / "ims.affiliation")
    net = read_ims_network(root / "ims.site", when, set(kinds))
    primary = sorted(c for c, k in kinds.items() if k == "IMS_PRI")
    return net, ims_array_codes(root / "ims.site"), primary


def _jdate(when: UTCDateTime) -> int:
    return when.year * 1000 + when.julday


def read_ims_network(
    site_path: str | Path, when: UTCDateTime, codes: set[str] | None = None
) -> MonitoringNetwork:
    """Sites in effect at ``when`` (only ``codes`` when given) as one-site-per-code network,
    each with the channel codes of its elements in the ``sitechan`` table beside ``site``."""
    jd = _jdate(when)
    single: dict[str, tuple[float, float, float]] = {}
    elements: dict[str, list[tuple[float, float, float, float, float]]] = {}
    refsta: dict[str, str] = {}
    for line in Path(site_path).read_text().splitlines():
        p = line.split()
        if len(p) < 11:
            continue
        sta, on, off = p[0], int(p[1]), int(p[2])
        if not (on <= jd and (off < 0 or off >= jd)):
            continue
        lat, lon, elev = float(p[3]), float(p[4]), float(p[5]) * 1000.0
        ref, dn, de = p[-4], float(p[-3]), float(p[-2])
        refsta[sta] = ref
        if ref == sta:
            single[sta] = (lat, lon, elev)
        else:
            elements.setdefault(ref, []).append((lat, lon, elev, dn, de))
    sites: dict[str, tuple[float, float, float]] = dict(single)
    for ref, rows in elements.items():
        zero = [r for r in rows if abs(r[3]) < 1e-6 and abs(r[4]) < 1e-6]
        if zero:
            sites[ref] = zero[0][:3]
        else:
            n = len(rows)
            sites[ref] = (sum(r[0] for r in rows) / n, sum(r[1] for r in rows) / n,
                          sum(r[2] for r in rows) / n)  # fmt: skip
    chans = _site_channels(Path(site_path).with_suffix(".sitechan"), jd, refsta)
    stations = tuple(
        Station("IM", code, lat, lon, elev,
                channels=tuple(ChannelInfo(c) for c in sorted(chans.get(code, ()))))
        for code, (lat, lon, elev) in sorted(sites.items())
        if codes is None or code in codes
    )  # fmt: skip
    return MonitoringNetwork("IMS", stations, (), str(site_path))


def _site_channels(path: Path, jd: int, refsta: dict[str, str]) -> dict[str, set[str]]:
    """Channel codes in effect on day ``jd`` per site of a CSS3.0 ``sitechan`` table (sta
    chan ondate chanid offdate ...), an array element's under its array (``refsta``: element
    -> array); none where the table is missing."""
    out: dict[str, set[str]] = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        p = line.split()
        if len(p) < 5:
            continue
        on, off = int(p[2]), int(p[4])
        if on <= jd and (off < 0 or off >= jd):
            out.setdefault(refsta.get(p[0], p[0]), set()).add(p[1])
    return out


def event_p_detections(
    event: tuple[float, float, float],
    t0: UTCDateTime,
    sites: dict[str, tuple[float, float]],
    seen: dict[str, bool],
    rng: np.random.Generator,
    log_at: dict[str, float] | None = None,
) -> list[Detection]:
    """The first P (ak135 Pg/Pn/P) of ``event`` (lat, lon, depth) at origin time ``t0`` at
    each station of ``seen`` (station: is an array), as a detector measures it: time,
    back-azimuth and slowness with an array's (0.5 s, 5 deg, 1 s/deg) or a 3-C station's
    (1 s, 25 deg, 4 s/deg) noise; with ``log_at`` an amplitude [nm] of that log10(A/T) at
    1 s. Identifiers ``ev-STATION``."""
    from openndc.model.geodesy import distance_azimuth
    from openndc.traveltime import load_travel_times

    tt = load_travel_times("ak135")
    out = []
    for code, array in seen.items():
        lat, lon = sites[code]
        d, _, baz = distance_azimuth(event[0], event[1], lat, lon)
        best = min(
            (float(t[0]), abs(float(p[0])))
            for ph in ("Pg", "Pn", "P")
            for t, p, _ in [tt.derivatives(ph, [float(d)], [event[2]])]
            if np.isfinite(t[0])
        )
        bs, ss, ts = (5.0, 1.0, 0.5) if array else (25.0, 4.0, 1.0)
        amp: dict[str, Any] = {}
        if log_at is not None:
            amp = {"amplitude": 10.0 ** log_at[code], "amplitude_unit": "nm", "period": 1.0}
        out.append(Detection("IM", code, "", "BHZ", t0 + best[0] + float(rng.normal(0, ts)),
                             time_uncertainty=ts, phase="P",
                             backazimuth=float(baz) + float(rng.normal(0, bs)),
                             backazimuth_uncertainty=bs,
                             slowness=best[1] + float(rng.normal(0, ss)),
                             slowness_uncertainty=ss, id=f"ev-{code}", **amp))  # fmt: skip
    return out


def set_p_detection(
    name: str, code: str, array: bool, time: UTCDateTime, baz: float, slow: float
) -> Detection:
    """A P detection at ``time`` with back-azimuth ``baz`` [deg] and slowness ``slow``
    [s/deg], with the uncertainties the IMS-style set gives (arrays: 0.5 s, 5 deg, 1 s/deg;
    3-C stations: 1 s, 25 deg, 4 s/deg). Identifier ``name``."""
    bs, ss, ts = (5.0, 1.0, 0.5) if array else (25.0, 4.0, 1.0)
    return Detection("IM", code, "", "BHZ", time, time_uncertainty=ts, phase="P",
                     backazimuth=baz, backazimuth_uncertainty=bs, slowness=slow,
                     slowness_uncertainty=ss, id=name)  # fmt: skip


def table_detections(
    rows: Sequence[tuple[str, str, float, float, float, float, float, str]],
    origin: UTCDateTime,
    arrays: Collection[str],
) -> list[Detection]:
    """Detections from rows of (id, station, seconds after ``origin``, back-azimuth [deg],
    slowness [s/deg], amplitude [nm], period [s], phase label), with the uncertainties the
    IMS-style set gives (stations in ``arrays``: 0.5 s, 5 deg, 1 s/deg, channel ``cb``;
    3-C stations: 1 s, 25 deg, 4 s/deg, ``BHZ``)."""
    out = []
    for ident, sta, dt, baz, slow, amp, per, ph in rows:
        array = sta in arrays
        bs, ss, ts = (5.0, 1.0, 0.5) if array else (25.0, 4.0, 1.0)
        out.append(Detection("IM", sta, "", "cb" if array else "BHZ", origin + dt,
                             time_uncertainty=ts, phase=ph, backazimuth=baz,
                             backazimuth_uncertainty=bs, slowness=slow,
                             slowness_uncertainty=ss, amplitude=amp, amplitude_unit="nm",
                             period=per, id=ident))  # fmt: skip
    return out


def false_p_detections(
    codes: list[str], n: int, rng: np.random.Generator, t0: UTCDateTime, span: float = 7200.0
) -> list[Detection]:
    """``n`` false P detections taken in turn at ``codes``, uniform in ``[t0, t0 + span)``,
    with random back-azimuths and slownesses as a 3-C station reports them. Identifiers
    ``false-K``."""
    out = []
    for k in range(n):
        code = codes[k % len(codes)]
        out.append(Detection("IM", code, "", "BHZ", t0 + float(rng.uniform(0, span)),
                             time_uncertainty=1.0, phase="P",
                             backazimuth=float(rng.uniform(0, 360)), backazimuth_uncertainty=25.0,
                             slowness=float(rng.uniform(4, 25)), slowness_uncertainty=4.0,
                             id=f"false-{k}"))  # fmt: skip
    return out


def noise_before(
    stations: Sequence[str], arrays: Collection[str], t0: UTCDateTime, rng: np.random.Generator,
    n: int, window: tuple[float, float], slowness: tuple[float, float],
) -> list[Detection]:  # fmt: skip
    """``n`` noise P detections at each of ``stations``, uniform within ``window`` [s after
    ``t0``], log10 A/T about 0.0 at ``arrays`` and 0.3 at 3-C stations (0.3 scatter) + 0.5,
    SNR 3, random back-azimuths and slownesses uniform in ``slowness`` [s/deg], with the
    IMS-style set's uncertainties: the stations' detection thresholds (the amplitude test of
    a small event), and that they were operating, come from them. Identifiers
    ``noise-STATION-K``."""
    out = []
    for sta in stations:
        array = sta in arrays
        for k in range(n):
            log_at = float(rng.normal(0.0 if array else 0.3, 0.3)) + 0.5
            out.append(Detection(
                "IM", sta, "", "cb" if array else "BHZ",
                t0 + window[0] + float(rng.uniform(0.0, window[1] - window[0])), phase="P",
                time_uncertainty=0.5 if array else 1.0,
                backazimuth=float(rng.uniform(0.0, 360.0)),
                backazimuth_uncertainty=5.0 if array else 25.0,
                slowness=float(rng.uniform(*slowness)),
                slowness_uncertainty=1.0 if array else 4.0, amplitude=10.0**log_at,
                amplitude_unit="nm", period=1.0, snr=3.0, id=f"noise-{sta}-{k}",
            ))  # fmt: skip
    return out


#: Twelve large events seen by the IMS primary arrays within 95 deg of them.
LARGE_EVENTS = [
    (40.0, 75.0, 10.0), (35.0, 140.0, 30.0), (-20.0, -70.0, 100.0), (55.0, -160.0, 20.0),
    (10.0, 125.0, 33.0), (38.0, 22.0, 10.0), (-6.0, 130.0, 60.0), (45.0, 150.0, 40.0),
    (36.5, 70.5, 200.0), (28.0, 85.0, 15.0), (-30.0, -72.0, 40.0), (15.0, -95.0, 30.0),
]  # fmt: skip
#: The three-station Tunisian event (an ISC origin) at KEST (3-C), ESDC and AKASG (arrays).
SMALL_TUNISIAN = ((33.91, 10.19, 10.0), {"KEST": False, "ESDC": True, "AKASG": True})


def biased_array_detections(
    shared: Path, t0: UTCDateTime
) -> tuple[MonitoringNetwork, list[Detection], dict[str, float]]:
    """The IMS primary network and the first P of the twelve :data:`LARGE_EVENTS` at its
    arrays within 95 deg (every 1800 s from ``t0``; identifiers ``bigK-STATION``) and of
    :data:`SMALL_TUNISIAN` after them (``ev-STATION``), every station measuring its
    back-azimuths 6-10 deg off (ESDC -15, AKASG +15) and its slownesses 0.1 s/deg per
    degree of that, unreported (arrays without slowness-azimuth station corrections), and
    those back-azimuth biases by station."""
    from dataclasses import replace

    from openndc.model.geodesy import distance_azimuth

    net, arrays = primary_network(shared, t0)
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    rng = np.random.default_rng(7)
    bias = {c: float(rng.choice([-1, 1]) * rng.uniform(6, 10)) for c in sites}
    bias.update({"ESDC": -15.0, "AKASG": 15.0})
    dets = []
    for k, ev in enumerate(LARGE_EVENTS):
        seen = {c: True for c in sorted(arrays)
                if float(distance_azimuth(ev[0], ev[1], *sites[c])[0]) < 95.0}  # fmt: skip
        dets += [replace(d, id=f"big{k}-{d.station}")
                 for d in event_p_detections(ev, t0 + 1800.0 * k, sites, seen, rng)]  # fmt: skip
    dets += event_p_detections(SMALL_TUNISIAN[0], t0 + 1800.0 * len(LARGE_EVENTS), sites,
                               SMALL_TUNISIAN[1], rng)  # fmt: skip
    dets = sorted((replace(d, backazimuth=(d.backazimuth + bias[d.station]) % 360.0,
                           slowness=d.slowness + 0.1 * bias[d.station]) for d in dets),
                  key=lambda d: d.time)  # fmt: skip
    return net, dets, bias


def set_detections(
    rows: Sequence[tuple[str, str, float, str, float, float, float, float, float]],
    t0: UTCDateTime, arrays: Collection[str],
) -> list[Detection]:  # fmt: skip
    """Detections of the IMS-style set (``benchmarks/bench_association_ims.py``) written out
    as rows: id, station, time after ``t0`` [s], phase label, back-azimuth [deg], slowness
    [s/deg], amplitude [nm], period [s], SNR; with the set's uncertainties (``arrays``:
    0.5 s, 5 deg, 1 s/deg on a beam channel; 3-C stations: 1 s, 25 deg, 4 s/deg on BHZ)."""
    out = []
    for name, sta, dt, ph, baz, slow, amp, per, snr in rows:
        array = sta in arrays
        out.append(Detection(
            "IM", sta, "", "cb" if array else "BHZ", t0 + dt, phase=ph,
            time_uncertainty=0.5 if array else 1.0, backazimuth=baz,
            backazimuth_uncertainty=5.0 if array else 25.0, slowness=slow,
            slowness_uncertainty=1.0 if array else 4.0, amplitude=amp, amplitude_unit="nm",
            period=per, snr=snr, id=name,
        ))  # fmt: skip
    return out
