"""Batch detection over a waveform archive, chunk by chunk, with progress.

The archive is read in chunks (default one hour) with enough data before each chunk for the
STA/LTA to warm up and enough after it to finish the amplitude windows; the detection
stage keeps only detections whose onset falls inside the chunk, so chunk boundaries neither
lose nor duplicate detections. Chunks are independent and run in worker processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from obspy import Stream, UTCDateTime

from openndc import __version__
from openndc.detection.config import DetectionConfig
from openndc.detection.stage import DetectionResult, detect, warmup_seconds
from openndc.model.config import to_mapping
from openndc.model.detection import Detection
from openndc.model.errors import DataQualityWarning, OpenNDCError
from openndc.model.inventory import MonitoringNetwork
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem

__all__ = ["ChunkReport", "WaveformSource", "chunk_windows", "run_detection"]

log = logging.getLogger(__name__)


class _ReadResult(Protocol):
    @property
    def stream(self) -> Stream: ...

    @property
    def problems(self) -> Sequence[DataProblem]: ...


class WaveformSource(Protocol):
    """Anything that reads a time window of waveforms (an SDS archive, a wfdisc table)."""

    def read(self, start: UTCDateTime, end: UTCDateTime) -> _ReadResult: ...


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
    """Consecutive ``[t, t + chunk)`` windows covering ``[start, end)``."""
    if end <= start:
        raise OpenNDCError(f"empty time window: start {start} is not before end {end}")
    if chunk <= 0:
        raise OpenNDCError(f"chunk length must be positive, got {chunk} s")
    t = start
    while t < end:
        yield t, min(t + chunk, end)
        t = t + chunk


def _tail_seconds(config: DetectionConfig) -> float:
    return max(config.amplitude.ml_window, config.amplitude.mb_window) + config.onset.after + 5.0


def _run_chunk(
    source: WaveformSource,
    network: MonitoringNetwork,
    config: DetectionConfig,
    t0: UTCDateTime,
    t1: UTCDateTime,
) -> tuple[DetectionResult, int]:
    # Data problems come back as DataProblem records and are reported once by the caller,
    # not as warnings from every worker process and chunk.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        data = source.read(t0 - warmup_seconds(config), t1 + _tail_seconds(config))
        result = detect(data.stream, network, config, start=t0, end=t1)
    problems = [*data.problems, *result.problems]
    return DetectionResult(result.detections, problems, result.provenance), len(data.stream)


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
    """Detect over ``[start, end)`` of ``source``; ``workers`` processes (default: CPUs)."""
    config = config or DetectionConfig()
    windows = list(chunk_windows(start, end, chunk))
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(windows)))
    t_begin = time.perf_counter()
    detections: list[Detection] = []
    problems: dict[tuple[Any, ...], DataProblem] = {}

    def collect(i: int, res: DetectionResult, n_traces: int) -> None:
        detections.extend(res.detections)
        for p in res.problems:
            problems.setdefault((p.kind, p.stream, str(p.start), p.message), p)
        if progress is not None:
            t0, t1 = windows[i]
            progress(
                ChunkReport(
                    i + 1,
                    len(windows),
                    t0,
                    t1,
                    len(res.detections),
                    n_traces,
                    time.perf_counter() - t_begin,
                )
            )

    if n_workers == 1:
        for i, (t0, t1) in enumerate(windows):
            res, n = _run_chunk(source, network, config, t0, t1)
            collect(i, res, n)
    else:
        # "spawn": forking a process whose numba/OpenMP threads already run is unsafe (the
        # child can die abruptly); fresh interpreters cost ~1 s each, once per run.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
            futures: list[Future[tuple[DetectionResult, int]]] = [
                pool.submit(_run_chunk, source, network, config, t0, t1) for t0, t1 in windows
            ]
            for i, fut in enumerate(futures):
                res, n = fut.result()
                collect(i, res, n)

    detections.sort(key=lambda d: (d.time, d.station))
    detections = [d if d.id else _with_id(d, k) for k, d in enumerate(detections)]
    provenance = Provenance(
        method="openndc.pipeline.run_detection",
        software_version=__version__,
        parameters={"start": str(start), "end": str(end), "chunk_s": chunk, **to_mapping(config)},
    )
    return DetectionResult(detections, list(problems.values()), provenance)


def _with_id(d: Detection, k: int) -> Detection:
    import dataclasses

    return dataclasses.replace(d, id=f"det{k:07d}")
