"""An event's record section: traces by epicentral distance, its picks, predicted phases.

The seismologist's view of one event: each vertical trace is drawn at its station's
epicentral distance [deg] (y axis) against time after the origin [s] (x axis); the event's
associated arrivals are marked on their station (coloured by phase, with the name) and the
travel-time curves of the main phases for the event's depth are drawn across the section
(:mod:`openndc.traveltime`), so a pick that sits off its curve stands out. Detections that
were not associated with the event are not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from obspy import Stream, Trace

from openndc.model.event import Event
from openndc.model.geodesy import distance_azimuth
from openndc.model.inventory import MonitoringNetwork
from openndc.traveltime import load_travel_times

__all__ = ["PHASE_COLOURS", "event_distances", "plot_event_record_section", "section_rows"]

#: Colour of each phase (picks and predicted curves).
PHASE_COLOURS = {
    "P": "tab:red",
    "Pn": "tab:red",
    "Pg": "tab:orange",
    "PKP": "darkred",
    "pP": "salmon",
    "S": "tab:blue",
    "Sn": "tab:blue",
    "Sg": "tab:cyan",
    "Lg": "tab:cyan",
    "Rg": "tab:purple",
}
_REGIONAL = ("Pn", "Pg", "Sn", "Lg")
_TELESEISMIC = ("P", "pP", "PKP", "S")


def _coords(network: MonitoringNetwork, code: str) -> tuple[float, float] | None:
    sta = network.find_station(code)
    if sta is not None:
        return sta.latitude, sta.longitude
    for a in network.arrays:
        if a.code == code:
            return a.reference_latitude, a.reference_longitude
    return None


def event_distances(
    event: Event, network: MonitoringNetwork, codes: Sequence[str]
) -> dict[str, float]:
    """Epicentral distance [deg] of each station (or array) code that the network knows."""
    o = event.origin
    out = {}
    for code in codes:
        c = _coords(network, code)
        if c is not None:
            out[code] = float(distance_azimuth(o.latitude, o.longitude, c[0], c[1])[0])
    return out


def _one_per_station(stream: Stream, network: MonitoringNetwork) -> dict[str, Trace]:
    """One trace per station, vertical first; an array is shown by its first element found."""
    element_of = {e.station: a.code for a in network.arrays for e in a.elements}
    out: dict[str, Trace] = {}
    for tr in sorted(stream, key=lambda t: (t.stats.channel[-1:].upper() != "Z", t.id)):
        out.setdefault(element_of.get(tr.stats.station, tr.stats.station), tr)
    return out


def section_rows(
    stream: Stream, event: Event, network: MonitoringNetwork, max_traces: int = 40
) -> list[tuple[float, str, Trace]]:
    """The rows of the section: ``(distance [deg], station or array code, trace)``, nearest
    first, at most ``max_traces``; stations the network does not know are left out."""
    traces = _one_per_station(stream, network)
    dist = event_distances(event, network, sorted(traces))
    return sorted((d, code, traces[code]) for code, d in dist.items())[:max_traces]


def plot_event_record_section(
    stream: Stream,
    event: Event,
    network: MonitoringNetwork,
    path: str | Path,
    *,
    model: str = "ak135",
    before: float = 30.0,
    after: float | None = None,
    band: tuple[float, float] = (1.0, 8.0),
    max_traces: int = 40,
    title: str = "",
) -> Path:
    """Write the record section of ``event`` (PNG, PDF, SVG by extension) to ``path``.

    ``stream``: waveforms around the event (any channels; one vertical trace per station or
    array is drawn, band-passed ``band`` [Hz] and normalised); ``network`` gives station and
    array coordinates; ``model`` the travel-time tables of the predicted phases. The time
    axis runs from ``before`` [s] ahead of the origin to ``after`` [s] (default: the latest
    of the picks and the S/Lg curve at the farthest trace, plus 10 %). Returns the path.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    o = event.origin
    picked = [a for a in event.arrivals]
    traces = _one_per_station(stream, network)
    dist = event_distances(
        event, network, sorted(set(traces) | {a.detection.station for a in picked})
    )
    shown = sorted((d, code) for code, d in dist.items() if code in traces)[:max_traces]
    dmax = max([d for d, _ in shown] + [dist.get(a.detection.station, 0.0) for a in picked] + [1.0])
    depth = o.depth_km if np.isfinite(o.depth_km) else 0.0
    tt = load_travel_times(model)
    phases = _REGIONAL if dmax <= 20.0 else _TELESEISMIC
    grid = np.linspace(0.0, dmax * 1.08, 200)
    curves = {p: tt.time(p, grid, np.full(grid.shape, depth)) for p in phases if p in tt.phases}
    if after is None:
        ends = [a.detection.time - o.time for a in picked]
        last = [float(np.nanmax(c)) for c in curves.values() if np.isfinite(c).any()]
        after = 1.1 * max(ends + last + [60.0])
    spacing = max(dmax / max(len(shown), 1), dmax / 40.0, 0.05)

    fig, ax = plt.subplots(figsize=(11, 0.3 * max(len(shown), 10) + 2))
    for d, code in shown:
        tr = traces[code].copy()
        tr.detrend("demean")
        fmax = min(band[1], 0.45 * tr.stats.sampling_rate)
        if fmax > band[0]:
            tr.filter("bandpass", freqmin=band[0], freqmax=fmax, corners=3)
        t = tr.times() + (tr.stats.starttime - o.time)
        keep = (t >= -before) & (t <= after)
        y = tr.data[keep].astype(float)
        peak = float(np.abs(y).max()) if y.size else 0.0
        if peak > 0:
            ax.plot(t[keep], d + 0.45 * spacing * y / peak, "k", lw=0.4)
        ax.text(after, d, f" {code}", va="center", fontsize=7)
    for phase, c in curves.items():
        ok = np.isfinite(c)
        if ok.any():
            colour = PHASE_COLOURS.get(phase, "0.5")
            ax.plot(c[ok], grid[ok], "--", color=colour, lw=0.9, alpha=0.8)
            k = int(np.flatnonzero(ok)[-1])
            ax.text(c[k], grid[k], phase, color=colour, fontsize=8, ha="left", va="bottom")
    for a in picked:
        at = dist.get(a.detection.station)
        if at is None:
            continue
        x = a.detection.time - o.time
        colour = PHASE_COLOURS.get(a.phase, "tab:green")
        ax.plot([x, x], [at - 0.5 * spacing, at + 0.5 * spacing], color=colour, lw=2.0)
        ax.text(x, at + 0.55 * spacing, a.phase, color=colour, fontsize=7, ha="center")
    ax.set_xlim(-before, after)
    ax.set_ylim(-spacing, dmax * 1.08 + spacing)
    ax.set_xlabel(f"seconds after the origin time {o.time.strftime('%Y-%m-%dT%H:%M:%S')} UTC")
    ax.set_ylabel("epicentral distance [deg]")
    ax.set_title(
        title
        or f"event {event.id}: {o.latitude:.2f} {o.longitude:.2f} {depth:.0f} km; "
        f"bars: its {len(picked)} picks; dashed: {model} predictions"
    )
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
