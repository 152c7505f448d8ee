"""Ordinary mistakes on the command line end in one line and a non-zero exit, before any work.

Each test names an item of issue 11; each failed (traceback, exit 0 or silent result) before.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import SDSArchive
from openndc.cli.main import main
from openndc.model.errors import DataQualityWarning


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    """argparse's usage error: exit status 2, one 'error:' line naming the option."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = next(x for x in err.splitlines() if "error:" in x)
    for needle in needles:
        assert needle in line
    return line


def _one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    """A domain error: exit status 1, exactly one line on stderr."""
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for needle in needles:
        assert needle in err[0]
    return err[0]


def _archive(root: Path, start: UTCDateTime, seconds: int = 600) -> Path:
    tr = Trace(
        np.arange(seconds * 20, dtype=np.int32) % 100,
        header={"network": "XX", "station": "AAA", "channel": "BHZ", "sampling_rate": 20.0},
    )
    tr.stats.starttime = start
    SDSArchive(root).write(Stream([tr]))
    return root


@pytest.mark.parametrize("bad", ["yesterday", "2016-13-45", "2016-02-30T00:00", "99999"])
def test_malformed_times_are_usage_errors(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--inventory", "kz", "--out", str(tmp_path / "d.csv"), "--archive", str(tmp_path)]
    _usage_error(["detect", "--start", bad, "--end", "2016-01-02", *common], capsys, "--start")
    _usage_error(
        ["scenario", "make", "--network", "kz", "--start", bad, "--duration", "1h", "--seed", "1",
         "--out", str(tmp_path / "s")],
        capsys,
        "--start",
    )  # fmt: skip
    # process is another module: its parse_time raises ConfigError, main turns it into usage
    _usage_error(
        ["process", "--archive", "a", "--inventory", "kz", "--start", bad, "--end", "2016-01-02",
         "--db", str(tmp_path / "b.db")],
        capsys,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("option", "value"),
    [("--duration", "-1h"), ("--duration", "0"), ("--duration", "0.001s"), ("--duration", "soon"),
     ("--duration", "1000d"), ("--seed", "-1"), ("--seed", "1.5"), ("--seed", str(2**40))],
)  # fmt: skip
@pytest.mark.parametrize("verb", ["scenario", "exercise"])
def test_bad_duration_and_seed_are_usage_errors(
    verb: str, option: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"--duration": "1h", "--seed": "1", option: value}
    argv = [verb, "make", "--network", "kz", "--start", "2024-01-01", "--out", str(tmp_path / "x")]
    for k, v in args.items():
        argv += [k, v]
    _usage_error(argv, capsys, option)
    assert not (tmp_path / "x").exists()


def test_unwritable_outputs_fail_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    folder = tmp_path / "folder"
    folder.mkdir()
    archive = _archive(tmp_path / "sds", UTCDateTime(2024, 1, 1))
    # detect: --out is a folder; --plot below a file (the archive is fine: work would start)
    window = ["--start", "2024-01-01", "--end", "2024-01-01T00:10", "--inventory", "kz"]
    _one_line_error(
        ["detect", "--archive", str(archive), *window, "--out", str(folder)], capsys, "--out"
    )
    _one_line_error(
        ["detect", "--archive", str(archive), *window, "--out", str(tmp_path / "d.csv"),
         "--plot", str(blocker / "p.png")],
        capsys,
        "--plot",
    )  # fmt: skip
    # scenario make / exercise make: the output folder is below a file
    _one_line_error(
        ["scenario", "make", "--network", "kz", "--start", "2024-01-01", "--duration", "1h",
         "--seed", "1", "--out", str(blocker / "s")],
        capsys,
        "--out",
    )  # fmt: skip
    _one_line_error(
        ["exercise", "make", "--start", "2024-01-01", "--duration", "1h", "--out",
         str(blocker / "e")],
        capsys,
        "--out",
    )  # fmt: skip
    # archive import: --inventory-out below a file; nothing imported
    _one_line_error(
        ["archive", "import", str(archive), "--archive", str(tmp_path / "new"),
         "--inventory-out", str(blocker / "st.xml")],
        capsys,
        "--inventory-out",
    )  # fmt: skip
    assert not (tmp_path / "new").exists()
    # exercise score: --out is a folder, checked before reading the bulletins
    _one_line_error(
        ["exercise", "score", "nonexistent.csv", "--truth", "none.csv", "--out", str(folder)],
        capsys,
        "--out",
    )  # fmt: skip


def test_empty_or_missing_archive_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    window = ["--start", "2024-01-01", "--end", "2024-01-01T01:00", "--inventory", "kz"]
    out = ["--out", str(tmp_path / "d.csv")]
    _one_line_error(
        ["detect", "--archive", str(tmp_path / "nope"), *window, *out], capsys, "does not exist"
    )
    (tmp_path / "empty").mkdir()
    _one_line_error(
        ["detect", "--archive", str(tmp_path / "empty"), *window, *out], capsys, "no SDS"
    )
    archive = _archive(tmp_path / "sds", UTCDateTime(2020, 1, 1))  # data, but not in the window
    _one_line_error(["detect", "--archive", str(archive), *window, *out], capsys, "no waveforms")
    assert not (tmp_path / "d.csv").exists()


def test_database_typos_are_errors_not_new_databases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = ["--format", "csv", "--out", str(tmp_path / "b.csv")]
    for url in ("blah", "sqlite:///", "sqlite:///missing.db", "mysql://x/y"):
        _one_line_error(["bulletin", "export", "--db", url, *out], capsys, "--db")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database file was created
    # an existing database is read as before
    sqlite3.connect(tmp_path / "real.db").close()
    assert main(["bulletin", "export", "--db", "sqlite:///real.db", *out]) == 0


def test_start_after_end_is_an_error_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _archive(tmp_path / "sds", UTCDateTime(2024, 1, 1))
    swapped = ["--start", "2024-01-02", "--end", "2024-01-01"]
    _one_line_error(["archive", "list", "--archive", str(archive), *swapped], capsys, "swap")
    _one_line_error(["archive", "check", "--archive", str(archive), *swapped], capsys, "swap")
    sqlite3.connect(tmp_path / "b.db").close()
    _one_line_error(
        ["bulletin", "export", "--db", str(tmp_path / "b.db"), "--format", "csv",
         "--out", str(tmp_path / "b.csv"), *swapped],
        capsys,
        "swap",
    )  # fmt: skip
    _one_line_error(["exercise", "score", "a.csv", "--truth", "b.csv", *swapped], capsys, "swap")
    _one_line_error(
        ["detect", "--archive", str(archive), "--inventory", "kz", "--out",
         str(tmp_path / "d.csv"), *swapped],
        capsys,
        "swap",
    )  # fmt: skip


def test_century_window_is_refused_with_an_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _archive(tmp_path / "sds", UTCDateTime(2024, 1, 1))
    line = _one_line_error(
        ["detect", "--archive", str(archive), "--inventory", "kz", "--start", "2000-01-01",
         "--end", "2100-01-01", "--out", str(tmp_path / "d.csv")],
        capsys,
        "--yes",
    )  # fmt: skip
    assert "876,600 chunks" in line and "36,525.0 days" in line


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, needle in (
        (["detect", "--help"], "(default: 3600.0)"),
        (["scenario", "make", "--help"], "(default: 40.0)"),
        (["exercise", "score", "--help"], "(default: 100.0)"),
        (["archive", "import", "--help"], "(default: XX)"),
    ):
        with pytest.raises(SystemExit):
            main(argv)
        assert needle in capsys.readouterr().out


def test_dprk_explosion_is_an_option(tmp_path: Path) -> None:
    from openndc.cli.main import build_parser
    from openndc.scenario import ScenarioConfig

    parser = build_parser()
    base = ["make", "--start", "2024-01-01", "--duration", "1h", "--out", str(tmp_path)]
    args = parser.parse_args(["scenario", *base, "--network", "kz", "--seed", "1"])
    assert args.dprk_explosion is False and ScenarioConfig().dprk_explosion is False
    args = parser.parse_args(["exercise", *base, "--dprk-explosion"])
    assert args.dprk_explosion is True


def test_config_template_says_how_filters_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "template"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("corners")]
    assert lines and all("causally" in x and "zero-phase: twice" not in x for x in lines)


def test_archive_import_reports_quarantined_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    tr = Trace(
        np.cumsum(np.random.default_rng(0).integers(-99, 99, 20 * 600)).astype(np.int32),
        header={"network": "XX", "station": "AAA", "channel": "BHZ", "sampling_rate": 20.0},
    )
    tr.stats.starttime = UTCDateTime(2024, 1, 1)
    buf = io.BytesIO()
    tr.write(buf, format="MSEED", reclen=512, encoding="STEIM2")
    raw = bytearray(buf.getvalue())
    raw[3 * 512 + 100 : 3 * 512 + 200] = bytes(100)
    (tmp_path / "in.mseed").write_bytes(bytes(raw[:-100]))  # one corrupt, one truncated
    assert (
        main(["archive", "import", str(tmp_path / "in.mseed"), "--archive", str(tmp_path / "sds")])
        == 0
    )
    out = capsys.readouterr().out
    assert "quarantined" in out and "bytes 1536-2048" in out and "truncated" in out
    assert "2 bad records (924 bytes) were not imported" in out


def test_impossible_detection_band_is_one_line_before_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """sta >= lta reached the STA/LTA kernel's ValueError; now the configuration is refused
    when it is read, naming the file, the band and the fix."""
    archive = _archive(tmp_path / "sds", UTCDateTime(2024, 1, 1))
    config = tmp_path / "bad.toml"
    config.write_text('[detection]\n[[detection.bands]]\nname = "reg"\nsta = 30.0\nlta = 20.0\n')
    out = tmp_path / "d.csv"
    line = _one_line_error(
        ["detect", "--archive", str(archive), "--inventory", "kz", "--start", "2024-01-01",
         "--end", "2024-01-01T00:10", "--out", str(out), "--config", str(config)],
        capsys,
        "bad.toml",
        "band 'reg'",
        "sta < lta",
    )  # fmt: skip
    assert "Traceback" not in line and not out.exists()


def test_bad_css_site_rows_are_named_and_the_rest_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def row(sta: str, lat: float) -> str:
        return (
            f"{sta:<6} {2000001:>8} {-1:>8} {lat:>11.5f} {20.0:>11.5f} {0.1:>9.4f} "
            f"{'Test':<50} {'ss':<4} {sta:<6} {0.0:>9.4f} {0.0:>9.4f} {'16-MAR-16':<17}"
        )

    site = tmp_path / "net.site"
    site.write_text("\n".join([row("GOOD", 10.0), row("BAD", 95.0)]) + "\n")
    with pytest.warns(DataQualityWarning, match=r"net\.site:2: .*latitude 95 deg is outside"):
        assert main(["stations", "--inventory", str(site), "--at", "2005-01-01"]) == 0
    out = capsys.readouterr()
    assert "GOOD" in out.out and "BAD " not in out.out and "Traceback" not in out.err


def test_unreadable_model_catalogue_and_config_files_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text or a list where a number belongs, or bytes that are not UTF-8, in the files of
    ``relocate --model``/``--master`` and ``--config``: tracebacks before."""
    from openndc.bulletin import write_bulletin
    from tests.bulletin.conftest import make_bulletin

    bulletin = tmp_path / "b.ims"
    write_bulletin(make_bulletin(1), bulletin, "ims1.0")
    base = ["relocate", "--bulletin", str(bulletin), "--inventory", "kz",
            "--db", f"sqlite:///{tmp_path / 'r.db'}"]  # fmt: skip
    layers = "tops = [0, 10]\nvp = [6.0, 8.0]\nvs = [3.5, 4.5]\n"
    for name, extra in (("text", 'max_distance_km = "far"\n'), ("list", "max_depth_km = [1]\n")):
        model = tmp_path / f"{name}.toml"
        model.write_text(layers + extra)
        _one_line_error([*base, "--model", str(model)], capsys, f"--model {model}")
    binary = tmp_path / "gt.toml"
    binary.write_bytes(b"\xff\xfe[[event]]\n")
    _one_line_error([*base, "--master", str(binary)], capsys, "gt.toml", "not valid TOML")
    csv_gt = tmp_path / "gt.csv"
    csv_gt.write_bytes(b"id,time\n\xff\xfe,x\n")
    _one_line_error([*base, "--master", str(csv_gt)], capsys, "gt.csv", "not a readable CSV")
    archive = _archive(tmp_path / "sds", UTCDateTime(2024, 1, 1))
    config = tmp_path / "c.toml"
    config.write_bytes(b"[detection]\nwarmup = 1.0 # \xe9\xff\n")
    _one_line_error(
        ["detect", "--archive", str(archive), "--inventory", "kz", "--start", "2024-01-01",
         "--end", "2024-01-01T00:10", "--out", str(tmp_path / "d.csv"), "--config", str(config)],
        capsys,
        "c.toml: cannot read configuration",
    )  # fmt: skip


def test_unreadable_sasc_tables_are_one_line_before_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``[association] sasc`` naming no tables, or a malformed one: one line naming it,
    before any detection is stored (it failed in the first window before)."""
    detections = tmp_path / "d.csv"
    detections.write_text("time,station,network,phase\n2024-01-01T00:00:10,BVAR,KZ,P\n")
    db = tmp_path / "b.db"
    config = tmp_path / "c.toml"
    cases = (
        (tmp_path / "none" / "sasc", "no such directory of SASC files"),
        (tmp_path / "sasc", "sasc.BVAR:2: expected the number of bins"),
    )
    for prefix, expected in cases:
        (tmp_path / "sasc.BVAR").write_text("0 0 0.5\nmany\n")
        config.write_text(f'[association]\nsasc = "{prefix}"\n')
        _one_line_error(
            ["locate", "--detections", str(detections), "--inventory", "kz", "--db",
             f"sqlite:///{db}", "--config", str(config)],
            capsys,
            expected,
        )  # fmt: skip
        assert not db.exists()
