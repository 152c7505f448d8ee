"""Running the server over an SDS archive: in the foreground (CLI) or in a thread (tests).

``serve(root, ...)`` runs until cancelled; :class:`ServerThread` runs the same in a
background thread with its own event loop and returns the port it listens on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from pathlib import Path

from obspy import UTCDateTime

from openndc.seedlink.buffer import PacketBuffer
from openndc.seedlink.server import SeedLinkServer
from openndc.seedlink.source import ArchiveFeed

__all__ = ["ServerThread", "serve"]

log = logging.getLogger(__name__)


def _build(
    root: str | Path,
    host: str,
    port: int,
    replay_start: UTCDateTime | None,
    speed: float,
    backlog: float,
    max_packets: int,
    max_clients: int,
    poll: float,
    rescan: float,
) -> tuple[ArchiveFeed, SeedLinkServer]:
    buffer = PacketBuffer(max_packets)
    feed = ArchiveFeed(
        root,
        buffer,
        replay_start=replay_start,
        speed=speed,
        backlog=backlog,
        poll=poll,
        rescan=rescan,
    )
    t0 = time.monotonic()
    clock = (lambda: feed.clock_ns(t0)) if replay_start is not None else None
    server = SeedLinkServer(buffer, host=host, port=port, max_clients=max_clients, clock_ns=clock)
    return feed, server


async def serve(
    root: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 18000,
    replay_start: UTCDateTime | None = None,
    speed: float = 1.0,
    backlog: float = 3600.0,
    max_packets: int = 200_000,
    max_clients: int = 64,
    poll: float = 0.5,
    rescan: float = 30.0,
    ready: asyncio.Future[int] | None = None,
) -> None:
    """Serve the SDS archive at ``root`` until cancelled (live, or replayed from a time)."""
    feed, server = _build(
        root, host, port, replay_start, speed, backlog, max_packets, max_clients, poll, rescan
    )
    bound = await server.start()
    task = asyncio.create_task(feed.run())
    if replay_start is None:  # live: ready once the backlog is buffered
        await asyncio.wait(
            [asyncio.ensure_future(feed.loaded.wait()), task],
            return_when=asyncio.FIRST_COMPLETED,
        )
    if ready is not None:
        ready.set_result(bound)
    try:
        await asyncio.Event().wait()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.close()


class ServerThread:
    """The server in a background thread: ``port = st.start()``, later ``st.stop()``."""

    def __init__(self, root: str | Path, **kwargs: object) -> None:
        self.root = root
        self.kwargs = dict(kwargs)
        self.kwargs.setdefault("port", 0)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    def start(self, timeout: float = 30.0) -> int:
        started = threading.Event()
        error: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            ready: asyncio.Future[int] = loop.create_future()

            def done(f: asyncio.Future[int]) -> None:
                if not f.cancelled() and f.exception() is None:
                    self.port = f.result()
                started.set()

            ready.add_done_callback(done)
            self._task = loop.create_task(serve(self.root, ready=ready, **self.kwargs))  # type: ignore[arg-type]
            try:
                loop.run_until_complete(self._task)
            except asyncio.CancelledError:
                pass
            except BaseException as exc:  # reported to start()
                error.append(exc)
                started.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=main, name="seedlink-server", daemon=True)
        self._thread.start()
        started.wait(timeout)
        if error:
            raise error[0]
        return self.port

    def stop(self) -> None:
        if self._loop is not None and self._task is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
        if self._thread is not None:
            self._thread.join(10)
