"""Golden bulletins (SeisComP's style of end-to-end test): a real case is run end to end and
compared with a committed expected bulletin within stated tolerances, so that a change in
behaviour shows as a failing test, not only a change in a unit.

The expected files are read with ObsPy's own readers (QuakeML and IMS1.0), independent of
OpenNDC's writers' round trip. To accept an intended change, rerun the test with
``OPENNDC_UPDATE_GOLDEN=1`` and commit the new files with the reason in the commit message.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from obspy import read_events

from openndc.model.geodesy import DEG_KM, distance_azimuth

GOLDEN = Path(__file__).resolve().parent / "golden"


@dataclass(frozen=True)
class Tolerances:
    """How far a run may drift from the golden bulletin before the test fails."""

    origin_time_s: float = 0.5
    epicentre_km: float = 2.0
    depth_km: float = 5.0
    #: share of golden picks (station, phase) that must be found again
    picks_kept: float = 0.85
    #: a pick found again lies this close to the golden pick [s]
    pick_time_s: float = 0.25


def compare_with_golden(produced: Path, name: str, tol: Tolerances = Tolerances()) -> list[str]:
    """Differences between ``produced`` and the golden file ``name`` (empty: as expected).

    With ``OPENNDC_UPDATE_GOLDEN=1`` the produced file becomes the golden one.
    """
    golden = GOLDEN / name
    if os.environ.get("OPENNDC_UPDATE_GOLDEN") == "1" or not golden.exists():
        if os.environ.get("CI") and not golden.exists():
            return [f"golden file {golden} is missing"]
        shutil.copyfile(produced, golden)
        return []
    fmt = "IMS10BULLETIN" if name.endswith(".ims") else "QUAKEML"
    want, got = read_events(str(golden), format=fmt), read_events(str(produced), format=fmt)
    problems: list[str] = []
    if len(want) != len(got):
        problems.append(f"{len(got)} events, golden {len(want)}")
    for ev_w, ev_g in zip(want, got, strict=False):
        o_w, o_g = (
            ev_w.preferred_origin() or ev_w.origins[0],
            ev_g.preferred_origin() or ev_g.origins[0],
        )
        dt = abs(o_g.time - o_w.time)
        km = float(distance_azimuth(o_w.latitude, o_w.longitude, o_g.latitude, o_g.longitude)[0])
        km *= DEG_KM
        if dt > tol.origin_time_s:
            problems.append(f"origin time moved {dt:.2f} s (tolerance {tol.origin_time_s})")
        if km > tol.epicentre_km:
            problems.append(f"epicentre moved {km:.2f} km (tolerance {tol.epicentre_km})")
        if o_w.depth is not None and o_g.depth is not None:
            dz = abs(o_g.depth - o_w.depth) / 1000.0
            if dz > tol.depth_km:
                problems.append(f"depth moved {dz:.1f} km (tolerance {tol.depth_km})")
        picks_w = {(p.waveform_id.station_code, p.phase_hint): p.time for p in ev_w.picks}
        picks_g = {(p.waveform_id.station_code, p.phase_hint): p.time for p in ev_g.picks}
        kept = [
            k for k, t in picks_w.items() if k in picks_g and abs(picks_g[k] - t) <= tol.pick_time_s
        ]
        if picks_w and len(kept) < tol.picks_kept * len(picks_w):
            lost = sorted(set(picks_w) - set(kept))
            problems.append(
                f"{len(kept)} of {len(picks_w)} golden picks found again "
                f"(tolerance {tol.picks_kept:.0%}); lost or moved: {lost[:8]}"
            )
    return problems
