"""The synthesized archive, its truth, onsets, array moveout and magnitudes."""

from __future__ import annotations

import glob
import math

import numpy as np
import obspy
import pandas as pd
import pytest
from obspy import UTCDateTime
from obspy.taup import TauPyModel

from openndc.archive import SDSArchive
from openndc.detection.stage import detect
from openndc.inventory import read_inventory
from openndc.magnitude.calibration import mb_from_amplitude, ml_from_amplitude
from openndc.model.errors import ScenarioError
from openndc.model.event import EVENT_COLUMNS
from openndc.model.geodesy import DEG_KM
from openndc.model.inventory import MonitoringNetwork
from openndc.scenario import (
    TRUTH_ARRIVAL_COLUMNS,
    ScenarioConfig,
    ScenarioTruth,
    make_scenario,
    read_truth_arrivals,
)

from .conftest import EVENTS, START, out_dir, small_network


def test_archive_reads_back_with_obspy(scenario_noisy: ScenarioTruth) -> None:
    files = sorted(glob.glob(str(out_dir(scenario_noisy) / "sds" / "*" / "*" / "*" / "*" / "*")))
    assert len(files) == small_network().n_channels
    st = obspy.read(files[0])
    tr = st[0]
    assert tr.stats.starttime == START
    assert tr.stats.npts == round(1200 * tr.stats.sampling_rate)
    assert tr.data.dtype == np.int32
    assert np.std(tr.data) > 0
    inv = obspy.read_inventory(str(out_dir(scenario_noisy) / "inventory.xml"))
    assert len(inv.get_contents()["channels"]) == small_network().n_channels
    resp = inv[0][0][0].response
    assert resp.instrument_sensitivity.value > 0


def test_truth_files(scenario_noisy: ScenarioTruth) -> None:
    d = out_dir(scenario_noisy)
    truth = pd.read_csv(d / "truth.csv")
    assert list(truth.columns) == [c.name for c in EVENT_COLUMNS]
    assert list(truth["event_id"]) == ["reg", "tele"]
    assert truth.loc[0, "ML"] == pytest.approx(4.3)
    cat = obspy.read_events(str(d / "truth.xml"))
    assert len(cat) == 2
    assert cat[1].preferred_origin().depth == pytest.approx(30000.0)
    arr = read_truth_arrivals(d / "truth_arrivals.csv")
    assert list(arr.columns) == list(TRUTH_ARRIVAL_COLUMNS)
    assert set(arr["station"]) >= {"AKTO", "MAKZ", "MKAR"}
    assert {"Pn", "Lg", "P"} <= set(arr["phase"])
    ev = scenario_noisy.events[0]
    assert ev.magnitude("ML") is not None and ev.arrivals


def test_first_p_and_s_match_taup(scenario_noisy: ScenarioTruth) -> None:
    model = TauPyModel("ak135")
    arr = scenario_noisy.arrivals
    by_id = {e.id: e for e in EVENTS}
    checked = 0
    for _, row in arr.iterrows():
        if row["phase"] not in ("Pn", "P", "Sn", "S"):
            continue
        ev = by_id[row["event_id"]]
        phases = ["p", "P", "Pn", "Pdiff"] if row["phase"].startswith("P") else ["s", "S", "Sn"]
        tp = model.get_travel_times(ev.depth_km, row["distance"], phase_list=phases)
        expected = ev.time + min(a.time for a in tp)
        assert abs(UTCDateTime(row["time"]) - expected) < 1.0 / 40.0, row.to_dict()
        checked += 1
    assert checked >= 6


def test_onsets_in_waveform_at_truth_time(scenario_clean: ScenarioTruth) -> None:
    arc = SDSArchive(out_dir(scenario_clean) / "sds")
    arr = scenario_clean.arrivals
    for sta in ("AKTO", "MAKZ"):
        row = arr[(arr.station == sta) & (arr.event_id == "reg")].iloc[0]
        t = UTCDateTime(row["time"])
        tr = arc.read(t - 20, t + 5, station=sta, channel="BHZ").stream[0]
        x = np.abs(tr.data.astype(float))
        first = int(np.flatnonzero(x > 0.01 * x.max())[0])
        onset = tr.stats.starttime + first / tr.stats.sampling_rate
        assert abs(onset - t) <= 1.0 / tr.stats.sampling_rate + 1e-6, (sta, onset, t)


def test_array_moveout_matches_slowness(scenario_clean: ScenarioTruth) -> None:
    net = small_network()
    mkar = net.array("MKAR")
    arr = scenario_clean.arrivals
    row = arr[(arr.station == "MKAR") & (arr.event_id == "tele")].iloc[0]
    t = UTCDateTime(row["time"])
    arc = SDSArchive(out_dir(scenario_clean) / "sds")
    a, b = "MK07", "MK09"
    xa = arc.read(t - 10, t + 20, station=a, channel="SHZ").stream[0]
    xb = arc.read(t - 10, t + 20, station=b, channel="SHZ").stream[0]
    fs = xa.stats.sampling_rate
    ya, yb = xa.data.astype(float), xb.data.astype(float)
    cc = np.correlate(yb, ya, mode="full")
    lag = (int(np.argmax(cc)) - (len(ya) - 1)) / fs  # b later than a by lag [s]
    baz = math.radians(row["backazimuth"])
    s = row["slowness"] / DEG_KM  # [s/km]
    (ea, na), (eb, nb) = mkar.offsets_km((a, b))
    expected = -s * ((eb - ea) * math.sin(baz) + (nb - na) * math.cos(baz))
    assert abs(expected) > 1.5 / fs  # the test can see the moveout
    assert abs(lag - expected) <= 1.0 / fs


def _single_station_net(net: MonitoringNetwork) -> MonitoringNetwork:
    return MonitoringNetwork("3c", tuple(s for s in net.stations if s.array is None), ())


def test_detection_stage_measures_input_magnitudes(scenario_noisy: ScenarioTruth) -> None:
    d = out_dir(scenario_noisy)
    inv = _single_station_net(read_inventory(d / "inventory.xml"))
    stream = SDSArchive(d / "sds").read(START, START + 1200, station="AKTO,MAKZ").stream
    dets = detect(stream, inv).detections
    arr = scenario_noisy.arrivals
    reg, tele = EVENTS
    ml_res, mb_res = [], []
    for sta in ("AKTO", "MAKZ"):
        mine = [x for x in dets if x.station == sta]
        rows = arr[(arr.station == sta)]
        p_reg = rows[(rows.event_id == "reg") & (rows.group == "P")].iloc[0]
        hypo = math.hypot(p_reg["distance"] * DEG_KM, reg.depth_km)
        if hypo <= 1000.0:
            t0 = UTCDateTime(p_reg["time"])
            wa = [x.amplitude_wa for x in mine if t0 - 2 <= x.time < t0 + 150]
            wa = [w for w in wa if math.isfinite(w)]
            assert wa, sta
            ml_res.append(float(ml_from_amplitude(max(wa), hypo)) - reg.ml)
        p_tele = rows[(rows.event_id == "tele") & (rows.group == "P")].iloc[0]
        t1 = UTCDateTime(p_tele["time"])
        near = [x for x in mine if abs(x.time - t1) < 2.0]
        assert near, sta
        x = near[0]
        assert x.amplitude_unit == "nm"
        mb = float(mb_from_amplitude(x.amplitude, x.period, p_tele["distance"], tele.depth_km))
        mb_res.append(mb - tele.mb)
    assert ml_res and mb_res
    assert all(abs(r) <= 0.3 for r in ml_res), ml_res
    assert all(abs(r) <= 0.3 for r in mb_res), mb_res


def test_deterministic_from_seed(tmp_path: pytest.TempPathFactory) -> None:
    net = MonitoringNetwork("one", tuple(s for s in small_network().stations if s.code == "AKTO"))
    cfg = ScenarioConfig(workers=1)
    outs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        make_scenario(net, START, 120.0, seed, tmp_path / name, events=EVENTS[:1], config=cfg)  # type: ignore[operator]
        st = obspy.read(str(tmp_path / name / "sds" / "*" / "*" / "*" / "*" / "*"))  # type: ignore[operator]
        st.sort()
        outs.append(np.concatenate([tr.data for tr in st]))
    assert np.array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_refuses_to_overwrite(
    tmp_path: pytest.TempPathFactory, scenario_noisy: ScenarioTruth
) -> None:
    with pytest.raises(ScenarioError, match="already holds data"):
        make_scenario(small_network(), START, 60.0, 1, out_dir(scenario_noisy), events=[])
