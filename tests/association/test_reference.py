"""Association against a reference bulletin (the IDC's REB): the NDC's detections of a known
teleseism join the reference event before the free association, keep its origin and agency,
get a stable identity, and make no false or split local event. Readers: QuakeML, IMS1.0 and
the project's own FDSN event service over a real socket."""

from __future__ import annotations

import dataclasses
import random
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from obspy import UTCDateTime
from obspy.core.event import Catalog, CreationInfo, OriginUncertainty, QuantityError
from obspy.core.event import Event as QEvent
from obspy.core.event import Origin as QOrigin

from openndc.association import AssociationConfig, associate
from openndc.association.reference import (
    REFERENCE_METHOD,
    ReferenceBulletinError,
    join_reference,
    read_reference,
    reference_event_id,
)
from openndc.bulletin import BulletinStore
from openndc.bulletin.formats import write_ims
from openndc.cli.main import main
from openndc.inventory import read_inventory
from openndc.io.css_arrival import read_arrival_table
from openndc.model.detection import Detection
from openndc.model.event import Bulletin
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.pipeline.process import ProcessConfig, build_bulletin
from openndc.traveltime import load_travel_times
from tests.services.conftest import LiveServer
from tests.support.ims import event_p_detections, read_ims_network
from tests.support.synthetic import SyntheticEvent, synthetic_detections, true_event_of

T0 = UTCDateTime(2024, 3, 1)
#: A teleseism (Japan, ~45-60 deg from the Kazakh sites) and a regional event (Tien Shan).
TELE = SyntheticEvent(T0 + 300.0, 38.0, 141.9, 30.0)
LOCAL = SyntheticEvent(T0 + 420.0, 42.6, 76.9, 15.0)
#: The reference's origin: the teleseism moved 14 km, 1.2 s late, 8 km deeper (REB-like).
REF_SHIFT = (0.10, 0.08, 1.2, 8.0)


def _quakeml(path: Path, events: list[SyntheticEvent], agency: str = "IDC") -> Path:
    cat = Catalog()
    for k, ev in enumerate(events):
        dlat, dlon, dt, dz = REF_SHIFT
        o = QOrigin(
            time=ev.time + dt,
            latitude=ev.latitude + dlat,
            longitude=ev.longitude + dlon,
            depth=(ev.depth_km + dz) * 1000.0,
            time_errors=QuantityError(uncertainty=1.5),
            depth_errors=QuantityError(uncertainty=10_000.0),
            origin_uncertainty=OriginUncertainty(
                max_horizontal_uncertainty=21_500.0,
                min_horizontal_uncertainty=15_000.0,
                azimuth_max_horizontal_uncertainty=30.0,
                confidence_level=90.0,
            ),
            creation_info=CreationInfo(agency_id=agency),
        )
        qe = QEvent(resource_id=f"smi:test/reb/2024{k:04d}", origins=[o], event_type="earthquake")
        qe.preferred_origin_id = o.resource_id
        cat.append(qe)
    cat.write(str(path), format="QUAKEML")
    return path


def _later_phases(net_dets: list[Detection]) -> list[Detection]:
    """pP and PcP of the teleseism at two arrays, unnamed (the detector does not know)."""
    tt = load_travel_times("ak135")
    out = []
    for code, lat, lon in (("MKAR", 46.7937, 82.2904), ("BVAR", 53.0249, 70.3885)):
        dist = float(distance_azimuth(TELE.latitude, TELE.longitude, lat, lon)[0])
        for ph in ("pP", "PcP"):
            t = float(tt.time(ph, dist, TELE.depth_km))
            out.append(
                Detection("KZ", code, "", "cb", TELE.time + t + 0.3, time_uncertainty=0.5,
                          phase="", method="beam", id=f"ev0-{code}-{ph}")
            )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def scene() -> tuple[object, list[Detection]]:
    net = read_inventory("kz")
    tt = load_travel_times("ak135")
    # the teleseism is seen at one array and one station only: too few for the free
    # association (P at three stations), enough to join a reference event
    tele = synthetic_detections(
        net, [TELE], tt, seed=3, pick_sigma=0.4, p_probability=1.0, s_probability=0.0,
        false_per_site_hour=0.0, baz_sigma=5.0, slowness_sigma=1.0,
    )  # fmt: skip
    tele = [d for d in tele if d.station in ("MKAR", "BRVK")]
    local = synthetic_detections(
        net, [LOCAL], tt, seed=4, pick_sigma=0.4, p_probability=0.95, s_probability=0.8,
        false_per_site_hour=2.0, start=T0, end=T0 + 1800.0,
    )  # fmt: skip
    local = [dataclasses.replace(d, id=d.id.replace("ev0", "ev1")) for d in local]
    dets = sorted([*tele, *_later_phases(tele), *local], key=lambda d: d.time)
    return net, dets


def test_teleseism_joins_the_reference_event_and_the_local_event_stays(
    scene: tuple[object, list[Detection]], tmp_path: Path
) -> None:
    net, dets = scene
    refs = read_reference(str(_quakeml(tmp_path / "reb.xml", [TELE])))
    assert len(refs) == 1 and refs[0].origin.provenance is not None
    cfg = AssociationConfig()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = associate(dets, net, cfg)  # type: ignore[arg-type]
        joined = associate(dets, net, cfg, reference=refs)  # type: ignore[arg-type]
    tele_ids = {d.id for d in dets if true_event_of(d) == 0 and d.id.startswith("ev0")}
    assert len(tele_ids) == 6  # P at MKAR and BRVK, pP and PcP at MKAR and BVAR
    # without the reference the teleseism makes no event: its P is at too few stations
    tele_p = {"ev0-MKAR-P", "ev0-BRVK-P"}
    assert not any(tele_p <= {a.detection.id for a in e.arrivals} for e in plain.events)
    ref_events = [e for e in joined.events if e.origin.method == REFERENCE_METHOD]
    assert len(ref_events) == 1
    ev = ref_events[0]
    assert ev.id == "IDC-20240000"
    assert ev.origin.time == refs[0].origin.time and ev.origin.latitude == refs[0].origin.latitude
    assert ev.origin.provenance is not None and ev.origin.provenance.author == "IDC"
    got = {a.detection.id for a in ev.arrivals}
    assert got == tele_ids  # every detection of the teleseism, nothing else
    phases = {a.detection.id: a.phase for a in ev.arrivals}
    assert phases["ev0-MKAR-pP"] == "pP" and phases["ev0-BVAR-PcP"] == "PcP"
    assert all(abs(a.time_residual) < 4.0 for a in ev.arrivals)
    # the regional event is still found by the free association, once, and nothing else
    free = [e for e in joined.events if e.origin.method != REFERENCE_METHOD]
    assert len(free) == 1
    km = float(distance_azimuth(LOCAL.latitude, LOCAL.longitude, free[0].origin.latitude,
                                free[0].origin.longitude)[0]) * DEG_KM  # fmt: skip
    assert km < 50.0
    assert not any(a.detection.id in tele_ids for a in free[0].arrivals)
    # the same result in any input order
    shuffled = list(dets)
    random.Random(5).shuffle(shuffled)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = join_reference(shuffled, net, refs, cfg)  # type: ignore[arg-type]
    assert [(e.id, {a.detection.id for a in e.arrivals}) for e in again.events] == [(ev.id, got)]


def test_a_reference_event_far_from_the_detections_takes_nothing(
    scene: tuple[object, list[Detection]], tmp_path: Path
) -> None:
    net, dets = scene
    # a reference event in Chile at the same time: its predicted arrivals do not fit
    wrong = SyntheticEvent(TELE.time, -30.9, -68.7, 60.0)
    refs = read_reference(str(_quakeml(tmp_path / "reb.xml", [wrong])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = join_reference(dets, net, refs, AssociationConfig())  # type: ignore[arg-type]
    assert res.events == [] and len(res.remaining) == len(dets)


def test_windowed_runs_keep_the_reference_identity_and_origin(
    scene: tuple[object, list[Detection]], tmp_path: Path
) -> None:
    net, dets = scene
    ref = _quakeml(tmp_path / "reb.xml", [TELE])
    base = ProcessConfig()
    cfg = dataclasses.replace(
        base, association=dataclasses.replace(base.association, reference=str(ref))
    )
    results = []
    for window in (3600.0, 600.0):  # one window, then six short ones
        c = dataclasses.replace(cfg, runner=dataclasses.replace(cfg.runner, window=window))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append(build_bulletin(dets, net, c).bulletin)  # type: ignore[arg-type]
    for bulletin in results:
        refs = [e for e in bulletin if e.id.startswith("IDC-")]
        assert len(refs) == 1
        o = refs[0].origin
        assert o.method == REFERENCE_METHOD  # not relocated
        assert abs(o.time - (TELE.time + REF_SHIFT[2])) < 1e-3
        assert o.provenance is not None and o.provenance.author == "IDC"
        assert len(bulletin) == 2  # and the regional event; no false or split event
    assert {a.detection.id for e in results[0] for a in e.arrivals if e.id.startswith("IDC-")} == {
        a.detection.id for e in results[1] for a in e.arrivals if e.id.startswith("IDC-")
    }


def test_quakeml_and_ims_readers_agree(tmp_path: Path) -> None:
    q = read_reference(str(_quakeml(tmp_path / "reb.xml", [TELE, LOCAL])))
    assert [e.id for e in q] == ["IDC-20240000", "IDC-20240001"]
    assert q[0].origin.ellipse is not None and q[0].origin.ellipse.semi_major_km == 21.5
    # the same events written in IMS1.0 by the bulletin stage's writer, read by ObsPy's
    ims = tmp_path / "reb.ims"
    write_ims(Bulletin(tuple(q), name="REB"), ims, agency="IDC")
    r = read_reference(str(ims))
    assert len(r) == 2
    for a, b in zip(q, r, strict=True):
        assert abs(a.origin.time - b.origin.time) < 0.01
        assert abs(a.origin.latitude - b.origin.latitude) < 1e-3
        assert b.origin.provenance is not None and b.origin.provenance.author == "IDC"
        assert b.id.startswith("IDC-")


def test_bad_reference_input_gives_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReferenceBulletinError, match="no such file"):
        read_reference(str(tmp_path / "missing.xml"))
    junk = tmp_path / "junk.xml"
    junk.write_text("this is not a bulletin\n")
    with pytest.raises(ReferenceBulletinError, match=r"not a QuakeML or IMS1\.0"):
        read_reference(str(junk))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ReferenceBulletinError, match="no FDSN service"):
        read_reference(f"http://127.0.0.1:{port}")
    assert reference_event_id("IDC", "", T0) == "IDC-20240301T000000"


def test_cli_reports_an_unreadable_reference_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "dets.csv"
    table.write_text("time,network,station,channel,phase\n2024-03-01T00:00:00Z,KZ,MKAR,cb,P\n")
    db = f"sqlite:///{tmp_path / 'b.db'}"
    missing = str(tmp_path / "nope.xml")
    args = ["--detections", str(table), "--inventory", "kz", "--db", db, "--reference", missing]
    code = main(["locate", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and "nope.xml" in err[0] and "no such file" in err[0]


@pytest.fixture
def fdsn_url(tmp_path: Path) -> Iterator[str]:
    from openndc.services.app import create_app

    refs = read_reference(str(_quakeml(tmp_path / "reb.xml", [TELE])))
    db = f"sqlite:///{tmp_path / 'reb.db'}"
    with BulletinStore(db) as store:
        store.store(Bulletin(tuple(refs), name="REB"))
    (tmp_path / "sds").mkdir()
    app = create_app(db, tmp_path / "sds", "kz", workspace=False)
    with LiveServer(app) as server:
        yield server.url


def test_fdsn_event_service_as_reference(
    fdsn_url: str, scene: tuple[object, list[Detection]]
) -> None:
    net, dets = scene
    refs = read_reference(fdsn_url, T0, T0 + 3600.0)
    assert len(refs) == 1
    assert abs(refs[0].origin.time - (TELE.time + REF_SHIFT[2])) < 1e-3
    # the same identity and agency as read from the QuakeML file the service was fed with
    assert refs[0].id == "IDC-20240000"
    assert refs[0].origin.provenance is not None and refs[0].origin.provenance.author == "IDC"
    assert read_reference(fdsn_url + "/fdsnws/event/1/query", T0 + 3600, T0 + 7200) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = join_reference(dets, net, refs, AssociationConfig())  # type: ignore[arg-type]
    assert len(res.events) == 1
    assert {a.detection.id for a in res.events[0].arrivals} == {
        d.id for d in dets if d.id.startswith("ev0")
    }


#: The IDC analysts' LocSAT origin of the 2006-10-09 DPRK test (DPRK_test.origin).
DPRK2006 = (UTCDateTime(1160357727.5751), 41.3119, 129.0189)


def test_idc_dprk2006_arrivals_join_the_reference_origin(shared_data: Path) -> None:
    """The IDC's own 24 detections of the 2006 DPRK test and its reviewed origin as the
    reference: the detections join it (no relocation), no other event is made."""
    dets = read_arrival_table(shared_data / "idc_css_samples/geotool_dprk2006/DPRK_test.arrival")
    net = read_ims_network(
        shared_data / "ims_site_tables/ims.site", DPRK2006[0], {d.station for d in dets}
    )
    cat = Catalog()
    o = QOrigin(time=DPRK2006[0], latitude=DPRK2006[1], longitude=DPRK2006[2], depth=0.0,
                creation_info=CreationInfo(agency_id="IDC"))  # fmt: skip
    qe = QEvent(resource_id="smi:test/reb/dprk2006", origins=[o])
    qe.preferred_origin_id = o.resource_id
    cat.append(qe)
    from openndc.association.reference import catalog_to_events

    refs = catalog_to_events(cat, "DPRK_test.origin")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # INK and FITZ are not in the IMS site table
        res = associate(dets, net, AssociationConfig(), reference=refs)
    assert [e.id for e in res.events] == ["IDC-dprk2006"]
    ev = res.events[0]
    assert ev.origin.time == DPRK2006[0] and ev.origin.latitude == DPRK2006[1]
    stations = {a.detection.station for a in ev.arrivals}
    assert len(stations) >= 16  # of the analysts' 22 (20 in the site table)
    first = [a for a in ev.arrivals if a.phase in ("Pn", "P")]
    assert all(abs(a.time_residual) < 2.0 for a in first)


def test_slowness_in_s_per_km_is_an_error_not_an_empty_join(
    scene: tuple[object, list[Detection]], tmp_path: Path
) -> None:
    from openndc.model.errors import AssociationError

    net, dets = scene
    per_km = [
        dataclasses.replace(d, slowness=d.slowness / DEG_KM) if d.slowness == d.slowness else d
        for d in dets
    ]
    refs = read_reference(str(_quakeml(tmp_path / "reb.xml", [TELE])))
    with pytest.raises(AssociationError, match="s/km"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        associate(per_km, net, AssociationConfig(), reference=refs)  # type: ignore[arg-type]


@pytest.mark.parametrize("noisy", [False, True])
def test_a_reference_events_t_joins_over_open_water_only(shared_data: Path, noisy: bool) -> None:
    """A reference event off Tohoku, its P at three arrays, and a T at the time sound takes
    to Wake (open Pacific) and to Cape Leeuwin (Indonesia and Australia lie between): Wake's
    joins the reference event, Cape Leeuwin's stays unassociated (before the paths were
    walked both joined). Where Wake detects 60 T an hour (none near the event's), a noise
    detection fits as well often (``hydro_chance``): its T stays unassociated too."""
    seen = dict.fromkeys(("MJAR", "KSRS", "USRK"), True)
    net = read_ims_network(shared_data / "ims_site_tables/ims.site", T0,
                           {"H11N", "H01W", *seen})  # fmt: skip
    ev = SyntheticEvent(T0 + 300.0, 38.1, 142.0, 20.0)
    cat = Catalog()
    o = QOrigin(time=ev.time, latitude=ev.latitude, longitude=ev.longitude,
                depth=ev.depth_km * 1000.0,
                creation_info=CreationInfo(agency_id="IDC"))  # fmt: skip
    qe = QEvent(resource_id="smi:test/reb/tohoku", origins=[o])
    qe.preferred_origin_id = o.resource_id
    cat.append(qe)
    from openndc.association.reference import catalog_to_events

    refs = catalog_to_events(cat, "tohoku.xml")
    sites = {s.code: (s.latitude, s.longitude) for s in net.stations}
    dets = event_p_detections((ev.latitude, ev.longitude, ev.depth_km), ev.time, sites, seen,
                              np.random.default_rng(2))  # fmt: skip
    for code in ("H11N", "H01W"):
        d = float(distance_azimuth(ev.latitude, ev.longitude, *sites[code])[0])
        dets.append(Detection("IM", code, "", "EDH", ev.time + d * DEG_KM / 1.48 + 4.0,
                              phase="T", id=f"t-{code}"))  # fmt: skip
        if noisy and code == "H11N":
            t_t = dets[-1].time
            lags = [60.0 * k + 30.0 - 3600.0 for k in range(120)]
            dets += [Detection("IM", code, "", "EDH", t_t + lag, phase="T", id=f"noise-{k}")
                     for k, lag in enumerate(lags) if abs(lag) > 300.0]  # fmt: skip
    res = associate(sorted(dets, key=lambda x: x.time), net, AssociationConfig(), reference=refs)
    assert [e.id for e in res.events] == ["IDC-tohoku"]
    phases = {a.detection.id: a.phase for a in res.events[0].arrivals}
    if noisy:
        assert set(phases) == {"ev-MJAR", "ev-KSRS", "ev-USRK"}
        assert {"t-H11N", "t-H01W"} <= {x.id for x in res.unassociated}
        return
    assert set(phases) == {"ev-MJAR", "ev-KSRS", "ev-USRK", "t-H11N"}
    assert phases["t-H11N"] == "T"
    assert [x.id for x in res.unassociated] == ["t-H01W"]
