"""Argument types and checks shared by the subcommands.

The ``*_arg`` functions are argparse ``type=`` callables: they raise
:class:`argparse.ArgumentTypeError`, so a malformed value ends in argparse's usage line naming
the option (exit status 2), never a traceback. The ``check_*`` functions run at the start of
a command, before any work: they raise :class:`~openndc.model.errors.ConfigError` (one line,
exit status 1) for a window that ends before it starts, an output that cannot be written, an
archive that holds nothing, a database that does not exist.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from obspy import UTCDateTime

from openndc.model.errors import ConfigError

__all__ = [
    "MAX_CHUNKS_UNASKED",
    "MAX_SEED",
    "check_archive",
    "check_database",
    "check_out_dir",
    "check_out_file",
    "check_window",
    "confirm_window",
    "duration_arg",
    "positive_float",
    "positive_int",
    "seed_arg",
    "time_arg",
]

#: Largest random seed (NumPy's SeedSequence takes non-negative integers; 2**32 - 1 by habit).
MAX_SEED = 2**32 - 1
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_ISO = re.compile(r"\s*\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?Z?\s*")


def time_arg(text: str) -> UTCDateTime:
    """ISO 8601 UTC (``2016-01-06``, ``2016-01-06T01:30:00``, years 1900-2100)."""
    hint = "use ISO 8601 UTC, e.g. 2016-01-06 or 2016-01-06T01:30:00"
    if not _ISO.fullmatch(text):
        raise argparse.ArgumentTypeError(f"cannot read time {text!r}: {hint}")
    try:
        t = UTCDateTime(text.strip())
    except Exception as exc:  # ObsPy raises ValueError/TypeError for impossible dates
        raise argparse.ArgumentTypeError(f"impossible time {text!r} ({exc}): {hint}") from exc
    if not 1900 <= t.year <= 2100:
        raise argparse.ArgumentTypeError(f"time {text!r} is outside the years 1900-2100")
    return t


def duration_arg(min_s: float = 1.0, max_s: float = 366 * 86400.0) -> Callable[[str], float]:
    """A ``type=`` for durations: ``600``, ``600s``, ``10m``, ``1.5h``, ``1d`` → seconds.

    The duration must lie in ``[min_s, max_s]``.
    """

    def parse(text: str) -> float:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(s|m|min|h|d)?\s*", text)
        if not m:
            raise argparse.ArgumentTypeError(
                f"cannot read duration {text!r}: use e.g. 600, 600s, 10m, 24h or 1d"
            )
        seconds = float(m.group(1)) * _UNITS[m.group(2) or ""]
        if not min_s <= seconds <= max_s:
            raise argparse.ArgumentTypeError(
                f"duration {text!r} = {seconds:g} s is outside [{min_s:g} s, {max_s:g} s]"
            )
        return seconds

    parse.__name__ = "duration"
    return parse


def seed_arg(text: str) -> int:
    """A random seed: an integer in [0, 2**32 - 1]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {text!r} is not an integer") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed {value} is outside [0, {MAX_SEED}]")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number > 0")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be an integer >= 1")
    return value


def check_window(start: UTCDateTime | None, end: UTCDateTime | None) -> None:
    """``--start`` must come before ``--end`` (when both are given)."""
    if start is not None and end is not None and not start < end:
        raise ConfigError(f"--start {start} is not before --end {end}: swap them")


def check_out_file(path: str | Path | None, option: str = "--out") -> None:
    """Raise unless ``path`` can be written (checked before the work, nothing is created).

    The nearest existing folder above it must be writable; an existing file must be
    writable; a folder of that name is an error.
    """
    if path is None:
        return
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{option} {p} is a folder: give a file name")
    if p.exists():
        if not os.access(p, os.W_OK):
            raise ConfigError(f"{option} {p} is not writable: choose another path")
        return
    _check_parent(p, option)


def check_out_dir(path: str | Path, option: str = "--out") -> None:
    """Raise unless folder ``path`` exists writable or can be created."""
    p = Path(path)
    if p.exists():
        if not p.is_dir():
            raise ConfigError(f"{option} {p} is a file: give a folder")
        if not os.access(p, os.W_OK | os.X_OK):
            raise ConfigError(f"{option} {p} is not writable: choose another folder")
        return
    _check_parent(p, option)


def _check_parent(p: Path, option: str) -> None:
    parent = p.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"{option} {p}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{option} {p}: folder {parent} is not writable: choose another path")


def check_archive(path: str | Path) -> None:
    """``--archive`` must be an existing SDS folder holding data, or a CSS3.0 wfdisc file."""
    p = Path(path)
    if p.is_file():
        return
    if not p.is_dir():
        raise ConfigError(
            f"--archive {p} does not exist: give an SDS folder ('openndc archive import' "
            "makes one) or a CSS3.0 .wfdisc file"
        )
    if not any(d.is_dir() and d.name.isdigit() and len(d.name) == 4 for d in p.iterdir()):
        raise ConfigError(
            f"--archive {p} holds no SDS year folders (YYYY/NET/STA/CHA.D/): import waveforms "
            "with 'openndc archive import PATH... --archive DIR' or check the path"
        )


def check_database(url: str, *, must_exist: bool) -> str:
    """A database URL (a plain path means SQLite), checked before it is opened.

    Unknown forms (``blah``, ``sqlite:///`` without a file) are errors. With ``must_exist``
    (commands that only read) a SQLite file that does not exist is an error instead of a new,
    empty database.
    """
    text = url.strip()
    if "://" not in text:
        if not text or text.endswith(("/", os.sep)):
            raise ConfigError(f"--db {url!r}: give a database URL, e.g. sqlite:///bulletin.db")
        p = Path(text)
        if p.suffix.lower() not in (".db", ".sqlite", ".sqlite3") and not p.is_file():
            raise ConfigError(
                f"--db {url!r} is neither a database URL nor a SQLite file (.db, .sqlite): "
                "use e.g. sqlite:///bulletin.db or postgresql+psycopg://user@host/db"
            )
        text = f"sqlite:///{p.resolve()}"
    scheme, _, rest = text.partition("://")
    if scheme.split("+")[0] not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(
            f"--db {url!r}: unknown database kind {scheme!r}; use sqlite:///FILE or "
            "postgresql+psycopg://user@host:5432/db"
        )
    if scheme.startswith("sqlite"):
        file = rest[1:] if rest.startswith("/") else rest
        if file in ("", ":memory:") or file.endswith("/"):
            raise ConfigError(f"--db {url!r} names no SQLite file: use sqlite:///bulletin.db")
        if must_exist and not Path(file).is_file():
            raise ConfigError(
                f"--db {url!r}: no such SQLite file {file}; check the path (this command "
                "only reads, it does not create a database)"
            )
    return text


#: Windows planned into more chunks than this need ``--yes`` (or a "y" on a terminal).
MAX_CHUNKS_UNASKED = 2000


def confirm_window(
    start: UTCDateTime, end: UTCDateTime, chunk_s: float, n_streams: int, yes: bool
) -> None:
    """Ask (on a terminal) or refuse when a window plans more than ``MAX_CHUNKS_UNASKED`` chunks.

    The estimate names the chunks, the span in days and the streams to read, so that a typo
    (a 100-year window) is caught before hours of work.
    """
    n = math.ceil((end - start) / chunk_s)
    if n <= MAX_CHUNKS_UNASKED or yes:
        return
    what = (
        f"{start} - {end} is {(end - start) / 86400:,.1f} days: {n:,} chunks of {chunk_s:g} s "
        f"over {n_streams} streams"
    )
    if sys.stdin.isatty() and sys.stderr.isatty():
        print(f"{what}. Proceed? [y/N] ", end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip().lower() in ("y", "yes"):
            return
        raise ConfigError("not confirmed; nothing done")
    raise ConfigError(f"{what}; check --start/--end, or add --yes to run it")
