"""Responses of a channel to ground displacement, from the inventory."""

from __future__ import annotations

import logging

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
            out = resp.get_evalresp_response_for_frequencies(
                freqs, output="DISP", hide_sensitivity_mismatch_warning=True
            )
            return np.asarray(out, dtype=np.complex128)
        except Exception as exc:  # ObsPy raises bare exceptions for broken responses
            log.warning("channel %s: response unusable (%s); using sensitivity", channel.code, exc)
    if channel.sensitivity is None or not channel.sensitivity > 0:
        return None
    return np.asarray(
        channel.sensitivity * (2j * np.pi * freqs) ** input_power(channel), dtype=np.complex128
    )
