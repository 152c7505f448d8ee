"""An asyncio SeedLink 3.1 / 4.0 server over a :class:`PacketBuffer`.

One task per connection, at most ``max_clients`` at a time. Negotiation follows SeisComP's
``seedlink`` and EarthScope's ringserver: ``HELLO``, ``SLPROTO``, ``USERAGENT``,
``CAPABILITIES``, ``BATCH``, ``CAT``, ``STATION``, ``SELECT``, ``DATA``/``FETCH``/``TIME``,
``END``/``ENDFETCH``, ``INFO``, ``BYE``. Clients resume with ``DATA last+1 [time]``: when the
time given does not match the buffered packet ``last`` (the server restarted and numbers
differ), the request falls back to the time, as ringserver does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from obspy import UTCDateTime

from openndc import __version__
from openndc.seedlink.buffer import Packet, PacketBuffer
from openndc.seedlink.protocol import (
    SeedLinkProtocolError,
    Selector,
    format_info_json,
    format_info_xml,
    frame_v3,
    frame_v4,
    info_records_v3,
    parse_selector,
    parse_time,
    selectors_match,
)

__all__ = ["SeedLinkServer"]

log = logging.getLogger(__name__)

SOFTWARE = f"SeedLink v3.1 (OpenNDC {__version__})"
_CAPS = "SLPROTO:4.0 SLPROTO:3.1 CAP EXTREPLY NSWILDCARD BATCH WS:13"
_MAX_LINE = 4096
_NS = 1_000_000_000


@dataclass
class _Request:
    """One STATION request (or the whole-server request of uni-station mode)."""

    pattern: str  # NET_STA fnmatch pattern
    selectors: list[Selector] = field(default_factory=list)
    seq: int | None = None
    all_data: bool = False
    time_ns: int | None = None  # resume time given with DATA seq
    start_ns: int | None = None  # TIME / DATA window start
    end_ns: int | None = None
    start_at: dict[str, int] = field(default_factory=dict)  # station -> first global index
    default_start: int = 0


@dataclass
class _Conn:
    host: str
    port: int
    ctime: UTCDateTime
    version: int = 3
    batch: bool = False
    extreply: bool = False
    useragent: str = ""
    dialup: bool = False
    streaming: bool = False
    requests: list[_Request] = field(default_factory=list)
    current: _Request | None = None
    global_selectors: list[Selector] = field(default_factory=list)
    txcount: int = 0
    txbytes: int = 0
    current_seq: int = 0


class SeedLinkServer:
    """Serves ``buffer`` over SeedLink on ``host:port`` (port 0: a free one).

    ``clock_ns`` gives the data clock [ns] that closes time windows (replay clock or wall
    clock); ``idle_timeout`` [s] closes connections that send nothing during negotiation.
    """

    def __init__(
        self,
        buffer: PacketBuffer,
        *,
        host: str = "127.0.0.1",
        port: int = 18000,
        max_clients: int = 64,
        organization: str = "OpenNDC",
        idle_timeout: float = 300.0,
        clock_ns: Callable[[], int] | None = None,
    ) -> None:
        self.buffer = buffer
        self.host = host
        self.port = port
        self.max_clients = max_clients
        self.organization = organization
        self.idle_timeout = idle_timeout
        self.clock_ns = clock_ns or (lambda: time.time_ns())
        self.started = UTCDateTime()
        self._server: asyncio.Server | None = None
        self._conns: dict[int, _Conn] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Start listening; returns the port."""
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("SeedLink server listening on %s:%d", self.host, self.port)
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            tasks = list(self._tasks)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    @property
    def connections(self) -> int:
        return len(self._conns)

    # -- connection -----------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = writer.get_extra_info("peername") or ("?", 0)
        if len(self._conns) >= self.max_clients:
            log.warning(
                "refusing %s:%s: %d connections already", peer[0], peer[1], self.max_clients
            )
            writer.close()
            return
        conn = _Conn(str(peer[0]), int(peer[1]), UTCDateTime())
        self._conns[id(conn)] = conn
        self._tasks.add(task)
        lines = _LineReader(reader)
        try:
            await self._negotiate(conn, lines, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._conns.pop(id(conn), None)
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            log.debug(
                "connection %s:%d closed (%d packets sent)", conn.host, conn.port, conn.txcount
            )

    async def _negotiate(
        self, conn: _Conn, lines: _LineReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            line = await asyncio.wait_for(lines.next(), self.idle_timeout)
            if line is None:
                return
            word, _, rest = line.partition(" ")
            cmd = word.upper()
            args = rest.split()
            if cmd == "BYE":
                return
            if cmd == "INFO":
                self._info(conn, args, writer)
                await writer.drain()
                continue
            start = self._command(conn, cmd, args, writer)
            await writer.drain()
            if start:
                await self._stream(conn, lines, writer)
                return

    def _reply(
        self, conn: _Conn, writer: asyncio.StreamWriter, ok: bool, code: str = "", msg: str = ""
    ) -> None:
        if conn.batch and conn.version < 4:
            return
        if ok:
            writer.write(b"OK\r\n")
        elif conn.version >= 4:
            writer.write(f"ERROR {code or 'UNSUPPORTED'} {msg}".rstrip().encode() + b"\r\n")
        elif conn.extreply and msg:
            writer.write(f"ERROR\r{code} {msg}".encode() + b"\r\n")
        else:
            writer.write(b"ERROR\r\n")

    def _command(
        self, conn: _Conn, cmd: str, args: list[str], writer: asyncio.StreamWriter
    ) -> bool:
        """Handle one negotiation command; True when data transfer starts."""
        try:
            return self._command_inner(conn, cmd, args, writer)
        except SeedLinkProtocolError as exc:
            log.info("%s:%d: %s", conn.host, conn.port, exc)
            self._reply(conn, writer, False, "ARGUMENTS", str(exc))
            return False

    def _command_inner(
        self, conn: _Conn, cmd: str, args: list[str], writer: asyncio.StreamWriter
    ) -> bool:
        if cmd == "HELLO":
            writer.write(f"{SOFTWARE} :: {_CAPS}\r\n{self.organization}\r\n".encode())
        elif cmd == "SLPROTO":
            v = args[0] if args else ""
            if v.startswith("3"):
                conn.version = 3
                self._reply(conn, writer, True)
            elif v in ("4", "4.0"):
                conn.version = 4
                self._reply(conn, writer, True)
            else:
                self._reply(conn, writer, False, "UNSUPPORTED", "unsupported protocol version")
        elif cmd == "USERAGENT":
            conn.useragent = " ".join(args)
            self._reply(conn, writer, True)
        elif cmd == "CAPABILITIES":
            conn.extreply = "EXTREPLY" in args
            self._reply(conn, writer, True)
        elif cmd == "BATCH" and conn.version < 4:
            self._reply(conn, writer, True)
            conn.batch = True
        elif cmd == "AUTH":
            self._reply(conn, writer, False, "UNSUPPORTED", "authentication is not supported")
        elif cmd == "CAT" and conn.version < 4:
            text = "".join(
                f"{s.network:<2} {s.station:<5} {s.description}\r\n"
                for s in self.buffer.stations_info()
            )
            writer.write(text.encode() + b"END")
        elif cmd == "STATION":
            self._station(conn, args)
            self._reply(conn, writer, True)
        elif cmd == "SELECT":
            if len(args) != 1:
                raise SeedLinkProtocolError("SELECT needs one pattern")
            sel = parse_selector(args[0], conn.version)
            (conn.current.selectors if conn.current else conn.global_selectors).append(sel)
            self._reply(conn, writer, True)
        elif cmd in ("DATA", "FETCH", "TIME") and not (cmd != "DATA" and conn.version >= 4):
            req = conn.current or _Request("*")
            self._action(conn, req, cmd, args)
            if cmd == "FETCH":
                conn.dialup = True
            if conn.current is None:
                # uni-station (or all-station) mode: this command starts the transfer
                req.selectors = conn.global_selectors
                conn.requests = [req]
                return True
            self._reply(conn, writer, True)
            conn.current = None
        elif cmd in ("END", "ENDFETCH"):
            if cmd == "ENDFETCH":
                conn.dialup = True
            if not conn.requests:
                conn.requests = [_Request("*", selectors=conn.global_selectors)]
            return True
        else:
            log.info("%s:%d: unrecognised command %r", conn.host, conn.port, cmd)
            self._reply(conn, writer, False, "UNSUPPORTED", f"unrecognized command: {cmd[:50]}")
        return False

    def _station(self, conn: _Conn, args: list[str]) -> None:
        if conn.version >= 4:
            if len(args) != 1:
                raise SeedLinkProtocolError("STATION needs one station id NET_STA")
            pattern = args[0] if "_" in args[0] else f"*_{args[0]}"
        else:
            if not 1 <= len(args) <= 2:
                raise SeedLinkProtocolError("STATION needs a station code and a network code")
            pattern = f"{args[1] if len(args) == 2 else '*'}_{args[0]}"
        ok = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789?*_")
        if not set(pattern) <= ok:
            raise SeedLinkProtocolError(f"invalid characters in station id {pattern!r}")
        for req in conn.requests:
            if req.pattern == pattern:
                conn.current = req
                return
        conn.current = _Request(pattern)
        conn.requests.append(conn.current)

    def _action(self, conn: _Conn, req: _Request, cmd: str, args: list[str]) -> None:
        if cmd == "TIME":
            if not 1 <= len(args) <= 2:
                raise SeedLinkProtocolError("TIME needs a start time and optionally an end time")
            req.start_ns = parse_time(args[0]).ns
            req.end_ns = parse_time(args[1]).ns if len(args) == 2 else None
            return
        if not args:
            return
        limit = 3 if conn.version >= 4 else 2
        if len(args) > limit:
            raise SeedLinkProtocolError(f"too many arguments for {cmd}")
        if conn.version >= 4:
            if args[0].upper() == "ALL":
                req.all_data = True
            else:
                try:
                    req.seq = int(args[0], 10)
                except ValueError as exc:
                    raise SeedLinkProtocolError(f"invalid sequence number {args[0]!r}") from exc
            if len(args) >= 2:
                req.start_ns = parse_time(args[1]).ns
                if req.seq is not None:
                    req.time_ns = req.start_ns
                    req.start_ns = None
            if len(args) == 3:
                req.end_ns = parse_time(args[2]).ns
        else:
            try:
                req.seq = int(args[0], 16)
            except ValueError as exc:
                raise SeedLinkProtocolError(f"invalid sequence number {args[0]!r}") from exc
            if len(args) == 2:
                req.time_ns = parse_time(args[1]).ns

    # -- INFO -----------------------------------------------------------------------------
    def _info(self, conn: _Conn, args: list[str], writer: asyncio.StreamWriter) -> None:
        level = args[0].upper() if args else ""
        pattern = "*"
        if conn.version >= 4 and len(args) >= 2:
            pattern = args[1] if "_" in args[1] else f"*_{args[1]}"
        known = ("ID", "CAPABILITIES", "STATIONS", "STREAMS", "CONNECTIONS")
        known4 = (*known, "FORMATS")
        stations = self.buffer.stations_info(pattern) if level in ("STATIONS", "STREAMS") else []
        if level in ("STATIONS", "STREAMS") and conn.version >= 4 and len(args) >= 3:
            sel = parse_selector(args[2], 4)
            stations = [
                type(s)(
                    s.network,
                    s.station,
                    s.description,
                    s.begin_seq,
                    s.end_seq,
                    tuple(x for x in s.streams if sel.matches(x.location, x.channel)),
                )
                for s in stations
            ]
        conns = [self._conn_info(c) for c in self._conns.values()] if level == "CONNECTIONS" else []
        if conn.version >= 4:
            error = None if level in known4 else ("ARGUMENTS", f"unrecognized INFO item {level!r}")
            text = format_info_json(
                level, SOFTWARE, self.organization, self.started, stations, conns, error
            )
            writer.write(frame_v4(0, "", text.encode(), b"J", b"E" if error else b"I"))
            return
        err = level not in known
        text = format_info_xml(
            "ID" if err else level, SOFTWARE, self.organization, self.started, stations, conns
        )
        writer.write(info_records_v3(text, error=err))

    def _conn_info(self, c: _Conn) -> dict[str, str]:
        return {
            "host": c.host,
            "port": str(c.port),
            "ctime": c.ctime.strftime("%Y/%m/%d %H:%M:%S"),
            "begin_seq": "0",
            "current_seq": f"{c.current_seq & 0xFFFFFF:06X}",
            "sequence_gaps": "0",
            "txcount": str(c.txcount),
            "totBytes": str(c.txbytes),
            "begin_seq_valid": "yes",
            "realtime": "no" if c.dialup else "yes",
            "end_of_data": "no",
            "useragent": c.useragent,
            "protocol": f"{c.version}",
        }

    # -- streaming ------------------------------------------------------------------------
    def _position(self, conn: _Conn) -> int:
        """Set each request's per-station start; returns the first global index to read."""
        buf = self.buffer
        pos = buf.end_index
        for req in conn.requests:
            req.default_start = buf.end_index
            if req.all_data or req.start_ns is not None:
                req.default_start = buf.start_index
            for sid in buf.station_ids(req.pattern):
                idx = self._start_for(conn, req, sid)
                req.start_at[sid] = idx
                pos = min(pos, idx)
            pos = min(pos, req.default_start)
        return max(pos, buf.start_index)

    def _start_for(self, conn: _Conn, req: _Request, sid: str) -> int:
        buf = self.buffer
        nxt = buf.end_index
        if req.all_data and req.start_ns is None:
            first = buf.first_index(sid)
            return nxt if first is None else first
        if req.seq is not None:
            latest = buf.latest_seq(sid)
            seq = req.seq
            if conn.version < 4:  # 24-bit sequence: take the high bits from the latest
                seq = (latest & ~0xFFFFFF) | (req.seq & 0xFFFFFF)
                if seq > latest + 1 and seq >= 0x1000000:
                    seq -= 0x1000000
            if req.time_ns is not None:
                prev_idx = buf.index_of_seq(sid, seq - 1)
                prev = buf.get(prev_idx) if prev_idx is not None else None
                if prev is None or prev.start_ns // _NS != req.time_ns // _NS:
                    idx = buf.first_index_after(sid, req.time_ns, by_end=False)
                    return nxt if idx is None else idx
            idx = buf.index_of_seq(sid, seq)
            if idx is not None:
                return idx
            first = buf.first_index(sid)
            if first is not None and seq < (buf.get(first) or _NOPKT).seq:
                return first  # older than the buffer: send everything still held
            return nxt
        if req.start_ns is not None:
            idx = buf.first_index_after(sid, req.start_ns, by_end=True)
            return nxt if idx is None else idx
        return nxt

    def _wanted(self, conn: _Conn, p: Packet) -> bool:
        sid = p.station_id
        for req in conn.requests:
            if not fnmatchcase(sid, req.pattern):
                continue
            if p.index < req.start_at.get(sid, req.default_start):
                continue
            if req.start_ns is not None and p.end_ns <= req.start_ns:
                continue
            if req.end_ns is not None and p.start_ns >= req.end_ns:
                continue
            if selectors_match(req.selectors, p.location, p.channel):
                return True
        return False

    def _window_done(self, conn: _Conn) -> bool:
        ends = [r.end_ns for r in conn.requests]
        if not ends or any(e is None for e in ends):
            return False
        end = max(e for e in ends if e is not None)
        return self.clock_ns() >= end

    def _frame(self, conn: _Conn, p: Packet) -> bytes:
        if conn.version >= 4:
            fmt = b"3" if p.record[:2] == b"MS" else b"2"
            return frame_v4(p.seq, p.station_id, p.record, fmt)
        return frame_v3(p.seq, p.record)

    async def _stream(self, conn: _Conn, lines: _LineReader, writer: asyncio.StreamWriter) -> None:
        conn.streaming = True
        pos = self._position(conn)
        log.info(
            "%s:%d streaming (v%d%s) from packet %d: %s",
            conn.host,
            conn.port,
            conn.version,
            ", dial-up" if conn.dialup else "",
            pos,
            ", ".join(r.pattern for r in conn.requests),
        )
        reader_task = asyncio.create_task(self._read_while_streaming(conn, lines, writer))
        try:
            while not reader_task.done():
                buf = self.buffer
                if pos < buf.start_index:
                    log.warning(
                        "%s:%d fell behind the buffer; skipping %d packets",
                        conn.host,
                        conn.port,
                        buf.start_index - pos,
                    )
                    pos = buf.start_index
                sent = 0
                while pos < buf.end_index:
                    if writer.is_closing():
                        return
                    p = buf.get(pos)
                    pos += 1
                    if p is None or not self._wanted(conn, p):
                        continue
                    frame = self._frame(conn, p)
                    writer.write(frame)
                    conn.txcount += 1
                    conn.txbytes += len(frame)
                    conn.current_seq = p.seq
                    sent += 1
                    if sent % 64 == 0:
                        await writer.drain()
                if writer.is_closing():
                    return
                await writer.drain()
                if conn.dialup or self._window_done(conn):
                    writer.write(b"END")
                    await writer.drain()
                    return
                await buf.wait_beyond(pos, 0.5)
        finally:
            reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader_task

    async def _read_while_streaming(
        self, conn: _Conn, lines: _LineReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            line = await lines.next()
            if line is None:
                return
            word, _, rest = line.partition(" ")
            if word.upper() == "BYE":
                return
            if word.upper() == "INFO":
                self._info(conn, rest.split(), writer)
                await writer.drain()
            else:
                log.debug("%s:%d: ignoring %r while streaming", conn.host, conn.port, line[:50])


_NOPKT = Packet(0, 0, "", "", "", "", 0, 0, b"", 0.0)


class _LineReader:
    """Command lines terminated by CR, LF or CRLF (v4 clients send a bare CR)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.buf = b""

    async def next(self) -> str | None:
        while True:
            for i, c in enumerate(self.buf):
                if c in (10, 13):
                    line, self.buf = self.buf[:i], self.buf[i + 1 :]
                    if line.strip():
                        return line.decode("ascii", "replace").strip()
                    break
            else:
                if len(self.buf) > _MAX_LINE:
                    raise ConnectionError("command line too long")
                chunk = await self.reader.read(4096)
                if not chunk:
                    return None
                self.buf += chunk
                continue
