"""EQcorrscan, the peer of OpenNDC's matched filter, run on the same processed templates and
data (tests and benchmarks only; a dev dependency installed by ``.ci/run``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from obspy import Stream, Trace, UTCDateTime

from openndc.osi.templates import Template

__all__ = ["eqcorrscan_detect"]


def _copy_trace(trace: Trace, deepcopy_data: bool = True) -> Trace:
    return trace.copy()


def _get_array_dicts(templates: Any, stream: Any, stack: bool, *args: Any, **kwargs: Any) -> Any:
    """EQcorrscan 0.5.2's ``utils.correlate._get_array_dicts`` with ``UTCDateTime.ns`` in
    place of ``__dict__["_UTCDateTime__ns"]`` (same logic, LGPL-3.0, EQcorrscan developers)."""
    import math

    import numpy as np
    from eqcorrscan.utils.correlate import _stream_quick_select  # type: ignore[import-untyped,import-not-found,unused-ignore]

    template_dict, stream_dict, pad_dict = {}, {}, {}
    t_starts = []
    stream.sort(["network", "station", "location", "channel"])
    for template in templates:
        template.sort(["network", "station", "location", "channel"])
        t_starts.append(UTCDateTime(ns=min(tr.stats.starttime.ns for tr in template)))
    stream_start = min(tr.stats.starttime for tr in stream)
    seed_ids = [tr.id + "_" + str(i) for i, tr in enumerate(templates[0])]
    for i, seed_id in enumerate(seed_ids):
        t_ar = np.array([template.traces[i].data for template in templates]).astype(np.float32)
        template_dict[seed_id] = t_ar
        channel = _stream_quick_select(stream, seed_id.split("_")[0])[0]
        data = channel.data / (np.max(np.abs(channel.data)) / 1e5)
        stream_dict[seed_id] = data.astype(np.float32)
        offset = math.floor(channel.stats.sampling_rate * (channel.stats.starttime - stream_start))
        if stack:
            pad_dict[seed_id] = [
                round(
                    template.traces[i].stats.sampling_rate
                    * (template.traces[i].stats.starttime.ns - t_starts[j].ns)
                    / 1e9
                )
                - offset
                for j, template in enumerate(templates)
            ]
        else:
            pad_dict[seed_id] = [0 for _ in templates]
    return stream_dict, template_dict, pad_dict, seed_ids


def eqcorrscan_detect(
    templates: Sequence[Template],
    processed: Stream,
    *,
    threshold: float = 8.0,
    threshold_type: str = "MAD",
    trig_int: float = 2.0,
    cores: int = 1,
) -> list[tuple[str, UTCDateTime, float, int]]:
    """(template, detect time = the earliest template window's start, cc sum, channels) of
    EQcorrscan's ``match_filter`` (FFTW correlation) on pre-processed streams.

    EQcorrscan 0.5.2 reads ``UTCDateTime.__dict__``, which ObsPy 1.5's ``UTCDateTime``
    (slots) no longer has: its fast trace copy is replaced by ``Trace.copy`` and its array
    preparation by the same code reading ``UTCDateTime.ns``.
    """
    import eqcorrscan.utils.correlate as corr  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import eqcorrscan.utils.pre_processing as pre  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from eqcorrscan.core.match_filter import match_filter  # type: ignore[import-untyped,import-not-found,unused-ignore]

    copy_trace: Any = _copy_trace
    array_dicts: Any = _get_array_dicts
    pre._quick_copy_trace = copy_trace
    corr._get_array_dicts = array_dicts
    dets = match_filter(
        [t.name for t in templates],
        [t.stream for t in templates],
        processed,
        threshold=threshold,
        threshold_type=threshold_type,
        trig_int=trig_int,
        xcorr_func="fftw",
        concurrency="concurrent",
        cores=cores,
    )
    return [(d.template_name, d.detect_time, float(d.detect_val), int(d.no_chans)) for d in dets]
