"""Batch detection over a waveform archive, chunk by chunk, with progress.

The archive is read in chunks (default one hour) with enough data before each chunk for the
STA/LTA to warm up and enough after it to finish the amplitude windows; the detection
stage keeps only detections whose onset falls inside the chunk, so chunk boundaries neither
lose nor duplicate detections. Chunks are independent and run in worker processes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from obspy import UTCDateTime

from openndc import __version__
from openndc.detection.config import DetectionConfig
from openndc.detection.stage import DetectionResult
from openndc.model.config import to_mapping
from openndc.model.detection import Detection
from openndc.model.inventory import MonitoringNetwork
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem
from openndc.pipeline.contract import StageContext, WaveformSource
from openndc.pipeline.runner import detect_windows, windows_of
from openndc.pipeline.stages import DetectionStage

__all__ = ["ChunkReport", "WaveformSource", "chunk_windows", "run_detection"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChunkReport:
    """Progress of one finished chunk (passed to the progress callback)."""

    index: int
    total: int
    start: UTCDateTime
    end: UTCDateTime
    n_detections: int
    n_traces: int
    elapsed: float


ProgressCallback = Callable[[ChunkReport], None]


def chunk_windows(
    start: UTCDateTime, end: UTCDateTime, chunk: float
) -> Iterator[tuple[UTCDateTime, UTCDateTime]]:
    """Consecutive ``[t, t + chunk)`` windows covering ``[start, end)`` (the runner's
    :func:`~openndc.pipeline.runner.windows_of` as pairs)."""
    yield from ((w.start, w.end) for w in windows_of(start, end, chunk))


def run_detection(
    source: WaveformSource,
    network: MonitoringNetwork,
    start: UTCDateTime,
    end: UTCDateTime,
    config: DetectionConfig | None = None,
    *,
    chunk: float = 3600.0,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> DetectionResult:
    """Detect over ``[start, end)`` of ``source``; ``workers`` processes (default: CPUs).

    The detection stage (:class:`~openndc.pipeline.stages.DetectionStage`) over windows of
    ``chunk`` seconds, as the batch runner runs it, without a database.
    """
    config = config or DetectionConfig()
    windows = windows_of(start, end, chunk)
    stage = DetectionStage(config)
    context = StageContext(network, None, source, source_label=_label(source))
    t_begin = time.perf_counter()
    detections: list[Detection] = []
    problems: dict[tuple[Any, ...], DataProblem] = {}
    for i, (w, out) in enumerate(detect_windows(stage, windows, context, workers=workers)):
        detections.extend(out.products)
        for p in out.problems:
            problems.setdefault((p.kind, p.stream, str(p.start), p.message), p)
        if progress is not None:
            progress(
                ChunkReport(
                    i + 1,
                    len(windows),
                    w.start,
                    w.end,
                    len(out.products),
                    int(out.stats.get("n_traces", 0)),
                    time.perf_counter() - t_begin,
                )
            )
    detections.sort(key=lambda d: (d.time, d.station))
    provenance = Provenance(
        method="openndc.pipeline.run_detection",
        software_version=__version__,
        parameters={"start": str(start), "end": str(end), "chunk_s": chunk, **to_mapping(config)},
    )
    return DetectionResult(detections, list(problems.values()), provenance)


def _label(source: WaveformSource) -> str:
    for name in ("root", "path"):
        value = getattr(source, name, None)
        if value is not None:
            return str(value)
    return type(source).__name__
