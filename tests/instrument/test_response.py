"""Channel responses to ground displacement: ObsPy's evalresp, evaluated once per grid."""

from __future__ import annotations

import numpy as np
from obspy import read_inventory

from openndc.instrument import displacement_gain
from openndc.instrument.response import _RESPONSES, _ResponseCache
from openndc.model.inventory import ChannelInfo


def _channels() -> list[ChannelInfo]:
    # ObsPy's bundled example inventory (real GR/BW channels with FIR stages)
    inv = read_inventory()
    return [
        ChannelInfo(code=ch.code, sample_rate_hz=ch.sample_rate, response=ch.response)
        for net in inv
        for sta in net
        for ch in sta
    ]


def test_cached_gain_is_evalresp_and_callers_cannot_change_it() -> None:
    chans = _channels()
    freqs = np.fft.rfftfreq(4096, 1.0 / 20.0)
    for ch in chans[:3]:
        want = ch.response.get_evalresp_response_for_frequencies(
            freqs, output="DISP", hide_sensitivity_mismatch_warning=True
        )
        first = displacement_gain(ch, freqs)
        assert first is not None
        np.testing.assert_array_equal(first, want)
        first[:] = 0.0  # the amplitude code applies a water level in place
        again = displacement_gain(ch, freqs)
        assert again is not None
        np.testing.assert_array_equal(again, want)
        # another grid of the same size is another entry
        other = displacement_gain(ch, freqs * 0.5)
        assert other is not None
        assert not np.array_equal(other, want)
    assert _RESPONSES._bytes <= _RESPONSES.max_bytes


def test_cache_is_bounded_and_keyed_by_response_object() -> None:
    a, b = _channels()[:2]
    cache = _ResponseCache(max_bytes=3 * 1024 * 24)  # about three grids of 1024
    for k in range(6):
        f = np.linspace(0.1, 5.0 + k, 1024)
        cache.evaluate(a.response, f)
        assert cache._bytes <= cache.max_bytes or len(cache._entries) == 1
    assert len(cache._entries) <= 3
    f = np.array([1.0])
    ga, gb = cache.evaluate(a.response, f), cache.evaluate(b.response, f)
    np.testing.assert_array_equal(
        ga, a.response.get_evalresp_response_for_frequencies(f, output="DISP")
    )
    np.testing.assert_array_equal(
        gb, b.response.get_evalresp_response_for_frequencies(f, output="DISP")
    )
