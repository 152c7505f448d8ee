"""Acquisition: SeedLink ingest into the SDS archive, exactly once, with state of health.

:class:`Acquisition` is what ``openndc acquire`` (and the live runner) runs;
:class:`RecordWriter` is the crash-safe archive writer; :class:`SohTracker` the
per-channel state of health.
"""

from openndc.acquisition.config import AcquisitionConfig, SohConfig, StreamSpec, parse_streams
from openndc.acquisition.ingest import (
    Acquisition,
    backfill_from_sds,
    iter_fdsn_records,
    iter_sds_records,
)
from openndc.acquisition.soh import ChannelHealth, SohHistory, SohMetrics, SohTracker
from openndc.acquisition.state import AcquisitionState
from openndc.acquisition.writer import ArchivedRecord, DiskFullError, RecordWriter

__all__ = [
    "Acquisition",
    "AcquisitionConfig",
    "AcquisitionState",
    "ArchivedRecord",
    "ChannelHealth",
    "DiskFullError",
    "RecordWriter",
    "SohConfig",
    "SohHistory",
    "SohMetrics",
    "SohTracker",
    "StreamSpec",
    "backfill_from_sds",
    "iter_fdsn_records",
    "iter_sds_records",
    "parse_streams",
]
