"""Fuzz targets: every reader of outside input, fed mutated copies of valid files.

Each target takes bytes, writes them to a file and calls the reader as the CLI does. The
outcome is one of:

- ``accepted``: the reader returned (what was bad was skipped and reported as warnings);
- ``rejected``: it raised an :class:`~openndc.model.errors.OpenNDCError` (or argparse's
  usage exit) whose message names the input;
- ``crash``: anything else (a traceback for the user), or a rejection that does not name
  the input, or a traceback printed to stderr by a library callback.

Seeds are generated in code (small valid files of each format); mutations flip, overwrite,
insert and delete bytes or truncate, as drawn by hypothesis. ``tests/fuzz`` runs a bounded
number of cases per target, ``benchmarks/fuzz_readers.py`` thousands.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from obspy import Trace, UTCDateTime

from openndc.model.errors import OpenNDCError

__all__ = [
    "ARGV_TEMPLATES",
    "SEEDS",
    "TARGETS",
    "Outcome",
    "mutate",
    "mutate_tokens",
    "run_argv",
    "run_case",
    "template_argv",
]

Outcome = str  # "accepted" | "rejected" | "crash"


@dataclass(frozen=True)
class Target:
    name: str
    suffix: str
    seed: Callable[[], bytes]
    read: Callable[[Path], object]


def _mseed_seed() -> bytes:
    rng = np.random.default_rng(0)
    tr = Trace(
        np.cumsum(rng.integers(-100, 100, 2000)).astype(np.int32),
        header={"network": "XX", "station": "AAA", "channel": "BHZ", "sampling_rate": 20.0},
    )
    tr.stats.starttime = UTCDateTime(2020, 1, 1)
    buf = io.BytesIO()
    tr.write(buf, format="MSEED", reclen=512, encoding="STEIM2")
    return buf.getvalue()


def _sac_seed() -> bytes:
    from obspy.io.sac import SACTrace

    sac = SACTrace(
        data=np.sin(np.arange(500) / 5.0).astype("f4"),
        delta=0.05, nzyear=2020, nzjday=5, nzhour=1, nzmin=2, nzsec=3, nzmsec=0, b=0.0,
        kstnm="AB", kcmpnm="BHZ", knetwk="XX", stla=43.0, stlo=77.0, stel=800.0,
    )  # fmt: skip
    buf = io.BytesIO()
    sac.write(buf)
    return buf.getvalue()


def _stationxml_seed() -> bytes:
    from openndc.inventory import read_inventory
    from openndc.inventory.stationxml import to_obspy_inventory
    from openndc.model.inventory import MonitoringNetwork

    kz = read_inventory("kz")
    small = MonitoringNetwork(stations=tuple(kz.stations[:3]), name="fuzz")
    buf = io.BytesIO()
    to_obspy_inventory(small).write(buf, format="STATIONXML")
    return buf.getvalue()


def _site_line(sta: str, lat: float, lon: float, statype: str, ref: str, dn: float) -> str:
    return (
        f"{sta:<6} {2000001:>8} {-1:>8} {lat:>11.5f} {lon:>11.5f} {0.1:>9.4f} "
        f"{'Test':<50} {statype:<4} {ref:<6} {dn:>9.4f} {0.0:>9.4f} {'16-MAR-16':<17}"
    )


def _css_seed() -> bytes:
    lines = [
        _site_line("XAR", 10.0, 20.0, "ar", "XAR", 0.0),
        _site_line("XA1", 10.0, 20.0, "ss", "XAR", 0.0),
        _site_line("XA2", 10.01, 20.0, "ss", "XAR", 1.112),
        _site_line("SOLO", 40.0, 70.0, "ss", "SOLO", 0.0),
    ]
    return ("\n".join(lines) + "\n").encode()


def _sitechan_seed() -> bytes:
    def line(sta: str, chan: str, chanid: int, hang: float, vang: float) -> str:
        return (
            f"{sta:<6} {chan:<8} {2000001:>8} {chanid:>8} {-1:>8} {'n':<4} {0.0:>9.4f} "
            f"{hang:>6.1f} {vang:>6.1f} {'x':<50} {'16-MAR-16':<17}"
        )

    lines = [
        line("XA1", "SHZ", 1, -1.0, 0.0),
        line("XA2", "SHZ", 2, -1.0, 0.0),
        line("SOLO", "BHZ", 3, -1.0, 0.0),
        line("SOLO", "BHN", 4, 0.0, 90.0),
        line("SOLO", "BHE", 5, 90.0, 90.0),
    ]
    return ("\n".join(lines) + "\n").encode()


def _config_seed() -> bytes:
    """The pipeline configuration template (every table and key, commented)."""
    from openndc.model.config import template
    from openndc.pipeline.process import ProcessConfig

    return template(ProcessConfig).encode()


def _bulletin_seed(fmt: str) -> Callable[[], bytes]:
    def make() -> bytes:
        from openndc.bulletin import write_bulletin
        from tests.bulletin.conftest import make_bulletin

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"b.{fmt}"
            write_bulletin(
                make_bulletin(2), path, {"xml": "quakeml", "ims": "ims1.0"}.get(fmt, fmt)
            )
            return path.read_bytes()

    return make


def _detections_seed() -> bytes:
    return (
        b"network,station,location,channel,time,time_uncertainty,phase,snr,amplitude,"
        b"amplitude_unit,period,backazimuth,slowness,method,id\n"
        b"KZ,MKAR,,BHZ,2020-01-01T00:00:01.000000Z,0.5,P,12.0,3.2,nm,0.8,120,12.1,beam,a1\n"
        b"KZ,BVAR,,BHZ,2020-01-01T00:01:11.250000Z,0.8,S,5.0,,,,,,stalta,a2\n"
        b"KZ,KURK,,BHZ,2020-01-01T00:00:31.500000Z,0.3,Pn,8.5,1.1,nm,1.0,,,3c,a3\n"
    )


def _import(path: Path) -> object:
    from openndc.archive import SDSArchive, import_waveforms

    out = path.parent / "out"
    return import_waveforms(path, SDSArchive(out / "sds"), inventory_out=out / "st.xml")


def _inventory(path: Path) -> object:
    from openndc.inventory import read_inventory

    return read_inventory(path)


def _css(path: Path) -> object:
    from openndc.inventory import read_inventory

    return read_inventory(path, at=UTCDateTime(2005, 1, 1))


def _sitechan(path: Path) -> object:
    """The sitechan table beside a valid site table of the same stem."""
    from openndc.inventory import read_inventory

    path.with_suffix(".site").write_bytes(_css_seed())
    return read_inventory(path.with_suffix(".site"), at=UTCDateTime(2005, 1, 1))


def _config(path: Path) -> object:
    from openndc.cli._common import load_process_config

    return load_process_config(path)


def _bulletin(path: Path) -> object:
    from openndc.bulletin import read_bulletin

    return read_bulletin(path)


def _detections(path: Path) -> object:
    from openndc.io.tables import frame_to_detections, read_detections

    return frame_to_detections(read_detections(path), str(path))


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("mseed_import", ".mseed", _mseed_seed, _import),
        Target("sac_import", ".sac", _sac_seed, _import),
        Target("stationxml", ".xml", _stationxml_seed, _inventory),
        Target("css_site", ".site", _css_seed, _css),
        Target("css_sitechan", ".sitechan", _sitechan_seed, _sitechan),
        Target("config_toml", ".toml", _config_seed, _config),
        Target("ims1.0", ".ims", _bulletin_seed("ims"), _bulletin),
        Target("quakeml", ".xml", _bulletin_seed("xml"), _bulletin),
        Target("bulletin_csv", ".csv", _bulletin_seed("csv"), _bulletin),
        Target("detections_csv", ".csv", _detections_seed, _detections),
    )
}
SEEDS: dict[str, bytes] = {}


def seed(name: str) -> bytes:
    if name not in SEEDS:
        SEEDS[name] = TARGETS[name].seed()
    return SEEDS[name]


def mutate(data: bytes, edits: list[tuple[int, int, int]], cut: float | None) -> bytes:
    """Apply ``(kind, position, value)`` edits: 0 flip bits, 1 overwrite, 2 insert, 3 delete
    (a run of ``value % 64`` bytes), 4 copy a slice elsewhere; then cut to ``cut`` of the
    length."""
    buf = bytearray(data)
    for kind, pos, value in edits:
        if not buf:
            break
        i = pos % len(buf)
        if kind == 0:
            buf[i] ^= (value % 255) + 1
        elif kind == 1:
            buf[i] = value % 256
        elif kind == 2:
            buf[i:i] = bytes([value % 256])
        elif kind == 3:
            del buf[i : i + value % 64 + 1]
        else:
            j = value % len(buf)
            buf[j:j] = buf[i : i + 64]
    if cut is not None:
        buf = buf[: int(len(buf) * cut)]
    return bytes(buf)


#: Values a token mutation puts in place of a number of the file.
INTERESTING = (
    "999", "-999", "9999", "-1", "0", "95", "361", "1e308", "-1e308", "nan", "inf", "",
    "abc", "2147483648", "99999999999999999999", "0.0000001", "2999", "1899", "13", "60",
    "-0", "1e-320", "\u00e9", "\x00", "12:99:99", "2016-13-45",
)  # fmt: skip
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?")


def mutate_tokens(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Replace numbers of a text file by :data:`INTERESTING` values (impossible latitudes,
    huge, negative, NaN, text), as a user's typo or a hostile file would."""
    spans = [m.span() for m in _NUMBER.finditer(data)]
    if not spans:
        return data
    chosen: dict[int, bytes] = {}
    for _, pos, value in edits:
        chosen[pos % len(spans)] = INTERESTING[value % len(INTERESTING)].encode()
    out = bytearray()
    last = 0
    for k, (a, b) in enumerate(spans):
        if k in chosen:
            out += data[last:a] + chosen[k]
            last = b
    out += data[last:]
    return bytes(out)


def run_case(name: str, data: bytes, workdir: Path) -> tuple[Outcome, str]:
    """Run target ``name`` on ``data``; returns the outcome and a short description."""
    target = TARGETS[name]
    case = Path(tempfile.mkdtemp(dir=workdir))
    path = case / f"input{target.suffix}"
    path.write_bytes(data)
    err = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(err), _hooked(err):
            warnings.simplefilter("ignore")
            target.read(path)
        outcome, what = "accepted", ""
    except OpenNDCError as exc:
        named = str(path) in str(exc) or path.name in str(exc) or str(case) in str(exc)
        outcome, what = ("rejected", str(exc)) if named else ("crash", f"unnamed: {exc}")
    except Exception as exc:  # the crash the campaign looks for
        outcome, what = "crash", f"{type(exc).__name__}: {exc}"
    printed = err.getvalue()
    if outcome != "crash" and ("Traceback" in printed or "Exception ignored" in printed):
        outcome, what = "crash", "traceback printed: " + printed.strip().splitlines()[-1]
    return outcome, what[:300]


@contextlib.contextmanager
def _hooked(err: io.StringIO) -> Iterator[None]:
    """Send unraisable exceptions (ctypes callbacks) to ``err`` instead of the terminal."""
    previous = sys.unraisablehook

    def hook(info: sys.UnraisableHookArgs) -> None:
        err.write(f"Exception ignored: {info.exc_value!r}\n")

    sys.unraisablehook = hook
    try:
        yield None
    finally:
        sys.unraisablehook = previous


#: Words and values the argument fuzzer combines.
CLI_WORDS = (
    "detect", "process", "scenario", "make", "exercise", "score", "archive", "import", "list",
    "check", "bulletin", "export", "compare", "stations", "config", "template", "locate",
    "--start", "--end", "--duration", "--seed", "--out", "--archive", "--inventory", "--db",
    "--chunk", "--workers", "--network", "--format", "--time-tolerance", "--plot", "--help",
    "2016-01-06", "2016-13-45", "yesterday", "-1", "0", "1e308", "nan", "inf", "24h", "-5m",
    "1.5", "kz", "blah", "sqlite:///", "", " ", "\x00", "é", "--", "-", "ims1.0", "csv",
)  # fmt: skip


#: Valid command lines; the fuzzer replaces some of their words.
ARGV_TEMPLATES: tuple[tuple[str, ...], ...] = (
    ("detect", "--archive", "sds", "--inventory", "kz", "--start", "2016-01-06", "--end",
     "2016-01-07", "--out", "d.csv", "--chunk", "3600", "--workers", "2"),
    ("scenario", "make", "--network", "kz", "--start", "2024-01-01", "--duration", "24h",
     "--seed", "7", "--out", "scn", "--sampling-rate", "40"),
    ("exercise", "make", "--start", "2024-01-01", "--duration", "10m", "--seed", "3", "--out",
     "ex"),
    ("exercise", "score", "b.xml", "--truth", "t.csv", "--time-tolerance", "10",
     "--distance-tolerance", "100", "--start", "2024-01-01", "--end", "2024-01-02"),
    ("archive", "list", "--archive", "sds", "--start", "2016-01-06", "--end", "2016-01-07"),
    ("archive", "import", "in", "--archive", "sds", "--on-conflict", "keep"),
    ("bulletin", "export", "--db", "b.db", "--format", "ims1.0", "--out", "b.txt", "--start",
     "2016-01-06"),
    ("bulletin", "compare", "a.xml", "b.xml", "--time-tolerance", "5"),
    ("stations", "--inventory", "kz", "--at", "2016-01-06"),
    ("process", "--archive", "sds", "--inventory", "kz", "--start", "2016-01-06", "--end",
     "2016-01-07", "--db", "b.db"),
)  # fmt: skip


def template_argv(k: int, edits: list[tuple[int, int]], extra: list[str]) -> list[str]:
    """Template ``k`` with words replaced (``(position, word index)``) and words appended."""
    argv = list(ARGV_TEMPLATES[k % len(ARGV_TEMPLATES)])
    for pos, word in edits:
        argv[pos % len(argv)] = CLI_WORDS[word % len(CLI_WORDS)]
    return argv + extra


def run_argv(argv: list[str]) -> tuple[Outcome, str]:
    """Parse ``argv`` with the CLI's parser: a Namespace or a usage error, never a crash."""
    from openndc.cli.main import build_parser

    parser = build_parser()
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            parser.parse_args(argv)
        return "accepted", ""
    except SystemExit as exc:
        if exc.code in (0, 2, None):
            return "rejected", err.getvalue().strip().splitlines()[-1:][0] if err.getvalue() else ""
        return "crash", f"exit {exc.code}"
    except OpenNDCError as exc:  # a type= raised a domain error: main() turns it into usage
        return "rejected", str(exc)
    except (argparse.ArgumentError, Exception) as exc:
        return "crash", f"{type(exc).__name__}: {exc}"
