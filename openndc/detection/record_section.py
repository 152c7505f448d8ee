"""Plot: waveforms of a window with the detections on them (a record section)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from obspy import Stream, UTCDateTime
from obspy.geodetics import locations2degrees

from openndc.model.detection import Detection
from openndc.model.inventory import MonitoringNetwork

__all__ = ["plot_detections"]

_PHASE_COLOURS = {"P": "tab:red", "Pn": "tab:red", "Pg": "tab:orange", "PKP": "darkred",
                  "S": "tab:blue", "Sn": "tab:blue", "Lg": "tab:cyan", "I": "tab:purple",
                  "N": "grey"}


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

    st = stream.slice(start, end).select(component="Z")
    if not len(st):
        st = stream.slice(start, end)
    st = st.copy()
    st.merge(method=1, fill_value=0)
    st.detrend("demean")
    st.filter("bandpass", freqmin=1.0, freqmax=min(8.0, 0.45 * min(tr.stats.sampling_rate for tr in st)) if len(st) else 8.0, corners=3)

    def key(tr: object) -> tuple[float, str]:
        s = network.find_station(tr.stats.station)  # type: ignore[attr-defined]
        if origin is not None and s is not None:
            return locations2degrees(origin[0], origin[1], s.latitude, s.longitude), tr.id  # type: ignore[attr-defined]
        return 0.0, tr.id  # type: ignore[attr-defined]

    traces = sorted(st, key=key)[:max_traces]
    fig, ax = plt.subplots(figsize=(12, 0.45 * max(len(traces), 4) + 1.5))
    rows = {}
    for i, tr in enumerate(traces):
        t = tr.times() + (tr.stats.starttime - start)
        y = tr.data.astype(float)
        peak = np.abs(y).max() or 1.0
        ax.plot(t, i + 0.45 * y / peak, "k", lw=0.4)
        rows.setdefault(tr.stats.station, i)
        label = tr.id
        if origin is not None:
            dist, _ = key(tr)
            label += f"  {dist:.1f}°"
        ax.text(-0.01, i, label, transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=7)
    for det in detections:
        if not start <= det.time < end:
            continue
        row = rows.get(det.station)
        if row is None:
            arr = network.array(det.station) if det.station in {a.code for a in network.arrays} else None
            if arr is not None:
                row = next((rows[e.station] for e in arr.elements if e.station in rows), None)
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
