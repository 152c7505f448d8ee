"""The one stage contract that every runner (batch, live, cluster) wraps.

A stage is run the same way everywhere::

    output = stage.run(inputs, window, context)

- ``window`` is the time window ``[start, end)`` the stage is responsible for; the stage
  declares, through :meth:`Stage.margins`, how much data it needs around it (filter
  warm-up before, amplitude windows after, association look-back);
- ``context`` holds what is built once and shared by all windows: the inventory (every
  station epoch, resolved per window), the waveform source, the bulletin database;
- ``output`` carries the stage's products, the data problems it met and the provenance of
  the run.

Runners are thin loops over windows and stages: :mod:`openndc.pipeline.runner` (batch), the
live runner (data arriving from SeedLink) and a cluster runner (windows on Dask workers)
differ only in how they cut windows and where they run them; none copies stage code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from obspy import Stream, UTCDateTime

from openndc.model.errors import ConfigError
from openndc.model.inventory import MonitoringNetwork
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem

if TYPE_CHECKING:
    from openndc.bulletin import BulletinStore

__all__ = [
    "InventorySource",
    "Margins",
    "Stage",
    "StageContext",
    "StageOutput",
    "WaveformSource",
    "Window",
    "select_stations",
]

I_contra = TypeVar("I_contra", contravariant=True)
Out = TypeVar("Out")
T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """A processing window ``[start, end)`` (UTC)."""

    start: UTCDateTime
    end: UTCDateTime

    def __post_init__(self) -> None:
        if not self.end > self.start:
            raise ConfigError(f"empty time window: start {self.start} is not before end {self.end}")

    @property
    def duration(self) -> float:
        """Length [s]."""
        return float(self.end - self.start)

    def __str__(self) -> str:
        return f"{self.start} - {self.end}"


@dataclass(frozen=True)
class Margins:
    """Data a stage needs around its window [s]: ``before`` its start (filter warm-up,
    association look-back) and ``after`` its end (amplitude and surface-wave windows)."""

    before: float = 0.0
    after: float = 0.0

    def __or__(self, other: Margins) -> Margins:
        """The margins that serve both."""
        return Margins(max(self.before, other.before), max(self.after, other.after))


class _ReadResult(Protocol):
    @property
    def stream(self) -> Stream: ...

    @property
    def problems(self) -> Sequence[DataProblem]: ...


class WaveformSource(Protocol):
    """Anything that reads a time window of waveforms (an SDS archive, a wfdisc table)."""

    def read(self, start: UTCDateTime, end: UTCDateTime) -> _ReadResult: ...


def select_stations(
    source: WaveformSource, stations: set[str], channel: str | None = None
) -> WaveformSource:
    """``source`` restricted to ``stations`` (and a ``channel`` pattern, e.g. ``*Z``) when it
    can select (an SDS archive's or a wfdisc table's ``station`` pattern, a comma list),
    else ``source`` itself."""
    import dataclasses

    if not dataclasses.is_dataclass(source) or isinstance(source, type):
        return source
    names = {f.name for f in dataclasses.fields(source)}
    changes: dict[str, str] = {}
    if "station" in names and getattr(source, "station", "*") == "*":
        changes["station"] = ",".join(sorted(stations))
    if channel is not None and "channel" in names and getattr(source, "channel", "*") == "*":
        changes["channel"] = channel
    return dataclasses.replace(source, **changes) if changes else source


@dataclass
class InventorySource:
    """Station metadata with all its epochs; each window gets the stations in effect in it.

    ``path`` is what :func:`openndc.inventory.read_inventory` reads (StationXML, CSS3.0
    ``.site`` or ``kz``). A station whose epoch begins or ends inside a window is used for
    the part it covers (its data only exist there) and reported as a data problem.
    """

    path: str | Path
    arrays: str | Path | None = None
    _cache: dict[tuple[int, int], tuple[MonitoringNetwork, list[DataProblem]]] = field(
        default_factory=dict, repr=False
    )

    def network(self, window: Window) -> tuple[MonitoringNetwork, list[DataProblem]]:
        """The stations in effect at any moment of ``window``, and epoch-change problems."""
        from openndc.inventory import read_inventory
        from openndc.model.errors import InventoryError

        key = (window.start.ns, window.end.ns)
        if key not in self._cache:
            net = read_inventory(self.path, arrays=self.arrays, at=(window.start, window.end))
            problems: list[DataProblem] = []
            try:
                at_start = read_inventory(self.path, arrays=self.arrays, at=window.start)
                known = {(s.network, s.code) for s in at_start}
            except InventoryError:
                known = set()
            for st in net:
                if (st.network, st.code) not in known:
                    problems.append(
                        DataProblem(
                            "epoch",
                            str(self.path),
                            f"{st.network}.{st.code}",
                            window.start,
                            window.end,
                            "station epoch begins inside the window: used for the part it covers",
                        )
                    )
            if len(self._cache) >= 8:  # windows come in order: keep the recent ones
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (net, problems)
        return self._cache[key]

    @property
    def label(self) -> str:
        return str(self.path)


@dataclass
class StageContext:
    """What is built once and shared by every window and stage of a run.

    ``store`` is the bulletin database: the shared state (detections, events and their
    versions, processed windows). ``source`` reads waveforms (None when a run starts from
    detections).
    """

    inventory: InventorySource | MonitoringNetwork
    store: BulletinStore | None = None
    source: WaveformSource | None = None
    source_label: str = ""

    def require_store(self, stage: str) -> BulletinStore:
        if self.store is None:
            raise ConfigError(f"the {stage} stage needs the bulletin database (--db)")
        return self.store

    def network(self, window: Window) -> tuple[MonitoringNetwork, list[DataProblem]]:
        if isinstance(self.inventory, MonitoringNetwork):
            return self.inventory, []
        return self.inventory.network(window)


@dataclass
class StageOutput(Generic[T]):
    """A stage's products for one window, the data problems met, and provenance."""

    products: T
    problems: list[DataProblem] = field(default_factory=list)
    provenance: Provenance | None = None
    #: Counts for progress and reports (e.g. ``n_traces`` read).
    stats: dict[str, float] = field(default_factory=dict)


class Stage(Protocol[I_contra, Out]):
    """A pipeline stage: ``run(inputs, window, context)`` with declared margins."""

    name: str

    def margins(self) -> Margins: ...

    def run(self, inputs: I_contra, window: Window, context: StageContext) -> StageOutput[Out]: ...
