"""Responses of a channel to ground displacement, from the inventory."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from openndc.model.inventory import ChannelInfo

__all__ = ["displacement_gain", "input_power"]

log = logging.getLogger(__name__)

_ACCELERATION = ("M/S**2", "M/S2", "M/S/S", "M/(S**2)", "M/SEC**2")
_DISPLACEMENT = ("M", "NM", "MM")


def input_power(channel: ChannelInfo) -> int:
    """Power of ``iω`` between ground displacement and the channel's input units: 1 for a
    velocity sensor (``M/S``, the default), 2 for an accelerometer, 0 for displacement."""
    units = (channel.input_units or "M/S").upper().replace(" ", "")
    if units in _ACCELERATION:
        return 2
    if units in _DISPLACEMENT:
        return 0
    return 1


def displacement_gain(channel: ChannelInfo | None, freqs: np.ndarray) -> np.ndarray | None:
    """Complex instrument response to ground displacement [counts/m] at ``freqs`` [Hz].

    The full response when ``channel.response`` is an ObsPy ``Response``; otherwise the flat
    ``sensitivity`` times ``(i 2π f)^p`` (:func:`input_power`). None when the channel has
    neither.
    """
    if channel is None:
        return None
    freqs = np.atleast_1d(np.asarray(freqs, dtype=np.float64))
    resp = channel.response
    if resp is not None and hasattr(resp, "get_evalresp_response_for_frequencies"):
        try:
            return _RESPONSES.evaluate(resp, freqs)
        except Exception as exc:  # ObsPy raises bare exceptions for broken responses
            log.warning("channel %s: response unusable (%s); using sensitivity", channel.code, exc)
    if channel.sensitivity is None or not channel.sensitivity > 0:
        return None
    return np.asarray(
        channel.sensitivity * (2j * np.pi * freqs) ** input_power(channel), dtype=np.complex128
    )


class _ResponseCache:
    """ObsPy's evalresp results per response object and frequency grid, least recently
    used first out, at most ``max_bytes`` of them.

    Evaluating a full StationXML response (FIR stages) takes ~40 ms per call whatever the
    number of frequencies, and every amplitude measurement asks for one: on 3 minutes of 16
    Southern-California broadband stations 839 calls took 34 of the detection stage's 40 s.
    The grids repeat (the FFT sizes of the amplitude windows; periods measured at sample
    resolution), so each is evaluated once per channel. The entry keeps its response object,
    so its ``id`` cannot be reused while cached; callers get a copy (they may modify it).
    """

    def __init__(self, max_bytes: int = 32 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[int, int, int], tuple[Any, np.ndarray, np.ndarray]] = (
            OrderedDict()
        )
        self._bytes = 0
        self._lock = threading.Lock()

    def evaluate(self, resp: Any, freqs: np.ndarray) -> np.ndarray:
        key = (id(resp), freqs.size, hash(freqs.tobytes()))
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] is resp and np.array_equal(hit[1], freqs):
                self._entries.move_to_end(key)
                return hit[2].copy()
        out = np.asarray(
            resp.get_evalresp_response_for_frequencies(
                freqs, output="DISP", hide_sensitivity_mismatch_warning=True
            ),
            dtype=np.complex128,
        )
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1].nbytes + old[2].nbytes
            self._entries[key] = (resp, freqs.copy(), out.copy())
            self._bytes += freqs.nbytes + out.nbytes
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, (_, f, g) = self._entries.popitem(last=False)
                self._bytes -= f.nbytes + g.nbytes
        return out


_RESPONSES = _ResponseCache()
