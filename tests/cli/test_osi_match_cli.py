"""``openndc osi templates`` and ``openndc osi detect`` end to end on a synthetic archive:
a template event and two weaker repeats of it (same waveforms, known times and amplitudes)
in Gaussian noise on four stations; the detections CSV must hold exactly the three."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime
from obspy.core.event import Catalog, Event, Magnitude, Origin, Pick, WaveformStreamID
from scipy.signal import butter, sosfiltfilt

from openndc.archive import SDSArchive
from openndc.cli.main import main
from openndc.inventory.stationxml import write_stationxml
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station
from openndc.osi.matching import read_detections_csv

T0 = UTCDateTime("2024-03-01T00:00:00")
RATE = 100.0
DURATION = 1800.0
STATIONS = ("S01", "S02", "S03", "S04")
MOVEOUT = (1.2, 2.0, 2.7, 3.5)  # [s] P travel times of the cluster to the stations
EVENTS = ((300.0, 1.0), (900.0, 0.5), (1500.0, 0.2))  # (origin - T0 [s], amplitude)


def _wavelet(rng: np.random.Generator, n: int) -> np.ndarray:
    sos = butter(4, [3.0, 12.0], "band", fs=RATE, output="sos")
    x = sosfiltfilt(sos, rng.standard_normal(n))
    t = np.arange(n) / RATE
    return x * np.exp(-t / 1.5) * (1 - np.exp(-t / 0.05)) / np.abs(x).max()


def _archive(root: Path) -> None:
    rng = np.random.default_rng(18)
    n = int(DURATION * RATE)
    st = Stream()
    for sta, tt in zip(STATIONS, MOVEOUT, strict=True):
        x = rng.standard_normal(n)
        w = _wavelet(rng, int(6 * RATE))
        for t_rel, amp in EVENTS:
            i = round((t_rel + tt) * RATE)
            x[i : i + w.size] += 40.0 * amp * w
        hdr = {"network": "XX", "station": sta, "channel": "HHZ", "sampling_rate": RATE}
        st.append(Trace((100 * x).astype(np.int32), header={**hdr, "starttime": T0}))
    SDSArchive(root).write(st)


def _inventory(path: Path) -> None:
    chans = (ChannelInfo("HHZ", "", RATE),)
    stations = tuple(
        Station("XX", s, 50.0 + 0.05 * k, 78.0 + 0.05 * k, 300.0, chans)
        for k, s in enumerate(STATIONS)
    )
    write_stationxml(MonitoringNetwork("XX", stations), path)


def _catalog(path: Path) -> None:
    ot = T0 + EVENTS[0][0]
    ev = Event(resource_id="smi:test/template-event")
    ev.origins.append(Origin(time=ot, latitude=50.1, longitude=78.1, depth=1000.0))
    ev.magnitudes.append(Magnitude(mag=1.0, magnitude_type="ML"))
    for sta, tt in zip(STATIONS, MOVEOUT, strict=True):
        wid = WaveformStreamID("XX", sta, "", "HHZ")
        ev.picks.append(Pick(time=ot + tt, phase_hint="P", waveform_id=wid))
    Catalog([ev]).write(str(path), format="QUAKEML")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("osi")
    _archive(root / "sds")
    _inventory(root / "net.xml")
    _catalog(root / "cat.xml")
    return root


@pytest.fixture(scope="module")
def templates(setup: Path) -> Path:
    """``openndc osi templates`` run once on the setup (each test that needs the templates
    has them, whichever worker runs it)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(
            [
                "osi",
                "templates",
                "--catalog",
                str(setup / "cat.xml"),
                "--archive",
                str(setup / "sds"),
                "--inventory",
                str(setup / "net.xml"),
                "--out",
                str(setup / "tpl"),
            ]
        )
    assert rc == 0, err.getvalue()
    return setup / "tpl"


def test_templates_then_detect(
    setup: Path, templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = setup
    names = sorted(p.name for p in templates.iterdir())
    assert names == ["20240301T000500.0.json", "20240301T000500.0.ms", "20240301T000500.0.xml"]
    out = root / "dets.csv"
    rc = main(
        [
            "osi",
            "detect",
            "--templates",
            str(templates),
            "--archive",
            str(root / "sds"),
            "--inventory",
            str(root / "net.xml"),
            "--start",
            str(T0)[:19],
            "--end",
            str(T0 + DURATION)[:19],
            "--out",
            str(out),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    dets = read_detections_csv(out)
    assert len(dets) == len(EVENTS), [(str(d.origin_time), d.network_correlation) for d in dets]
    for d, (t_rel, amp) in zip(dets, EVENTS, strict=True):
        assert abs(d.origin_time - (T0 + t_rel)) <= 0.02
        assert d.n_channels == len(STATIONS)
        assert d.relative_magnitude is not None
        # the noise adds to the weak repeats' amplitude: within 0.15 magnitude units
        assert d.relative_magnitude == pytest.approx(1.0 + math.log10(amp), abs=0.15)
        assert len(d.picks) == len(STATIONS)
        for pick, tt in zip(sorted(d.picks, key=lambda p: p.seed_id), MOVEOUT, strict=True):
            assert abs(pick.time - (T0 + t_rel + tt)) <= 0.02
    assert dets[0].mean_correlation == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2024-03-01T00:30:00", "--end", "2024-03-01T00:00:00"], "swap them"),
        (["--templates", "NOPE"], "does not exist"),
    ],
)
def test_detect_bad_input_one_line(
    setup: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    base = {
        "--templates": str(setup / "tpl_missing"),
        "--archive": str(setup / "sds"),
        "--inventory": str(setup / "net.xml"),
        "--start": "2024-03-01T00:00:00",
        "--end": "2024-03-01T00:10:00",
        "--out": str(setup / "x.csv"),
    }
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = str(setup / v) if k == "--templates" else v
    argv = ["osi", "detect"] + [x for kv in base.items() for x in kv]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_detect_config_table(
    setup: Path, templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "osi",
        "detect",
        "--templates",
        str(templates),
        "--archive",
        str(setup / "sds"),
        "--inventory",
        str(setup / "net.xml"),
        "--start",
        "2024-03-01T00:00:00",
        "--end",
        "2024-03-01T00:20:00",
        "--out",
        str(setup / "cfg.csv"),
    ]
    strict = setup / "strict.toml"
    strict.write_text("[match]\nthreshold_type = 'absolute'\nthreshold = 4.5\n")
    assert main([*base, "--config", str(strict)]) == 0
    # a network correlation of 4 channels cannot reach 4.5: the table was applied
    assert read_detections_csv(setup / "cfg.csv") == []
    assert main([*base]) == 0
    assert [round(d.origin_time - T0) for d in read_detections_csv(setup / "cfg.csv")] == [300, 900]
    bad = setup / "bad.toml"
    bad.write_text("[match]\nthreshhold = 3\n")
    assert main([*base, "--config", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert "threshhold" in err and len(err.splitlines()) == 1
