"""Reports of bad input found while reading waveforms (the piece was skipped, the rest kept)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from obspy import UTCDateTime

__all__ = ["DataProblem", "ProblemKind"]

ProblemKind = Literal[
    "gap",
    "overlap",
    "corrupt",
    "sample_rate",
    "clock_jump",
    "no_metadata",
    "no_response",
    "unreadable",
    "epoch",
]


@dataclass(frozen=True, slots=True)
class DataProblem:
    """One problem in the input: what, where (file and stream), when, and what was done."""

    kind: ProblemKind
    source: str
    stream: str
    start: UTCDateTime | None
    end: UTCDateTime | None
    message: str

    def __str__(self) -> str:
        when = ""
        if self.start is not None:
            when = f" {self.start}" + (f" - {self.end}" if self.end is not None else "")
        return f"{self.kind}: {self.stream}{when} ({self.source}): {self.message}"
