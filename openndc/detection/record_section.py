"""Plot: waveforms of a window with the detections on them (a record section)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from obspy import Stream, Trace, UTCDateTime
from obspy.geodetics import locations2degrees

from openndc.model.detection import Detection
from openndc.model.inventory import MonitoringNetwork

__all__ = ["plot_detections"]

_PHASE_COLOURS = {
    "P": "tab:red",
    "Pn": "tab:red",
    "Pg": "tab:orange",
    "PKP": "darkred",
    "S": "tab:blue",
    "Sn": "tab:blue",
    "Lg": "tab:cyan",
    "I": "tab:purple",
    "N": "grey",
}


def plot_detections(
    stream: Stream,
    detections: Sequence[Detection],
    network: MonitoringNetwork,
    start: UTCDateTime,
    end: UTCDateTime,
    path: str | Path,
    *,
    max_traces: int = 40,
    origin: tuple[float, float] | None = None,
    title: str = "",
) -> Path:
    """Vertical traces in ``[start, end)`` (filtered 1-8 Hz, normalised) with detections.

    Traces are ordered by epicentral distance from ``origin`` (lat, lon) when given, else by
    station code. Detections are marked with a tick coloured by phase; array detections on
    the array's first element's trace.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    st = stream.slice(start, end).select(component="Z") or stream.slice(start, end)
    st = st.copy()
    st.merge(method=1, fill_value=0)
    if len(st):
        st.detrend("demean")
        fmax = min(8.0, 0.45 * min(tr.stats.sampling_rate for tr in st))
        st.filter("bandpass", freqmin=1.0, freqmax=fmax, corners=3)

    def distance(tr: Trace) -> float:
        sta = network.find_station(tr.stats.station)
        if origin is None or sta is None:
            return 0.0
        return float(locations2degrees(origin[0], origin[1], sta.latitude, sta.longitude))

    traces = sorted(st, key=lambda tr: (distance(tr), tr.id))[:max_traces]
    fig, ax = plt.subplots(figsize=(12, 0.45 * max(len(traces), 4) + 1.5))
    rows: dict[str, int] = {}
    for i, tr in enumerate(traces):
        t = tr.times() + (tr.stats.starttime - start)
        y = tr.data.astype(float)
        peak = np.abs(y).max() or 1.0
        ax.plot(t, i + 0.45 * y / peak, "k", lw=0.4)
        rows.setdefault(tr.stats.station, i)
        label = tr.id + (f"  {distance(tr):.1f}°" if origin is not None else "")
        ax.text(
            -0.01, i, label, transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=7
        )
    arrays = {a.code: a for a in network.arrays}
    for det in detections:
        if not start <= det.time < end:
            continue
        row = rows.get(det.station)
        if row is None and det.station in arrays:
            row = next(
                (rows[e.station] for e in arrays[det.station].elements if e.station in rows), None
            )
        if row is None:
            continue
        x = det.time - start
        colour = _PHASE_COLOURS.get(det.phase, "tab:green")
        ax.plot([x, x], [row - 0.45, row + 0.45], color=colour, lw=1.5)
        ax.text(x, row + 0.48, det.phase or "?", color=colour, fontsize=7, ha="center")
    ax.set_yticks([])
    ax.set_ylim(-1, len(traces))
    ax.set_xlim(0, end - start)
    ax.set_xlabel(f"seconds after {start.strftime('%Y-%m-%dT%H:%M:%S')} UTC")
    ax.set_title(title or f"{len(traces)} vertical traces, 1-8 Hz; ticks: detections by phase")
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
