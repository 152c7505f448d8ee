"""Helpers shared by the subcommands: time parsing, config files, progress display."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from obspy import UTCDateTime

from openndc.detection.config import DetectionConfig
from openndc.model.config import from_mapping
from openndc.model.errors import ConfigError
from openndc.pipeline.batch import ChunkReport

__all__ = ["load_detection_config", "parse_time", "print_progress"]


def parse_time(text: str) -> UTCDateTime:
    """ISO 8601 UTC (``2016-01-06T01:30:00``, ``2016-01-06``) → UTCDateTime."""
    try:
        return UTCDateTime(text)
    except Exception as exc:
        raise ConfigError(
            f"cannot read time {text!r}: use ISO 8601, e.g. 2016-01-06T01:30:00"
        ) from exc


def load_detection_config(path: str | Path | None) -> DetectionConfig:
    """The ``[detection]`` table of a TOML file (``openndc config template`` writes one)."""
    if path is None:
        return DetectionConfig()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read configuration: {exc}") from exc
    unknown = set(data) - {"detection"}
    if unknown:
        raise ConfigError(f"{p}: unknown section(s) {sorted(unknown)}; known: ['detection']")
    return from_mapping(DetectionConfig, data.get("detection", {}), f"{p}: detection")


def print_progress(report: ChunkReport) -> None:
    """One progress line per chunk on stderr (a bar when it is a terminal)."""
    span = report.end - report.start
    done = report.index / report.total
    width = 30
    bar = "#" * int(done * width) + "-" * (width - int(done * width))
    speed = report.index * span / report.elapsed if report.elapsed > 0 else float("inf")
    line = (
        f"[{bar}] {report.index}/{report.total} chunks  {report.start.strftime('%Y-%m-%dT%H:%M')}"
        f"  +{report.n_detections} detections  {speed:,.0f}x real time"
    )
    if sys.stderr.isatty():
        end = "\n" if report.index == report.total else ""
        print("\r" + line, end=end, file=sys.stderr, flush=True)
    else:
        print(line, file=sys.stderr, flush=True)
