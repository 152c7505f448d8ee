"""StationXML (through ObsPy) ⇄ :class:`MonitoringNetwork`.

Reading keeps, per station, the epoch in effect at ``at`` (default: the latest epoch), its
channels with location code, sample rate [Hz], azimuth/dip [deg], overall sensitivity
(value, frequency [Hz], input units) and the full ObsPy ``Response``. Arrays come from
:func:`openndc.inventory.arrays.assign_arrays`.

Writing stores the array definitions in the StationXML as an extra element of each network
(namespace :data:`OPENNDC_NS`, key ``arrays``, JSON), so that a file OpenNDC wrote reads back
with the same arrays; other software ignores it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from obspy import Inventory, UTCDateTime
from obspy.core.inventory import Channel, Network, Site
from obspy.core.inventory import Station as ObsStation
from obspy.core.inventory.response import InstrumentSensitivity, Response
from obspy.core.util import AttribDict

from openndc.inventory.arrays import ArraysConfig, ArraySpec, assign_arrays, spec_of
from openndc.model.errors import InventoryError
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station

__all__ = ["OPENNDC_NS", "from_obspy_inventory", "to_obspy_inventory", "write_stationxml"]

log = logging.getLogger(__name__)

OPENNDC_NS = "https://openndc.org/xmlns/inventory/1"
"""XML namespace of the array definitions OpenNDC writes into StationXML."""


def _active(item: Any, at: UTCDateTime | tuple[UTCDateTime, UTCDateTime] | None) -> bool:
    """In effect at ``at``, or at any moment of a ``(start, end)`` window."""
    if at is None:
        return True
    t0, t1 = at if isinstance(at, tuple) else (at, at)
    start, end = item.start_date, item.end_date
    return (start is None or start <= t1) and (end is None or t0 <= end)


def _latest(items: Iterable[Any], key: Any) -> list[Any]:
    """One item per key: the one with the latest start date (input order kept)."""
    best: dict[Any, Any] = {}
    for it in items:
        k = key(it)
        old = best.get(k)
        start = it.start_date or UTCDateTime(0)
        if old is None or start >= (old.start_date or UTCDateTime(0)):
            best[k] = it
    return list(best.values())


def _channel_info(ch: Channel) -> ChannelInfo:
    sens = value = freq = units = None
    resp = ch.response
    if resp is not None:
        sens = resp.instrument_sensitivity
        if sens is not None:
            value = float(sens.value) if sens.value is not None else None
            freq = float(sens.frequency) if sens.frequency is not None else None
            units = sens.input_units
        if units is None and resp.response_stages:
            units = resp.response_stages[0].input_units
    return ChannelInfo(
        code=ch.code,
        location=ch.location_code or "",
        sample_rate_hz=float(ch.sample_rate) if ch.sample_rate else None,
        azimuth_deg=float(ch.azimuth) if ch.azimuth is not None else None,
        dip_deg=float(ch.dip) if ch.dip is not None else None,
        sensitivity=value,
        sensitivity_frequency_hz=freq,
        input_units=units,
        response=resp,
    )


def _embedded_specs(inv: Inventory) -> list[ArraySpec]:
    specs: list[ArraySpec] = []
    for net in inv:
        extra = getattr(net, "extra", None) or {}
        item = extra.get("arrays")
        if not item or item.get("namespace") != OPENNDC_NS:
            continue
        try:
            for d in json.loads(item["value"]):
                d["elements"] = tuple(d["elements"])
                d["beam_groups"] = {k: tuple(v) for k, v in d["beam_groups"].items()}
                d["offsets_km"] = {
                    k: (float(v[0]), float(v[1])) for k, v in (d.get("offsets_km") or {}).items()
                }
                specs.append(ArraySpec(**d))
        except (ValueError, TypeError, KeyError) as exc:
            log.warning(
                "ignoring unreadable OpenNDC array definitions in network %s: %s", net.code, exc
            )
    return specs


def from_obspy_inventory(
    inv: Inventory,
    arrays: ArraysConfig | None = None,
    *,
    at: UTCDateTime | tuple[UTCDateTime, UTCDateTime] | None = None,
    name: str = "stationxml",
) -> MonitoringNetwork:
    """A :class:`MonitoringNetwork` from an ObsPy ``Inventory``.

    ``at`` keeps only epochs in effect at that time (or, for a ``(start, end)`` window, at
    any moment of it; the latest such epoch of each station and channel); without it the
    latest epoch of each station and channel is kept. ``arrays`` declares arrays (see
    :mod:`.arrays`).
    """
    stations: list[Station] = []
    for net in inv:
        epochs = [s for s in net if _active(s, at)]
        for sta in _latest(epochs, key=lambda s: s.code):
            chans = [c for c in sta if _active(c, at)]
            chans = _latest(chans, key=lambda c: (c.location_code, c.code))
            if sta.latitude is None or sta.longitude is None:
                raise InventoryError(f"{name}: station {net.code}.{sta.code} has no coordinates")
            desc = (sta.site.name if sta.site is not None else "") or ""
            stations.append(
                Station(
                    network=net.code,
                    code=sta.code,
                    latitude=float(sta.latitude),
                    longitude=float(sta.longitude),
                    elevation_m=float(sta.elevation or 0.0),
                    channels=tuple(_channel_info(c) for c in chans),
                    description=desc,
                    source=name,
                )
            )
    if not stations:
        when = (
            ""
            if at is None
            else f" in effect at {at}"
            if not isinstance(at, tuple)
            else (f" in effect between {at[0]} and {at[1]}")
        )
        raise InventoryError(f"{name}: no station{when} in the inventory")
    placed, arrs = assign_arrays(stations, arrays, _embedded_specs(inv))
    return MonitoringNetwork(name=name, stations=placed, arrays=arrs, source=name)


def _obspy_channel(st: Station, ch: ChannelInfo) -> Channel:
    resp = ch.response
    if resp is None and ch.sensitivity is not None:
        resp = Response(
            instrument_sensitivity=InstrumentSensitivity(
                value=ch.sensitivity,
                frequency=ch.sensitivity_frequency_hz or 1.0,
                input_units=ch.input_units or "M/S",
                output_units="COUNTS",
            )
        )
    return Channel(
        code=ch.code,
        location_code=ch.location,
        latitude=st.latitude,
        longitude=st.longitude,
        elevation=st.elevation_m,
        depth=0.0,
        azimuth=ch.azimuth_deg,
        dip=ch.dip_deg,
        sample_rate=ch.sample_rate_hz,
        response=resp,
    )


def to_obspy_inventory(network: MonitoringNetwork) -> Inventory:
    """An ObsPy ``Inventory`` of ``network``; arrays are embedded as an OpenNDC extra."""
    by_net: dict[str, list[Station]] = {}
    for s in network.stations:
        by_net.setdefault(s.network, []).append(s)
    nets = []
    for code, stations in by_net.items():
        obs_stations = [
            ObsStation(
                code=s.code,
                latitude=s.latitude,
                longitude=s.longitude,
                elevation=s.elevation_m,
                site=Site(name=s.description or s.code),
                channels=[_obspy_channel(s, ch) for ch in s.channels],
            )
            for s in stations
        ]
        net = Network(code=code, stations=obs_stations)
        codes = {s.code for s in stations}
        specs = [
            spec_of(a)
            for a in network.arrays
            if any(e.network == code and e.station in codes for e in a.elements)
        ]
        if specs:
            payload = json.dumps([_spec_dict(sp) for sp in specs])
            net.extra = AttribDict(
                {"arrays": AttribDict({"value": payload, "namespace": OPENNDC_NS})}
            )
        nets.append(net)
    return Inventory(networks=nets, source=f"OpenNDC ({network.name})")


def _spec_dict(spec: ArraySpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "elements": list(spec.elements),
        "reference_latitude": spec.reference_latitude,
        "reference_longitude": spec.reference_longitude,
        "reference_elevation_m": spec.reference_elevation_m,
        "kind": spec.kind,
        "beam_groups": {k: list(v) for k, v in (spec.beam_groups or {}).items()},
        "description": spec.description,
        "offsets_km": {k: list(v) for k, v in (spec.offsets_km or {}).items()},
    }


def write_stationxml(network: MonitoringNetwork, path: str | Path) -> Path:
    """Write ``network`` as StationXML to ``path`` (arrays embedded, see module doc)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        to_obspy_inventory(network).write(
            str(p), format="STATIONXML", validate=False, nsmap={"openndc": OPENNDC_NS}
        )
    except OSError as exc:
        raise InventoryError(f"{p}: cannot write StationXML: {exc}") from exc
    return p
