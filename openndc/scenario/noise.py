"""Background noise of the synthetic stations: Peterson-shaped spectra, a day/night cycle, arrays.

Seismic noise is Gaussian noise with the power spectral density of a site placed between
Peterson's (1993) New Low and New High Noise Models: in dB,
``P(f) = NLNM(f) + alpha(f) (NHNM(f) - NLNM(f))`` with a site's ``alpha`` for three bands
(long period T > 20 s, microseism 1-20 s, short period T < 1 s) blended smoothly in log
frequency. The microseism peak comes from the models' own shapes. The short-period part
(above ~1 Hz, :data:`CULTURAL_CORNER_HZ`) is multiplied by a day/night envelope: quiet at 03 h
local solar time, ``diurnal_db`` louder at 15 h. Sites differ through ``alpha`` and
``diurnal_db`` (drawn per site from the seed).

The series is made in the frequency domain: complex Gaussian spectra scaled to the PSD
(``E|X_k|^2 = S(f_k) fs N / 2`` for the one-sided PSD ``S``), then one inverse real FFT per
band, in float32. Array elements share a coherent low-frequency part (microseisms, arriving
as a plane wave at :data:`MICROSEISM_SLOWNESS` from a back-azimuth drawn per array) with the
coherence ``c(f) = 0.9 / (1 + (f / 0.6 Hz)^4)``; above ~1 Hz the noise is incoherent.

Infrasound (pressure) noise is a power law ``S(f) = p1 f^-1.7`` [Pa^2/Hz] with ``p1`` drawn
per site between 1e-4 and 1e-2 Pa^2/Hz at 1 Hz (windier by day): a rough shape, not
calibrated against the IMS infrasound noise models.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.fft as sfft
from obspy import UTCDateTime
from obspy.signal.spectral_estimation import get_nhnm, get_nlnm

__all__ = [
    "CULTURAL_CORNER_HZ",
    "MICROSEISM_SLOWNESS",
    "NoiseShaper",
    "SiteNoise",
    "coherence",
    "diurnal_envelope",
    "draw_site_noise",
    "infrasound_psd",
    "model_psd",
    "noise_series",
    "peterson_db",
]

FloatArray = npt.NDArray[np.float64]
ComplexArray = npt.NDArray[np.complex64]

#: Frequency [Hz] above which noise follows the day/night (cultural) cycle.
CULTURAL_CORNER_HZ = 1.0
#: Slowness of the coherent microseism noise across arrays [s/km] (Rayleigh waves).
MICROSEISM_SLOWNESS = 0.3


@dataclass(frozen=True, slots=True)
class SiteNoise:
    """Noise level of a site: positions between NLNM (0) and NHNM (1) per band, the day/night
    amplitude [dB] of the short-period band, and a horizontal-over-vertical factor for
    periods above 10 s (tilt noise)."""

    alpha_lp: float
    alpha_micro: float
    alpha_sp: float
    diurnal_db: float
    horizontal_lp_db: float = 6.0


def draw_site_noise(rng: np.random.Generator, quiet: bool = False) -> SiteNoise:
    """A site's noise level. ``quiet`` sites (IMS vaults, boreholes) are nearer the NLNM."""
    sp_hi = 0.28 if quiet else 0.45
    return SiteNoise(
        alpha_lp=float(rng.uniform(0.15, 0.45)),
        alpha_micro=float(rng.uniform(0.2, 0.5)),
        alpha_sp=float(rng.uniform(0.1, sp_hi)),
        diurnal_db=float(rng.uniform(3.0, 6.0) if quiet else rng.uniform(5.0, 10.0)),
    )


@functools.cache
def _models() -> tuple[FloatArray, FloatArray, FloatArray]:
    p_lo, db_lo = get_nlnm()
    p_hi, db_hi = get_nhnm()
    logp = np.log10(np.asarray(p_lo, dtype=np.float64))[::-1]
    hi = np.interp(
        logp, np.log10(np.asarray(p_hi, dtype=np.float64))[::-1], np.asarray(db_hi)[::-1]
    )
    return logp, np.asarray(db_lo, dtype=np.float64)[::-1], hi


def peterson_db(freqs: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """NLNM and NHNM [dB rel. 1 (m/s^2)^2/Hz] at ``freqs`` [Hz] (constant beyond 10 Hz)."""
    f = np.asarray(freqs, dtype=np.float64)
    logp = np.log10(1.0 / np.maximum(f, 1e-6))
    grid, lo, hi = _models()
    return np.interp(logp, grid, lo), np.interp(logp, grid, hi)


def _alpha(freqs: FloatArray, site: SiteNoise) -> FloatArray:
    """Band positions blended with logistic weights in log10 frequency."""
    lf = np.log10(np.maximum(freqs, 1e-6))
    w_lp = 1.0 / (1.0 + np.exp((lf - np.log10(0.05)) * 8.0))  # below 0.05 Hz
    w_sp = 1.0 / (1.0 + np.exp(-(lf - np.log10(1.0)) * 8.0))  # above 1 Hz
    w_mi = np.clip(1.0 - w_lp - w_sp, 0.0, 1.0)
    return w_lp * site.alpha_lp + w_mi * site.alpha_micro + w_sp * site.alpha_sp


def model_psd(freqs: npt.ArrayLike, site: SiteNoise, horizontal: bool = False) -> FloatArray:
    """Night-time acceleration PSD [(m/s^2)^2/Hz] of ``site`` at ``freqs`` [Hz]."""
    f = np.asarray(freqs, dtype=np.float64)
    lo, hi = peterson_db(f)
    db = lo + _alpha(f, site) * (hi - lo)
    if horizontal:
        db = db + site.horizontal_lp_db / (1.0 + (f / 0.1) ** 4)
        db = np.minimum(db, hi)
    return np.asarray(10.0 ** (db / 10.0), dtype=np.float64)


def infrasound_psd(freqs: npt.ArrayLike, p1: float) -> FloatArray:
    """Pressure PSD [Pa^2/Hz]: ``p1 * f^-1.7`` (``p1`` at 1 Hz), flat below 0.02 Hz."""
    f = np.maximum(np.asarray(freqs, dtype=np.float64), 0.02)
    return np.asarray(p1 * f**-1.7, dtype=np.float64)


def coherence(freqs: npt.ArrayLike) -> FloatArray:
    """Fraction of noise power coherent across an array at ``freqs`` [Hz]."""
    f = np.asarray(freqs, dtype=np.float64)
    return np.asarray(0.9 / (1.0 + (f / 0.6) ** 4), dtype=np.float64)


def diurnal_envelope(
    n: int, fs: float, start: UTCDateTime, longitude: float, diurnal_db: float
) -> npt.NDArray[np.float32]:
    """Amplitude factor (1 at 03 h local solar time, ``10^(diurnal_db/20)`` at 15 h)."""
    hours = np.arange(0.0, n / fs + 3600.0, 600.0)
    local = start.hour + start.minute / 60 + start.second / 3600 + longitude / 15.0 + hours / 3600
    d = 0.5 - 0.5 * np.cos(2 * np.pi * (local - 3.0) / 24.0)
    amp = 10.0 ** (diurnal_db * d / 20.0)
    t = np.arange(n, dtype=np.float64) / fs
    return np.interp(t, hours, amp).astype(np.float32)


def _complex_gaussian(m: int, rng: np.random.Generator) -> ComplexArray:
    out = np.empty(m, dtype=np.complex64)
    out.real = rng.standard_normal(m, dtype=np.float32)
    out.imag = rng.standard_normal(m, dtype=np.float32)
    out *= np.float32(math.sqrt(0.5))
    return out


class NoiseShaper:
    """Precomputed spectral weights for many noise series of one length, rate and PSD.

    ``psd`` is on ``rfftfreq(n, 1/fs)``: an acceleration PSD [(m/s^2)^2/Hz] for
    ``kind="velocity"`` (the series is in [m/s]) or the PSD of the series itself for
    ``kind="direct"``. See :func:`noise_series` for the arguments of :meth:`series`.
    """

    def __init__(self, n: int, fs: float, psd: FloatArray, kind: str = "velocity") -> None:
        self.n, self.fs = n, fs
        freqs = np.fft.rfftfreq(n, 1.0 / fs)
        amp = np.sqrt(psd * fs * n / 2.0)
        if kind == "velocity":
            amp = np.where(freqs > 0, amp / (2 * np.pi * np.maximum(freqs, 1e-12)), 0.0)
        amp[0] = 0.0
        w_hi = 1.0 / (1.0 + (CULTURAL_CORNER_HZ / np.maximum(freqs, 1e-9)) ** 4)
        self.amp = amp.astype(np.float32)
        self.amp_lo = (amp * np.sqrt(1.0 - w_hi)).astype(np.float32)
        self.amp_hi = (amp * np.sqrt(w_hi)).astype(np.float32)
        # coherent mixing only where the coherence is not negligible (< 3 Hz)
        self.m_coh = int(np.searchsorted(freqs, 3.0))
        c = coherence(freqs[: self.m_coh])
        self.coh_own = np.sqrt(1.0 - c).astype(np.float32)
        self.coh_shared = np.sqrt(c).astype(np.float32)
        self.freqs_coh = freqs[: self.m_coh]

    def series(
        self,
        rng: np.random.Generator,
        *,
        envelope: npt.NDArray[np.float32] | None = None,
        coherent: ComplexArray | None = None,
        delay: float = 0.0,
    ) -> npt.NDArray[np.float32]:
        n = self.n
        spec = _complex_gaussian(len(self.amp), rng)
        if coherent is not None:
            m = self.m_coh
            shared = coherent[:m]
            if delay:
                shared = shared * np.exp(-2j * np.pi * self.freqs_coh * delay).astype(np.complex64)
            spec[:m] = self.coh_own * spec[:m] + self.coh_shared * shared
        if envelope is None:
            spec *= self.amp
            return np.asarray(sfft.irfft(spec, n), dtype=np.float32)
        low = sfft.irfft(spec * self.amp_lo, n)
        spec *= self.amp_hi
        high = sfft.irfft(spec, n)
        high *= envelope
        low += high
        return np.asarray(low, dtype=np.float32)


def noise_series(
    n: int,
    fs: float,
    psd: FloatArray,
    rng: np.random.Generator,
    *,
    envelope: npt.NDArray[np.float32] | None = None,
    kind: str = "velocity",
    coherent: ComplexArray | None = None,
    delay: float = 0.0,
) -> npt.NDArray[np.float32]:
    """A noise series of ``n`` samples at ``fs`` [Hz] in [m/s] (``kind="velocity"``, ``psd``
    an acceleration PSD on ``rfftfreq(n, 1/fs)``) or in the PSD's own units
    (``kind="direct"``).

    ``envelope`` (length ``n``) multiplies the part above :data:`CULTURAL_CORNER_HZ`.
    ``coherent`` is a shared unit complex Gaussian spectrum (array noise): its
    :func:`coherence` share of the power is taken from it, delayed by ``delay`` [s].
    """
    return NoiseShaper(n, fs, psd, kind).series(
        rng, envelope=envelope, coherent=coherent, delay=delay
    )
