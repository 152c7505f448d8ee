"""The screening stage: one event in, its screening result out.

:func:`screen_event` applies the IDC's standard criteria (mb:Ms, depth), the regional P/S
discriminant when waveforms are given, and the context (test sites, mining districts, time
of day, onshore/offshore). The outcome follows the IDC's rule:

- **screened out** when at least one criterion shows, with sufficient evidence (its
  validity conditions met, its confidence test passed), that the event is natural;
- **not screened out** when at least one criterion could be applied and none screened it
  out;
- **not screenable** when no criterion could be applied.

The suggested QuakeML event type: ``earthquake`` (certainty ``known``) when screened out
by an IDC criterion, (``suspected``) when screened out by regional ratios alone or when the
applicable evidence leans natural; ``nuclear explosion`` / ``mining explosion`` /
``explosion`` (``suspected``) when the regional ratios are explosion-like with confidence,
by the context (test site, mining district); ``mining explosion`` (``suspected``) for an
event in a mining district in working hours without natural evidence; otherwise
``not reported``. An alert is raised for an event within the test-site radius that is not
screened out. :func:`apply_screening` writes the type and a short evidence comment into the
event.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import lru_cache

from obspy import Stream

import openndc
from openndc.model.config import to_mapping
from openndc.model.event import Event, EventType
from openndc.model.inventory import MonitoringNetwork
from openndc.model.provenance import Provenance
from openndc.model.screening import (
    CriterionEvidence,
    ScreeningAlert,
    ScreeningOutcome,
    ScreeningResult,
    TypeCertainty,
)
from openndc.screening.calibration import Calibration, default_calibration, load_calibration
from openndc.screening.config import ScreeningConfig
from openndc.screening.context import mining_evidence, nuclear_site_evidence, offshore_evidence
from openndc.screening.depth import depth_criterion
from openndc.screening.mbms import mbms_criterion
from openndc.screening.regional import measure_network, regional_criterion

__all__ = ["apply_screening", "screen_event"]

log = logging.getLogger(__name__)

METHOD = "openndc.screening: IDC mb:Ms and depth criteria, regional P/S ratios, context"


@lru_cache(maxsize=8)
def _calibration(path: str) -> Calibration:
    return load_calibration(path) if path else default_calibration()


def screen_event(
    event: Event,
    network: MonitoringNetwork | None,
    config: ScreeningConfig | None = None,
    *,
    stream: Stream | None = None,
) -> ScreeningResult:
    """Screen one event; ``stream`` holds waveforms around it (for regional ratios)."""
    config = config or ScreeningConfig()
    o = event.origin
    evidence: list[CriterionEvidence] = [
        mbms_criterion(event, config.mbms),
        depth_criterion(event, config.depth),
    ]
    if config.regional.enabled and stream is not None and len(stream):
        values = measure_network(stream, o.latitude, o.longitude, o.time, network, config.regional)
        calibration = _calibration(config.regional.calibration)
        evidence.append(regional_criterion(values, calibration, config.regional, o.depth_km))
    site_ev, site, _ = nuclear_site_evidence(o.latitude, o.longitude, config.context)
    mine_ev, blasting = mining_evidence(o.latitude, o.longitude, o.time, config.context)
    land_ev, _ = offshore_evidence(o.latitude, o.longitude)

    for i, e in enumerate(evidence):
        if e.name in ("mb:Ms", "depth") and e.indicates == "natural":
            evidence[i] = replace(e, decided=True)
    by_idc = any(e.decided for e in evidence if e.name in ("mb:Ms", "depth"))
    screened = any(e.decided and e.indicates == "natural" for e in evidence)
    applicable = any(e.applicable for e in evidence)
    outcome: ScreeningOutcome
    if screened:
        outcome = "screened out"
    elif applicable:
        outcome = "not screened out"
        evidence = [replace(e, decided=e.applicable) for e in evidence]
    else:
        outcome = "not screenable"

    event_type, certainty = _suggest_type(evidence, screened, by_idc, site is not None, blasting)
    alert = None
    if site is not None and outcome != "screened out":
        alert = ScreeningAlert(
            event_id=event.id,
            site=site.name,
            distance_km=site_ev.value,
            origin_time=o.time,
            outcome=outcome,
            message=f"event {event.id or '?'} at {o.time} is {site_ev.value:.0f} km from "
            f"{site.name} and {outcome}",
        )
        log.warning("screening alert: %s", alert.message)
    evidence.extend([site_ev, mine_ev, land_ev])
    return ScreeningResult(
        event_id=event.id,
        outcome=outcome,
        event_type=event_type,
        type_certainty=certainty,
        evidence=tuple(evidence),
        alert=alert,
        provenance=Provenance(
            method=METHOD,
            software_version=openndc.__version__,
            parameters=to_mapping(config),
        ),
    )


def _suggest_type(
    evidence: list[CriterionEvidence],
    screened: bool,
    by_idc: bool,
    near_test_site: bool,
    blasting: bool,
) -> tuple[EventType, TypeCertainty]:
    regional = next((e for e in evidence if e.name == "regional P/S"), None)
    if screened:
        return "earthquake", ("known" if by_idc else "suspected")
    if regional is not None and regional.indicates == "explosion":
        if near_test_site:
            return "nuclear explosion", "suspected"
        if blasting:
            return "mining explosion", "suspected"
        return "explosion", "suspected"
    if blasting:
        return "mining explosion", "suspected"
    if any(e.indicates == "natural" for e in evidence):
        return "earthquake", "suspected"
    return "not reported", "suspected"


def apply_screening(event: Event, result: ScreeningResult) -> Event:
    """The event with its type set and a short screening comment (appended)."""
    if result.event_id and event.id and result.event_id != event.id:
        raise ValueError(f"screening result of {result.event_id!r} applied to {event.id!r}")
    note = f"screening: {result.summary()}"
    comment = f"{event.comment}\n{note}" if event.comment else note
    lines = [ln for ln in comment.splitlines() if ln.strip()]
    # Keep one screening line: the newest replaces an older one.
    kept = [ln for ln in lines[:-1] if not ln.startswith("screening: ")] + [lines[-1]]
    return replace(event, event_type=result.event_type, comment="\n".join(kept))
