"""Field exercises of an on-site inspection: a sealed aftershock day on a temporary network.

:func:`make_osi_exercise` draws the aftershock sequence of an explosion at ground zero
(:func:`openndc.osi.aftershocks.draw_aftershocks`: Omori-Utsu decay, Gutenberg-Richter
magnitudes bounded by Båth's law), synthesizes the temporary network's records of it with
:func:`~openndc.training.exercise.make_exercise` and seals the truth (the aftershock list,
ground zero, the mainshock, the seed). Trainees get the archive, the StationXML and
``exercise.json`` (the inspection area, the time span, the scoring tolerances) and hand in
their bulletin; ``openndc exercise score BULLETIN --truth truth.sealed --time-tolerance 1
--distance-tolerance 3`` scores it against the sealed aftershocks.

Tolerances of the OSI scoring (:data:`OSI_TOLERANCES`): 1 s and 3 km. Aftershocks are a few
km from each other and seconds to minutes apart; an S-P-based local location of a
microearthquake is good to about 1 km, and 3 km (the lattice spacing of a dense temporary
network, well below the 17.8 km radius of a 1000 km² area) keeps two distinct aftershocks from
being swapped while allowing a poor location to count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from obspy import UTCDateTime

from openndc.model.errors import ScenarioError
from openndc.model.inventory import MonitoringNetwork
from openndc.training.exercise import Exercise, make_exercise
from openndc.training.score import MatchTolerances

if TYPE_CHECKING:
    from openndc.osi.aftershocks import AftershockConfig

__all__ = ["OSI_TOLERANCES", "make_osi_exercise"]

log = logging.getLogger(__name__)

#: Matching tolerances of an OSI exercise (module docstring: why).
OSI_TOLERANCES = MatchTolerances(time_s=1.0, distance_km=3.0)


def make_osi_exercise(
    network: str | Path | MonitoringNetwork,
    ground_zero: tuple[float, float],
    mainshock_time: UTCDateTime,
    start: UTCDateTime,
    duration_s: float,
    out_dir: str | Path,
    *,
    seed: int,
    config: AftershockConfig | None = None,
    area_centre: tuple[float, float] | None = None,
    area_km2: float = 1000.0,
    passphrase: str | None = None,
    sampling_rate: float = 100.0,
    progress: Callable[[int, int, str], None] | None = None,
) -> Exercise:
    """An OSI field exercise in ``out_dir``: the aftershocks of a mainshock at
    ``ground_zero`` (latitude, longitude [deg]; sealed) at ``mainshock_time`` occurring in
    ``[start, start + duration_s)``, recorded by ``network`` (the temporary network, e.g.
    from ``openndc osi plan``). Trainees are told the inspection area: ``area_km2`` around
    ``area_centre`` (default: the network's mean position), not ground zero. ``seed`` draws
    the sequence and the noise (it is sealed too)."""
    from openndc.inventory import read_inventory
    from openndc.osi.aftershocks import AftershockConfig, draw_aftershocks

    cfg = config or AftershockConfig()
    net = network if isinstance(network, MonitoringNetwork) else read_inventory(network)
    if not net.stations:
        raise ScenarioError(f"network {net.name!r} has no stations")
    if area_centre is None:
        area_centre = (
            sum(s.latitude for s in net.stations) / len(net.stations),
            sum(s.longitude for s in net.stations) / len(net.stations),
        )
    site = ground_zero
    end = UTCDateTime(start) + duration_s
    events = draw_aftershocks(site[0], site[1], mainshock_time, start, end, seed, cfg)
    if not events:
        log.warning("OSI exercise: no aftershock drawn in %s - %s", start, end)
    if not 0 < area_km2 <= 1000.0:
        raise ScenarioError(f"inspection area {area_km2:g} km2: must be 0-1000 km2")
    tol = OSI_TOLERANCES
    score = (
        f"openndc exercise score BULLETIN --truth truth.sealed --time-tolerance {tol.time_s:g} "
        f"--distance-tolerance {tol.distance_km:g} --passphrase <the instructor's passphrase>"
    )
    public = {
        "exercise": "OpenNDC on-site-inspection field exercise (aftershock monitoring)",
        "kind": "osi",
        "inspection_area": {
            "latitude": round(area_centre[0], 5),
            "longitude": round(area_centre[1], 5),
            "area_km2": area_km2,
        },
        "tolerances": {"time_s": tol.time_s, "distance_km": tol.distance_km},
        "instructions": "Find the aftershocks in the archive (templates from the first "
        "located events, template matching, the daily bulletin: openndc osi templates / "
        f"detect / bulletin), hand in the bulletin (QuakeML or CSV) and score it with: {score}",
    }
    secret = {
        "kind": "osi",
        "ground_zero": {"latitude": site[0], "longitude": site[1]},
        "mainshock_time": str(UTCDateTime(mainshock_time)),
        "aftershock_model": asdict(cfg),
        "n_aftershocks": len(events),
    }
    return make_exercise(
        net,
        start,
        duration_s,
        out_dir,
        seed=seed,
        passphrase=passphrase,
        sampling_rate=sampling_rate,
        progress=progress,
        events=events,
        public_extra=public,
        manifest_extra=secret,
    )
