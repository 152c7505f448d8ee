"""Acquisition: SeedLink servers → the SDS archive, exactly once, resumable, with SOH.

:class:`Acquisition` connects to each server with EarthScope's ``seedlink-client``
(SeedLink 4 when the server offers it, else 3), selects the configured streams, and hands
every record to the :class:`RecordWriter`. It reconnects with exponential back-off, resumes
each station from the sequence number saved in the state file (saved atomically after the
archive is fsynced), backfills from another SDS archive at start, keeps going through a full
disk (the stream is held and the write retried until space returns: the server keeps the
data meanwhile), and reports state of health per channel.

The live pipeline runner uses it as::

    acq = Acquisition(archive, config, state_file=..., on_record=callback)
    await acq.run()            # until cancelled; or acq.start() / acq.stop() in a thread

where ``callback(rec: ArchivedRecord)`` receives, in arrival order per channel, the stream
id, first sample time, rate and the samples newly archived (duplicates never reach it).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from obspy import UTCDateTime
from seedlink_client import Protocol, SeedLinkError
from seedlink_client.aio import AsyncSeedLink

from openndc.acquisition.config import AcquisitionConfig, StreamSpec, parse_streams
from openndc.acquisition.soh import ChannelHealth, SohHistory, SohMetrics, SohTracker
from openndc.acquisition.state import AcquisitionState
from openndc.acquisition.writer import ArchivedRecord, DiskFullError, RecordWriter, record_info
from openndc.model.errors import ArchiveError, ConfigError
from openndc.seedlink.source import read_records, sds_day_files

__all__ = [
    "Acquisition",
    "backfill_from_sds",
    "iter_fdsn_records",
    "iter_sds_records",
    "split_server",
]

log = logging.getLogger(__name__)

_NS = 1_000_000_000
_DAY_NS = 86400 * _NS


def split_server(text: str) -> tuple[str, int]:
    """``HOST:PORT`` → (host, port); port 18000 when omitted."""
    host, _, port = text.rpartition(":")
    if not host:
        return text, 18000
    try:
        return host, int(port)
    except ValueError as exc:
        raise ConfigError(f"SeedLink server {text!r}: use HOST:PORT, e.g. 127.0.0.1:18000") from exc


def iter_sds_records(
    source: str | Path, specs: tuple[StreamSpec, ...], start: UTCDateTime, end: UTCDateTime
) -> Iterator[bytes]:
    """The records of the SDS archive ``source`` in ``[start, end)`` of the selected streams."""
    d0, d1 = start.ns // _DAY_NS - 1, end.ns // _DAY_NS
    for day, path in sds_day_files(Path(source)):
        if not d0 <= day <= d1:
            continue
        recs, _ = read_records(path.read_bytes())
        for r in sorted(recs, key=lambda r: r.start_ns):
            if r.end_ns <= start.ns or r.start_ns >= end.ns:
                continue
            if any(s.matches(r.network, r.station, r.location, r.channel) for s in specs):
                yield r.data


def iter_fdsn_records(
    url: str,
    specs: tuple[StreamSpec, ...],
    start: UTCDateTime,
    end: UTCDateTime,
    timeout: float = 120.0,
) -> Iterator[bytes]:
    """The records an FDSN dataselect service at ``url`` returns for the selected streams
    in ``[start, end)`` (one POST request; ObsPy's FDSN client, no service discovery)."""
    from obspy.clients.fdsn import Client
    from obspy.clients.fdsn.header import FDSNNoDataException

    client = Client(base_url=url, _discover_services=False, timeout=timeout)
    bulk = [(s.network, s.station, s.location or "--", s.channel, start, end) for s in specs]
    buf = io.BytesIO()
    try:
        client.get_waveforms_bulk(bulk, filename=buf)
    except FDSNNoDataException:
        return
    recs, _ = read_records(buf.getvalue())
    for r in sorted(recs, key=lambda r: r.start_ns):
        if r.end_ns <= start.ns or r.start_ns >= end.ns:
            continue
        if any(s.matches(r.network, r.station, r.location, r.channel) for s in specs):
            yield r.data


def backfill_from_sds(
    source: str | Path,
    writer: RecordWriter,
    specs: tuple[StreamSpec, ...],
    start: UTCDateTime,
    end: UTCDateTime,
) -> dict[str, int]:
    """Copy the records of ``source`` (an SDS archive) in ``[start, end)`` that the archive
    lacks; returns how many records had each outcome."""
    counts: dict[str, int] = {}
    for data in iter_sds_records(source, specs, start, end):
        outcome, _ = writer.accept(data, source="backfill")
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


class Acquisition:
    """Runs the ingest of ``config.seedlink`` servers into the SDS archive at ``archive``.

    ``state_file``: resume state (JSON, atomic); ``backfill_sds`` (an SDS archive) and
    ``backfill_fdsn`` (an FDSN dataselect base URL): where to fill what was missed (within
    ``config.backfill_window``) at start; ``db``: database URL for
    the SOH history; ``metrics_port``: serve Prometheus ``/metrics`` on 127.0.0.1;
    ``on_record``: called with every :class:`ArchivedRecord`; ``from_start``: with no
    state, ask the servers for everything they still hold (SeedLink 4 ``DATA ALL``)
    instead of only new data.
    """

    def __init__(
        self,
        archive: str | Path,
        config: AcquisitionConfig,
        *,
        state_file: str | Path | None = None,
        backfill_sds: str | Path | None = None,
        backfill_fdsn: str | None = None,
        db: str | None = None,
        metrics_port: int | None = None,
        on_record: Callable[[ArchivedRecord], None] | None = None,
        from_start: bool = False,
    ) -> None:
        if not config.seedlink:
            raise ConfigError("no SeedLink server given: use --seedlink HOST:PORT")
        self.archive = Path(archive)
        self.config = config
        self.specs = parse_streams(config.streams)
        self.servers = [split_server(s) for s in config.seedlink]
        self.state = AcquisitionState.load(state_file)
        self.backfill_sds = Path(backfill_sds) if backfill_sds is not None else None
        self.backfill_fdsn = backfill_fdsn
        self.db = db
        self.metrics_port = metrics_port
        self.on_record = on_record
        self.from_start = from_start
        self.metrics = SohMetrics()
        self.soh = SohTracker(config.soh)
        self.writer = RecordWriter(self.archive, on_quarantine=self._quarantined)
        self.disk_full = False
        self.connected: dict[str, bool] = {}
        self._http: Any = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None

    # -- public ---------------------------------------------------------------------------
    def health(self) -> list[ChannelHealth]:
        """State of health of every channel received so far."""
        return self.soh.snapshot()

    async def run(self) -> None:
        """Ingest until cancelled (then fsync the archive and save the state)."""
        self._check_writable()
        self.archive.mkdir(parents=True, exist_ok=True)
        history = SohHistory(self.db) if self.db else None
        if self.metrics_port is not None:
            from prometheus_client import start_http_server

            self._http = start_http_server(
                self.metrics_port, addr="127.0.0.1", registry=self.metrics.registry
            )
            log.info("metrics on http://127.0.0.1:%d/metrics", self.metrics_port)
        tasks = [asyncio.create_task(self._ingest(h, p)) for h, p in self.servers]
        tasks.append(asyncio.create_task(self._flush_loop(history)))
        if self.backfill_sds is not None or self.backfill_fdsn is not None:
            tasks.append(asyncio.create_task(self._backfill()))
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
            self._flush()
            self.writer.close()
            if history is not None:
                with contextlib.suppress(Exception):
                    history.write(self.soh.snapshot())
                history.close()
            if self._http is not None:
                self._http[0].shutdown()
                self._http = None

    def start(self) -> None:
        """Run in a background thread (see :meth:`stop`)."""

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._main = loop.create_task(self.run())
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(self._main)
            loop.close()

        self._thread = threading.Thread(target=main, name="acquisition", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._main is not None:
            self._loop.call_soon_threadsafe(self._main.cancel)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- internals ------------------------------------------------------------------------
    def _check_writable(self) -> None:
        probe = self.archive if self.archive.exists() else self.archive.parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise ConfigError(f"archive {self.archive}: {probe} is not a directory")
        if not os.access(probe, os.W_OK):
            raise ConfigError(f"archive {self.archive}: {probe} is not writable; fix permissions")

    def _quarantined(self, stream: str, reason: str) -> None:
        self.metrics.records.labels("quarantined").inc()

    def _flush(self) -> None:
        try:
            self.writer.sync()
        except OSError as exc:
            log.error("cannot fsync the archive (%s); state not saved", exc)
            return
        try:
            self.state.save()
        except OSError as exc:
            log.error("cannot save the state file %s: %s", self.state.path, exc)

    async def _flush_async(self) -> None:
        """fsync what was written, then save the state as it was before the fsync (in a
        thread: the event loop keeps receiving meanwhile)."""
        doc = self.state.snapshot()
        fds = self.writer.take_dirty()

        def work() -> None:
            try:
                for fd in fds:
                    os.fsync(fd)
            except OSError as exc:
                log.error("cannot fsync the archive (%s); state not saved", exc)
                return
            try:
                self.state.save(doc)
            except OSError as exc:
                log.error("cannot save the state file %s: %s", self.state.path, exc)

        await asyncio.to_thread(work)

    async def _flush_loop(self, history: SohHistory | None) -> None:
        last_hist = time.monotonic()
        while True:
            await asyncio.sleep(self.config.state_interval)
            await self._flush_async()
            health = self.soh.snapshot()
            self.metrics.publish(health)
            if (
                history is not None
                and time.monotonic() - last_hist >= self.config.soh.history_interval
            ):
                last_hist = time.monotonic()
                try:
                    await asyncio.to_thread(history.write, health)
                except Exception as exc:  # database down: keep acquiring, say so
                    log.error("cannot write state-of-health history: %s", exc)

    async def _backfill(self) -> None:
        end = UTCDateTime()
        start = end - self.config.backfill_window
        if self.backfill_sds is not None:
            await self._backfill_from(
                str(self.backfill_sds), iter_sds_records(self.backfill_sds, self.specs, start, end)
            )
        if self.backfill_fdsn is not None:
            try:
                recs = await asyncio.to_thread(
                    lambda: list(
                        iter_fdsn_records(self.backfill_fdsn or "", self.specs, start, end)
                    )
                )
            except Exception as exc:  # the service is down or refuses: say so, keep acquiring
                log.error("backfill from %s failed: %s", self.backfill_fdsn, exc)
                return
            await self._backfill_from(self.backfill_fdsn, iter(recs))

    async def _backfill_from(self, name: str, records: Iterator[bytes]) -> None:
        counts: dict[str, int] = {}
        for k, data in enumerate(records):
            outcome, rec = await self._write(data, source="backfill")
            counts[outcome] = counts.get(outcome, 0) + 1
            self.metrics.records.labels(outcome).inc()
            if rec is not None:
                self._emit(rec)
            if k % 50 == 0:
                await asyncio.sleep(0)
        log.info("backfill from %s: %s", name, counts or "nothing to do")

    def _emit(self, rec: ArchivedRecord) -> None:
        self.soh.update(rec)
        if self.on_record is not None:
            try:
                self.on_record(rec)
            except Exception:
                log.exception("on_record callback failed for %s", rec.stream)

    def _client(self, host: str, port: int, server: str) -> AsyncSeedLink:
        proto = {"3": Protocol.V3, "4": Protocol.V4}.get(self.config.protocol)
        client = AsyncSeedLink(
            host,
            port,
            timeout=30.0,
            protocol=proto,
            idle_timeout=self.config.idle_timeout,
            clientname="openndc-acquire",
        )
        known = self.state.servers.get(server, {})
        wild: dict[str, list[str]] = {}
        for spec in self.specs:
            sel = spec.selector()
            wild.setdefault(spec.station_id, [])
            if sel is None:
                wild[spec.station_id] = ["*"]
            elif "*" not in wild[spec.station_id]:
                wild[spec.station_id].append(sel)
        done = set()
        for sta, st in sorted(known.items()):
            sels = sorted({s for pat, ss in wild.items() if _fn(sta, pat) for s in ss})
            if not sels:
                continue
            client.add_stream(sta, [] if "*" in sels else sels, seqnum=st.seq, timestamp=st.time)
            done.add(sta)
        for pat, sels in wild.items():
            if pat in done:
                continue
            client.add_stream(pat, [] if "*" in sels else sels, all_data=self.from_start)
        return client

    async def _ingest(self, host: str, port: int) -> None:
        server = f"{host}:{port}"
        delay = self.config.reconnect_min
        while True:
            client = self._client(host, port, server)
            try:
                await client.connect()
                log.info(
                    "connected to %s (SeedLink %s)",
                    server,
                    client.protocol.value if client.protocol else "?",
                )
                self._set_connected(server, True)
                delay = self.config.reconnect_min
                async for pkt in client.collect(reconnect=False):
                    await self._packet(
                        server, pkt.station_id, pkt.seqnum, pkt.payload, pkt.payload_format
                    )
                log.warning("%s ended the stream; reconnecting", server)
            except asyncio.CancelledError:
                await client.close()
                raise
            except (SeedLinkError, OSError, TimeoutError) as exc:
                log.warning("SeedLink %s: %s; reconnecting in %.0f s", server, exc, delay)
            finally:
                self._set_connected(server, False)
                with contextlib.suppress(Exception):
                    await client.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.reconnect_max)

    def _set_connected(self, server: str, up: bool) -> None:
        self.connected[server] = up
        self.metrics.connected.labels(server).set(int(up))

    async def _packet(
        self, server: str, station_id: str, seq: int | None, payload: bytes, fmt: str
    ) -> None:
        if fmt != "2":
            log.warning(
                "%s %s: payload format %r (not miniSEED 2) skipped", server, station_id, fmt
            )
            return
        try:
            sid, s_ns, _, _, _, _ = record_info(payload)
            wanted = any(
                s.matches(sid.network, sid.station, sid.location, sid.channel) for s in self.specs
            )
        except (ArchiveError, ValueError):
            wanted, s_ns = True, 0  # let the writer quarantine it with its reason
        if wanted:
            outcome, rec = await self._write(payload)
            self.metrics.records.labels(outcome).inc()
            if rec is not None:
                self._emit(rec)
        if seq is not None and station_id:
            t = UTCDateTime(ns=s_ns).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if s_ns else ""
            self.state.set(server, station_id, seq, t)

    async def _write(
        self, payload: bytes, source: str = "seedlink"
    ) -> tuple[str, ArchivedRecord | None]:
        while True:
            try:
                outcome, rec = self.writer.accept(payload, source=source)
            except DiskFullError as exc:
                if not self.disk_full:
                    free = shutil.disk_usage(self.archive).free
                    log.error(
                        "ARCHIVE DISK FULL: %s (%d bytes free); holding the streams (the "
                        "servers keep the data) and retrying every %.0f s",
                        exc,
                        free,
                        self.config.disk_retry,
                    )
                self.disk_full = True
                self.metrics.disk_full.set(1)
                await asyncio.sleep(self.config.disk_retry)
                continue
            if self.disk_full:
                log.warning("archive disk has space again: writing resumed")
                self.disk_full = False
                self.metrics.disk_full.set(0)
            return outcome, rec


def _fn(name: str, pattern: str) -> bool:
    return fnmatchcase(name, pattern)
