"""The server's packet buffer: one append-only log, a sequence per station.

Every archived miniSEED record the server has released becomes a :class:`Packet` with the
next sequence number of its station (SeisComP numbers each station's packets separately,
which is what SeedLink clients keep per station to resume). The log keeps at most
``max_packets``; clients hold a position (global index) in it and wait for new packets.
"""

from __future__ import annotations

import asyncio
import bisect
from collections import deque
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from obspy import UTCDateTime

from openndc.seedlink.protocol import StationInfo, StreamInfo

__all__ = ["Packet", "PacketBuffer"]


@dataclass(frozen=True, slots=True)
class Packet:
    """One miniSEED record in the buffer.

    ``seq`` is the station's sequence number, ``index`` the global position in the log,
    ``start_ns``/``end_ns`` the record's first sample time and the time just after its last
    sample [ns since 1970], ``released`` the wall time it entered the buffer [s, time.time()].
    """

    index: int
    seq: int
    network: str
    station: str
    location: str
    channel: str
    start_ns: int
    end_ns: int
    record: bytes
    released: float

    @property
    def station_id(self) -> str:
        return f"{self.network}_{self.station}"


@dataclass
class _Station:
    network: str
    station: str
    next_seq: int = 1
    seqs: deque[int] = field(default_factory=deque)  # seq of buffered packets, ascending
    indexes: deque[int] = field(default_factory=deque)  # their global indexes
    streams: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (loc, cha) -> [s, e]


class PacketBuffer:
    """Append-only packet log with per-station sequence numbers and waiting readers."""

    def __init__(self, max_packets: int = 200_000, description: str = "") -> None:
        self.max_packets = max_packets
        self.description = description
        self._log: deque[Packet] = deque()
        self._base = 0  # global index of _log[0]
        self._stations: dict[str, _Station] = {}
        self._cond: asyncio.Condition | None = None
        self.total = 0

    # -- writing --------------------------------------------------------------------------
    def append(
        self,
        network: str,
        station: str,
        location: str,
        channel: str,
        start_ns: int,
        end_ns: int,
        record: bytes,
        released: float,
    ) -> Packet:
        """Add one record; returns its packet (call :meth:`notify` after a batch)."""
        key = f"{network}_{station}"
        st = self._stations.get(key)
        if st is None:
            st = self._stations[key] = _Station(network, station)
        pkt = Packet(
            self._base + len(self._log),
            st.next_seq,
            network,
            station,
            location,
            channel,
            start_ns,
            end_ns,
            record,
            released,
        )
        st.next_seq += 1
        st.seqs.append(pkt.seq)
        st.indexes.append(pkt.index)
        span = st.streams.get((location, channel))
        if span is None:
            st.streams[(location, channel)] = [start_ns, end_ns]
        else:
            span[0] = min(span[0], start_ns)
            span[1] = max(span[1], end_ns)
        self._log.append(pkt)
        self.total += 1
        while len(self._log) > self.max_packets:
            old = self._log.popleft()
            self._base += 1
            ost = self._stations[old.station_id]
            ost.seqs.popleft()
            ost.indexes.popleft()
        return pkt

    async def notify(self) -> None:
        """Wake the readers waiting for new packets."""
        cond = self._condition()
        async with cond:
            cond.notify_all()

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    async def wait_beyond(self, index: int, timeout: float) -> None:
        """Return when the log holds a packet at ``index`` or later, or after ``timeout`` [s]."""
        cond = self._condition()
        async with cond:
            if self.end_index > index:
                return
            try:
                await asyncio.wait_for(cond.wait(), timeout)
            except TimeoutError:
                return

    # -- reading --------------------------------------------------------------------------
    @property
    def start_index(self) -> int:
        return self._base

    @property
    def end_index(self) -> int:
        """Global index the next packet will get."""
        return self._base + len(self._log)

    def get(self, index: int) -> Packet | None:
        i = index - self._base
        if 0 <= i < len(self._log):
            return self._log[i]
        return None

    def station_ids(self, pattern: str = "*") -> list[str]:
        """Buffered station ids ``NET_STA`` matching the fnmatch ``pattern``."""
        return sorted(k for k in self._stations if fnmatchcase(k, pattern))

    def latest_seq(self, station_id: str) -> int:
        """The last sequence number given to ``station_id`` (0 when none)."""
        st = self._stations.get(station_id)
        return st.next_seq - 1 if st is not None else 0

    def index_of_seq(self, station_id: str, seq: int) -> int | None:
        """Global index of the station's packet with sequence ``seq`` (None: not buffered)."""
        st = self._stations.get(station_id)
        if st is None or not st.seqs or seq < st.seqs[0] or seq > st.seqs[-1]:
            return None
        k = bisect.bisect_left(st.seqs, seq)
        return st.indexes[k] if k < len(st.seqs) and st.seqs[k] == seq else None

    def first_index_after(self, station_id: str, t_ns: int, *, by_end: bool) -> int | None:
        """First buffered index of the station whose end (``by_end``) or start is after ``t_ns``."""
        st = self._stations.get(station_id)
        if st is None:
            return None
        for idx in st.indexes:
            p = self.get(idx)
            if p is not None and (p.end_ns if by_end else p.start_ns) > t_ns:
                return idx
        return None

    def first_index(self, station_id: str) -> int | None:
        st = self._stations.get(station_id)
        return st.indexes[0] if st is not None and st.indexes else None

    def stations_info(self, pattern: str = "*") -> list[StationInfo]:
        out = []
        for key in self.station_ids(pattern):
            st = self._stations[key]
            streams = tuple(
                StreamInfo(loc, cha, UTCDateTime(ns=s), UTCDateTime(ns=e))
                for (loc, cha), (s, e) in sorted(st.streams.items())
            )
            out.append(
                StationInfo(
                    st.network,
                    st.station,
                    self.description or f"{st.network} {st.station}",
                    st.seqs[0] if st.seqs else 0,
                    st.seqs[-1] if st.seqs else 0,
                    streams,
                )
            )
        return out
