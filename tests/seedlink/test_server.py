"""The SeedLink server against two independent clients: ObsPy's and EarthScope's.

The archive is served live with every record buffered at start; each client must get the
archived samples, the INFO documents it expects, and resume exactly after a sequence number.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime
from obspy.clients.seedlink.basic_client import Client as ObsPyClient
from obspy.clients.seedlink.client.seedlinkconnection import SeedLinkConnection
from obspy.clients.seedlink.easyseedlink import EasySeedLinkClient
from obspy.clients.seedlink.slpacket import SLPacket
from seedlink_client import Protocol, SeedLink

from openndc.archive import SDSArchive
from openndc.seedlink import ServerThread
from tests.seedlink.sds_data import make_sds, make_traces

START = UTCDateTime(2026, 3, 1, 0, 0, 0)
SECONDS = 300.0


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("sds")
    st = make_sds(root, START, SECONDS)
    return root, st


@pytest.fixture(scope="module")
def server(archive: tuple[Path, object]) -> Iterator[int]:
    srv = ServerThread(archive[0], backlog=1e9, max_clients=8)
    port = srv.start()
    time.sleep(0.5)  # the feed loads the backlog
    yield port
    srv.stop()


def _expected(
    archive: tuple[Path, object], sid: str, t0: UTCDateTime, t1: UTCDateTime
) -> np.ndarray:
    st = archive[1].select(id=sid).slice(t0, t1, nearest_sample=False)  # type: ignore[attr-defined]
    return st[0].data


# -- ObsPy ------------------------------------------------------------------------------
def test_obspy_get_info_stations_and_streams(server: int) -> None:
    c = ObsPyClient("127.0.0.1", server, timeout=20)
    assert c.get_info(level="station") == [("II", "KURK"), ("KZ", "AB01"), ("KZ", "AB02")]
    chans = c.get_info(network="KZ", station="AB01", level="channel", cache=False)
    assert chans == [
        ("KZ", "AB01", "", "BHE"),
        ("KZ", "AB01", "", "BHN"),
        ("KZ", "AB01", "", "BHZ"),
    ]


def test_obspy_time_window_gives_archived_samples(
    server: int, archive: tuple[Path, object]
) -> None:
    c = ObsPyClient("127.0.0.1", server, timeout=20)
    t0, t1 = START + 60, START + 120
    st = c.get_waveforms("KZ", "AB02", "", "BHN", t0, t1)
    assert len(st) == 1
    tr = st[0]
    assert tr.stats.starttime == t0
    assert np.array_equal(tr.data, _expected(archive, "KZ.AB02..BHN", t0, tr.stats.endtime))


def test_obspy_easy_client_info_and_stream(server: int, archive: tuple[Path, object]) -> None:
    class EnoughError(Exception):
        pass

    class Collect(EasySeedLinkClient):
        def on_data(self, trace: object) -> None:
            self.traces.append(trace)
            if len(self.traces) == 5:
                raise EnoughError

    client = Collect(f"127.0.0.1:{server}", autoconnect=False)
    client.conn.timeout = 30  # ObsPy 1.5's SeedLinkConnection() default (None) fails in connect()
    client.connect()
    client.traces = []
    assert "multistation" in client.capabilities
    assert "<seedlink" in client.get_info("ID")
    client.select_stream("II", "KURK", "BHZ")
    client.conn.begin_time = START
    with pytest.raises(EnoughError):
        client.run()
    client.close()
    assert [tr.id for tr in client.traces] == ["II.KURK..BHZ"] * 5
    first = client.traces[0]
    assert first.stats.starttime == START
    assert np.array_equal(
        first.data, _expected(archive, "II.KURK..BHZ", START, first.stats.endtime)
    )


def _obspy_packets(port: int, seqnum: int, n: int) -> list[int]:
    conn = SeedLinkConnection(timeout=30)
    conn.set_sl_address(f"127.0.0.1:{port}")
    conn.add_stream("II", "KURK", "BHZ", seqnum=seqnum, timestamp=None)
    if seqnum == -1:
        conn.begin_time = START
    seqs = []
    while len(seqs) < n:
        pkt = conn.collect()
        assert isinstance(pkt, SLPacket)
        if pkt.get_type() in (SLPacket.TYPE_SLINFT, SLPacket.TYPE_SLINF):
            continue
        assert pkt.get_trace().id == "II.KURK..BHZ"
        seqs.append(pkt.get_sequence_number())
    conn.close()
    return seqs


def test_obspy_resume_from_sequence_number(server: int) -> None:
    seqs = _obspy_packets(server, -1, 6)
    assert seqs == sorted(set(seqs))  # per-station numbers: increasing (other channels between)
    # resume after the third packet: the fourth comes next, nothing skipped or repeated
    assert _obspy_packets(server, seqs[2], 3) == seqs[3:6]


# -- EarthScope seedlink-client, both protocol versions ---------------------------------
@pytest.mark.parametrize("proto", [Protocol.V3, Protocol.V4])
def test_seedlink_client_info(server: int, proto: Protocol) -> None:
    with SeedLink("127.0.0.1", server, protocol=proto, timeout=20) as cl:
        assert cl.protocol is proto
        assert "SLPROTO:4.0" in cl.server_capabilities or "SLPROTO" in cl.server_capabilities
        ident = cl.info_dict("ID")
        streams = cl.info_dict("STREAMS")
        caps = cl.info_dict("CAPABILITIES")
        conns = cl.info_dict("CONNECTIONS")
    if proto is Protocol.V4:
        assert ident["organization"] == "OpenNDC"
        stations = {s["id"]: s for s in streams["station"]}
        assert set(stations) == {"II_KURK", "KZ_AB01", "KZ_AB02"}
        ids = sorted(x["id"] for x in stations["KZ_AB01"]["stream"])
        assert ids == ["_B_H_E", "_B_H_N", "_B_H_Z"]
        assert stations["KZ_AB01"]["end_seq"] >= stations["KZ_AB01"]["start_seq"] >= 1
        assert "info:streams" in caps["capability"]
        assert conns["connection"]
    else:
        assert ident["seedlink"]["organization"] == "OpenNDC"
        stations = {(s["network"], s["name"]): s for s in streams["seedlink"]["station"]}
        assert set(stations) == {("II", "KURK"), ("KZ", "AB01"), ("KZ", "AB02")}
        chans = sorted(x["seedname"] for x in stations[("KZ", "AB01")]["stream"])
        assert chans == ["BHE", "BHN", "BHZ"]
        names = [c["name"] for c in caps["seedlink"]["capability"]]
        assert "multistation" in names
        assert conns["seedlink"]["station"][0]["connection"]


@pytest.mark.parametrize("proto", [Protocol.V3, Protocol.V4])
def test_seedlink_client_stream_and_resume(server: int, proto: Protocol) -> None:
    def take(cl: SeedLink, n: int) -> list[tuple[int, str, UTCDateTime]]:
        out = []
        for pkt in cl.collect(reconnect=False):
            rec = pkt.record()
            out.append((pkt.seqnum, rec.sourceid, UTCDateTime(ns=rec.starttime)))
            if len(out) == n:
                break
        return out

    cl = SeedLink("127.0.0.1", server, protocol=proto, timeout=20)
    cl.add_stream("KZ_AB01", "BHZ", all_data=True)
    if proto is Protocol.V3:
        cl.set_timewindow(START.datetime)
    cl.connect()
    first = take(cl, 8)
    cl.close()
    assert {s for _, s, _ in first} == {"FDSN:KZ_AB01__B_H_Z"}
    assert first[0][2] == START
    seqs = [s for s, _, _ in first]
    assert seqs == sorted(set(seqs))
    # resume from the 5th packet's sequence number: the 6th comes next
    cl = SeedLink("127.0.0.1", server, protocol=proto, timeout=20)
    cl.add_stream("KZ_AB01", "BHZ", seqnum=seqs[4])
    cl.connect()
    nxt = take(cl, 3)
    cl.close()
    assert nxt == first[5:8]


@pytest.mark.parametrize("proto", [Protocol.V3, Protocol.V4])
def test_seedlink_client_time_window_ends(
    server: int, proto: Protocol, archive: tuple[Path, object]
) -> None:
    t0, t1 = START + 30, START + 90
    cl = SeedLink("127.0.0.1", server, protocol=proto, timeout=20)
    cl.add_stream("KZ_AB02", "BHE")
    cl.set_timewindow(t0.datetime, t1.datetime)
    cl.connect()
    recs = [pkt.record() for pkt in cl.collect(reconnect=False)]  # ends with END
    cl.close()
    assert recs
    assert UTCDateTime(ns=recs[0].starttime) <= t0
    assert all(UTCDateTime(ns=r.starttime) < t1 for r in recs)
    assert UTCDateTime(ns=recs[-1].endtime) >= t1 - 1 / 20


def test_seedlink_client_dialup_fetch(server: int) -> None:
    cl = SeedLink("127.0.0.1", server, protocol=Protocol.V3, timeout=20, dialup=True)
    cl.add_stream("II_KURK", "BHN", seqnum=0)
    cl.connect()
    n = sum(1 for _ in cl.collect(reconnect=False))  # FETCH: buffer, then END
    cl.close()
    assert n > 10


def test_bad_commands_and_bounded_connections(archive: tuple[Path, object]) -> None:
    srv = ServerThread(archive[0], backlog=1e9, max_clients=1)
    port = srv.start()
    try:
        a = socket.create_connection(("127.0.0.1", port), timeout=5)
        a.sendall(b"HELLO\r\n")
        hello = a.recv(1000)
        assert hello.startswith(b"SeedLink v3.1") and hello.count(b"\r\n") == 2
        a.sendall(b"NONSENSE\r\n")
        assert a.recv(100) == b"ERROR\r\n"
        a.sendall(b"SLPROTO 4.0\r\n")
        assert a.recv(100) == b"OK\r\n"
        a.sendall(b"SELECT BAD!!PATTERN\r")
        assert a.recv(200).startswith(b"ERROR ARGUMENTS invalid selector")
        b = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            b.sendall(b"HELLO\r\n")
            refused = b.recv(100) == b""  # one connection at most: closed at once
        except ConnectionResetError:
            refused = True
        b.close()
        assert refused
        a.close()
    finally:
        srv.stop()


def test_v4_info_error_is_json(server: int) -> None:
    with SeedLink("127.0.0.1", server, protocol=Protocol.V4, timeout=20) as cl:
        doc = json.loads(cl.info("GAPS"))
    assert doc["error"]["code"] == "ARGUMENTS"


def _grow(root: Path, stop: threading.Event, start: UTCDateTime, rename: str = "") -> None:
    """Append 10-s pieces to the archive until ``stop`` (at most 60 of them).

    The archive keeps growing while the client negotiates, so what it is sent does not
    depend on whether its END reached the server before or after the first new records.
    """
    t = start
    for k in range(60):
        if stop.is_set():
            return
        st = make_traces(t, 10.0, seed=k + 1)
        if rename:
            st = st.select(id="KZ.AB01..BHZ")
            for tr in st:
                tr.stats.network, tr.stats.station = rename.split("_")
        SDSArchive(root).write(st)
        t += 10.0
        time.sleep(0.5)


def test_live_archive_growth_is_served(tmp_path: Path) -> None:
    root = tmp_path / "sds"
    make_sds(root, START, 60)
    srv = ServerThread(root, backlog=10, poll=0.1)
    port = srv.start()
    stop = threading.Event()
    writer = threading.Thread(target=_grow, args=(root, stop, START + 60), daemon=True)
    try:
        cl = SeedLink("127.0.0.1", port, protocol=Protocol.V4, timeout=20, idle_timeout=60)
        cl.add_stream("KZ_AB01", "BHZ")
        cl.connect()
        writer.start()  # the archive grows
        got = []
        for pkt in cl.collect(reconnect=False):
            got.append(UTCDateTime(ns=pkt.record().starttime))
            if got[-1] >= START + 100:
                break
        cl.close()
    finally:
        stop.set()
        srv.stop()
        if writer.is_alive():
            writer.join(10)
    assert min(got) >= START + 60 - 30  # only new data (DATA without seq: real time)


def test_live_new_stream_found_by_rescan(tmp_path: Path) -> None:
    root = tmp_path / "sds"
    make_sds(root, START, 60)
    srv = ServerThread(root, backlog=10, poll=0.1, rescan=0.3)
    port = srv.start()
    stop = threading.Event()
    # a station that was not in the archive when the server started
    writer = threading.Thread(target=_grow, args=(root, stop, START, "XX_NEW"), daemon=True)
    try:
        cl = SeedLink("127.0.0.1", port, protocol=Protocol.V3, timeout=20, idle_timeout=60)
        cl.add_stream("XX_NEW", "BHZ")
        cl.connect()
        writer.start()
        pkt = next(iter(cl.collect(reconnect=False)))
        cl.close()
    finally:
        stop.set()
        srv.stop()
        if writer.is_alive():
            writer.join(10)
    assert pkt.station_id == "XX_NEW"
