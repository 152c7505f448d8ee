"""A SeedLink 3.1 / 4.0 server for an SDS archive, live as it grows or replayed.

``openndc seedlink serve --archive SDS_DIR`` runs it; :func:`serve` is the coroutine and
:class:`ServerThread` runs it in a background thread (tests, benchmarks, the demo).
"""

from openndc.seedlink.app import ServerThread, serve
from openndc.seedlink.buffer import Packet, PacketBuffer
from openndc.seedlink.protocol import SeedLinkProtocolError
from openndc.seedlink.server import SeedLinkServer
from openndc.seedlink.source import ArchiveFeed

__all__ = [
    "ArchiveFeed",
    "Packet",
    "PacketBuffer",
    "SeedLinkProtocolError",
    "SeedLinkServer",
    "ServerThread",
    "serve",
]
