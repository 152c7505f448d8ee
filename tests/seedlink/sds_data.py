"""A small synthetic SDS archive made in code, shared by the SeedLink and acquisition tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from obspy import Stream, Trace, UTCDateTime

from openndc.archive import SDSArchive

STATIONS = (("KZ", "AB01"), ("KZ", "AB02"), ("II", "KURK"))
CHANNELS = ("BHZ", "BHN", "BHE")
RATE = 20.0


def make_traces(start: UTCDateTime, seconds: float, seed: int = 0) -> Stream:
    """Integer test signals (noise + a sine) for every station and channel."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = []
    for net, sta in STATIONS:
        for cha in CHANNELS:
            t = np.arange(n) / RATE
            x = 2000 * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 6)) + rng.normal(0, 300, n)
            out.append(
                Trace(
                    x.astype(np.int32),
                    header={
                        "network": net,
                        "station": sta,
                        "location": "",
                        "channel": cha,
                        "starttime": start,
                        "sampling_rate": RATE,
                    },
                )
            )
    return Stream(out)


def make_sds(
    root: Path, start: UTCDateTime, seconds: float, *, reclen: int = 512, seed: int = 0
) -> Stream:
    """Write the test signals to an SDS archive at ``root``; returns them."""
    st = make_traces(start, seconds, seed)
    SDSArchive(root, reclen=reclen).write(st.copy())
    return st


def archived(root: Path, start: UTCDateTime, end: UTCDateTime) -> dict[str, np.ndarray]:
    """Every stream of the archive in ``[start, end)``, merged, as one sample array each."""
    st = SDSArchive(root).read(start, end).stream
    out: dict[str, np.ndarray] = {}
    for tr in st.merge(method=-1):
        if np.ma.isMaskedArray(tr.data):
            raise AssertionError(f"{tr.id}: gap in the archive")
        out[tr.id] = np.asarray(tr.data)
    return out
