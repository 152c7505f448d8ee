"""What reading a time window returns: the waveforms and the problems met on the way."""

from __future__ import annotations

from dataclasses import dataclass, field

from obspy import Stream

from openndc.model.quality import DataProblem

__all__ = ["ReadResult"]


@dataclass(frozen=True)
class ReadResult:
    """Waveforms of a window and the data problems found while reading them.

    ``stream`` holds one trace per continuous piece (gaps split traces; nothing is
    zero-filled or masked), cut to the half-open window ``[start, end)``, with the samples in
    their stored type (int32 for Steim-compressed data, float32/float64 for float data).
    ``problems`` lists gaps, overlaps, corrupt records, wrong sample rates, clock jumps and
    unreadable files that touch the window; each was also issued as a
    :class:`~openndc.model.errors.DataQualityWarning`.
    """

    stream: Stream
    problems: list[DataProblem] = field(default_factory=list)
