"""Resume state of the acquisition: the last archived sequence number per server and station.

Saved atomically (write a temporary file, fsync it, rename it over the old one, fsync the
directory), so a crash at any moment leaves either the old or the new state, never a torn
file. It is saved only after the archive files were fsynced (see
:meth:`RecordWriter.sync`), so it never points past data on disk; what is re-sent after a
restart is recognised as duplicate by the writer.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from openndc.model.errors import ConfigError

__all__ = ["AcquisitionState", "StationState"]

log = logging.getLogger(__name__)


@dataclass
class StationState:
    """Last archived packet of one station: sequence number and its record start (ISO)."""

    seq: int
    time: str


@dataclass
class AcquisitionState:
    """``{server: {NET_STA: StationState}}``, loaded from and saved to ``path``."""

    path: Path | None
    servers: dict[str, dict[str, StationState]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> AcquisitionState:
        if path is None:
            return cls(None)
        p = Path(path)
        if not p.exists():
            return cls(p)
        try:
            doc = json.loads(p.read_text())
            servers = {
                srv: {sta: StationState(int(v["seq"]), str(v["time"])) for sta, v in stas.items()}
                for srv, stas in doc["servers"].items()
            }
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"state file {p} is unreadable ({exc}); move it away to start without resuming"
            ) from exc
        return cls(p, servers)

    def get(self, server: str, station: str) -> StationState | None:
        return self.servers.get(server, {}).get(station)

    def set(self, server: str, station: str, seq: int, time: str) -> None:
        self.servers.setdefault(server, {})[station] = StationState(seq, time)

    def snapshot(self) -> dict[str, object]:
        """The state as a document (a copy: later changes do not touch it)."""
        return {
            "version": 1,
            "servers": {
                srv: {sta: {"seq": s.seq, "time": s.time} for sta, s in sorted(stas.items())}
                for srv, stas in sorted(self.servers.items())
            },
        }

    def save(self, doc: dict[str, object] | None = None) -> None:
        """Write the state (or a :meth:`snapshot` of it) atomically: temp + fsync + rename +
        directory fsync."""
        if self.path is None:
            return
        if doc is None:
            doc = self.snapshot()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, json.dumps(doc, indent=1).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dfd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
