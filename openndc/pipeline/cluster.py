"""The cluster runner: the batch runner's loop with the detection stage on Dask workers.

Detection is where the time goes (about two thirds of a network-day) and each window's
detection is independent, so the windows' detection runs in parallel on a Dask cluster
(a ``LocalCluster`` on one machine, ``dask-scheduler``/``dask-worker`` or Kubernetes on
many). Association, location and magnitudes then run window by window in time order in
the client, exactly as in :func:`~openndc.pipeline.runner.run_batch`: they read what
earlier windows stored, so the bulletin of a cluster run is the bulletin of a sequential
run (the same events with the same identifiers), and the client is the only writer of the
database (which is what SQLite needs; PostgreSQL would allow more).

A window whose worker is lost is retried by Dask (the stage is a pure function of its
window), and nothing is stored twice: only the client stores, once per window, and windows
done are recorded, so a killed run continues where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from openndc.model.detection import Detection
from openndc.model.errors import ConfigError
from openndc.pipeline.contract import StageContext, StageOutput, Window
from openndc.pipeline.stages import DetectionStage

__all__ = ["dask_detector", "open_client"]

log = logging.getLogger(__name__)


def _detect(
    stage: DetectionStage, window: Window, context: StageContext
) -> StageOutput[list[Detection]]:
    return stage.run(None, window, context)


def open_client(scheduler: str | None = None, workers: int | None = None) -> Any:
    """A Dask client: connected to ``scheduler`` (``tcp://host:port``), or a LocalCluster of
    ``workers`` single-threaded worker processes on this machine (numba kernels hold the GIL
    per call; one thread per process uses the cores best)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ConfigError(
            "the cluster runner needs dask[distributed]: pip install openndc"
        ) from exc
    if scheduler:
        try:
            return Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
    import dask

    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers (to hand memory back to
    # the OS sooner). With the detection stage's many large temporary arrays that made glibc
    # give pages back and fault them in again all the time: 28 % of the workers' CPU was
    # system time on the network-month run (2 % in the client). Unset: glibc's default.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = LocalCluster(
            n_workers=max(1, workers or 2),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            host="127.0.0.1",
        )
    return Client(cluster)


def dask_detector(client: Any, *, retries: int = 3, ahead: int = 0) -> Any:
    """A detector for :func:`run_batch`: the windows' detection on ``client``'s workers,
    yielded in time order as they finish (at most ``ahead`` windows are kept in flight;
    0: two per worker)."""

    def detector(
        stage: DetectionStage, windows: Sequence[Window], context: StageContext
    ) -> Iterator[tuple[Window, StageOutput[list[Detection]]]]:
        light = StageContext(context.inventory, None, context.source, context.source_label)
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        limit = ahead or 2 * n_workers
        stage_f = client.scatter(stage, broadcast=True)
        context_f = client.scatter(light, broadcast=True)
        futures: dict[int, Any] = {}
        nxt = 0
        for i in range(len(windows)):
            while nxt < len(windows) and nxt < i + limit:
                futures[nxt] = client.submit(
                    _detect, stage_f, windows[nxt], context_f, retries=retries, pure=False
                )
                nxt += 1
            out = futures.pop(i).result()
            yield windows[i], out

    return detector
