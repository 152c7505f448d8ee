"""Array kernels: delay-and-sum beams and broad-band f-k power (pure functions on arrays).

Conventions (the same as :func:`obspy.signal.array_analysis.array_processing`):

* element offsets are ``(n, 2)`` arrays of [east, north] km from the array reference;
* a slowness vector ``(sx, sy)`` [s/km] points in the direction the wave *travels*; a plane
  wave reaches element ``r`` at ``tau = sx * x + sy * y`` [s] after the reference point, so a
  wave coming *from* back-azimuth ``baz`` with slowness ``s`` has
  ``sx = -s sin(baz)``, ``sy = -s cos(baz)`` and ``tau = -s (x sin baz + y cos baz)``;
* back-azimuth [deg] = ``atan2(sx, sy) + 180`` (clockwise from north, 0-360).

Beams use linear interpolation for fractional delays (a mild low-pass: at a quarter of the
sampling rate and the worst fractional delay of half a sample the amplitude loss is 29 %,
at a tenth of the sampling rate 5 %); samples shifted in from outside the record are zero.

The f-k power is the broad-band delay-and-sum ("bartlett", ObsPy ``method=0``) power::

    P(s) = sum_{f in band} | sum_j X_j(f) exp(+i 2 pi f (sx x_j + sy y_j)) |^2
    relpow(s) = P(s) / (n * sum_j sum_{f in band} |X_j(f)|^2)     (0..1)

with ``X_j`` the FFT of the demeaned element window tapered with ObsPy's 22 % cosine taper,
zero-padded to the next power of two. ``relpow`` is ObsPy's 'relpow' and ``P`` its 'abspow'.
The fast kernel factorises the steering phase into an east and a north part, so that one
grid point costs ``nf * n`` complex multiply-adds, instead of forming the ``n x n``
cross-spectral matrix (``nf * n**2``).

Every fast kernel (numba) has a plain reference version (``*_py``) tested against it.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from openndc.detection.stalta import recursive_sta_lta_warm_py, trigger_onsets_py

__all__ = [
    "backazimuth_from_slowness",
    "beam",
    "beam_py",
    "beam_trigger_state",
    "beam_triggers",
    "beam_triggers_py",
    "beam_triggers_span",
    "beams",
    "beams_py",
    "close_open_triggers",
    "fk_power",
    "fk_power_py",
    "fk_spectra",
    "fstat_from_relpower",
    "plane_wave_delays",
    "slowness_vector",
]

DEG_KM = 111.19
"""Kilometres per degree of great circle (slowness [s/deg] = [s/km] * DEG_KM)."""


# --------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------


def slowness_vector(backazimuth_deg: float, slowness_s_per_km: float) -> tuple[float, float]:
    """``(sx, sy)`` [s/km] of a wave coming from ``backazimuth_deg`` with that slowness."""
    b = math.radians(backazimuth_deg)
    return -slowness_s_per_km * math.sin(b), -slowness_s_per_km * math.cos(b)


def backazimuth_from_slowness(sx: float, sy: float) -> float:
    """Back-azimuth [deg, 0-360) of the slowness vector ``(sx, sy)`` [s/km]."""
    return (math.degrees(math.atan2(sx, sy)) + 180.0) % 360.0


def plane_wave_delays(
    offsets_km: np.ndarray, backazimuth_deg: float, slowness_s_per_km: float
) -> np.ndarray:
    """Arrival delays [s] of a plane wave at the elements relative to the reference point."""
    sx, sy = slowness_vector(backazimuth_deg, slowness_s_per_km)
    xy = np.asarray(offsets_km, dtype=np.float64)
    return sx * xy[:, 0] + sy * xy[:, 1]


# --------------------------------------------------------------------------------------
# delay-and-sum beams
# --------------------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _beam_into(
    data: np.ndarray, fs: float, delays: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover
    n_el, n = data.shape
    for t in range(n):
        out[t] = 0.0
    for j in range(n_el):
        shift = delays[j] * fs
        k0 = math.floor(shift)
        frac = shift - k0
        k0i = int(k0)
        # position t + shift must lie in [0, n - 1]; outside it the record is zero
        lo = max(0, -k0i)
        hi = min(n, n - 1 - k0i)
        if hi > lo:
            # slices and a loop from 0: no negative-index checks, so the loop vectorizes
            src = data[j, lo + k0i : hi + k0i + 1]
            dst = out[lo:hi]
            w0 = 1.0 - frac
            for u in range(dst.shape[0]):
                dst[u] += w0 * src[u] + frac * src[u + 1]
        t_last = n - 1 - k0i
        if frac == 0.0 and 0 <= t_last < n:
            out[t_last] += data[j, n - 1]
    inv = 1.0 / n_el
    for t in range(n):
        out[t] *= inv


@numba.njit(cache=True, nogil=True)
def _beam(data: np.ndarray, fs: float, delays: np.ndarray) -> np.ndarray:  # pragma: no cover
    out = np.empty(data.shape[1], dtype=np.float64)
    _beam_into(data, fs, delays, out)
    return out


@numba.njit(cache=True, nogil=True)
def _beams(data: np.ndarray, fs: float, delays: np.ndarray) -> np.ndarray:  # pragma: no cover
    nb = delays.shape[0]
    out = np.empty((nb, data.shape[1]), dtype=np.float64)
    for b in range(nb):
        _beam_into(data, fs, delays[b], out[b])
    return out


def _check_beam_input(data: np.ndarray, delays_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.ascontiguousarray(data, dtype=np.float64)
    dl = np.ascontiguousarray(delays_s, dtype=np.float64)
    if d.ndim != 2 or dl.shape[-1] != d.shape[0]:
        raise ValueError(
            f"data must be (n_el, n_samp) and delays (..., n_el); got {d.shape} and {dl.shape}"
        )
    if not np.all(np.isfinite(dl)):
        raise ValueError("delays must be finite")
    return d, dl


def beam(data: np.ndarray, fs: float, delays_s: np.ndarray) -> np.ndarray:
    """Delay-and-sum beam ``b(t) = mean_j x_j(t + delays_s[j])`` (linear interpolation).

    ``data`` is ``(n_el, n_samp)`` sampled at ``fs`` [Hz], ``delays_s`` the arrival delays
    [s] of the steered wave at each element (e.g. :func:`plane_wave_delays`). Returns the
    beam ``(n_samp,)`` on the reference point's time axis; samples that would come from
    outside the record count as zero.
    """
    d, dl = _check_beam_input(data, delays_s)
    return _beam(d, float(fs), dl)


def beam_py(data: np.ndarray, fs: float, delays_s: np.ndarray) -> np.ndarray:
    """Plain reference version of :func:`beam` (numpy interpolation)."""
    d = np.asarray(data, dtype=np.float64)
    n_el, n = d.shape
    t = np.arange(n, dtype=np.float64)
    out = np.zeros(n)
    for j in range(n_el):
        out += np.interp(t + delays_s[j] * fs, t, d[j], left=0.0, right=0.0)
    return out / n_el


def beams(data: np.ndarray, fs: float, delays_s: np.ndarray) -> np.ndarray:
    """Many beams at once: ``delays_s`` is ``(n_beams, n_el)``; returns ``(n_beams, n_samp)``.

    Each beam as in :func:`beam` (serial: the batch runner already uses every core with
    worker processes).
    """
    d, dl = _check_beam_input(data, delays_s)
    if dl.ndim != 2:
        raise ValueError(f"delays_s must be (n_beams, n_el), got {dl.shape}")
    return _beams(d, float(fs), dl)


def beams_py(data: np.ndarray, fs: float, delays_s: np.ndarray) -> np.ndarray:
    """Plain reference version of :func:`beams`."""
    return np.array([beam_py(data, fs, d) for d in np.asarray(delays_s)])


# --------------------------------------------------------------------------------------
# beams + recursive STA/LTA + triggers, fused
# --------------------------------------------------------------------------------------

_BLOCK = 512
"""Samples per block of the fused beam kernel (a group's beam blocks stay in L1/L2 cache)."""
_GROUP = 8
"""Beams processed together by the fused kernel: their STA/LTA recursions are independent,
so the loop over them vectorizes (one recursion alone is bound by its own latency)."""


@numba.njit(cache=True, nogil=True)
def _emit(out: np.ndarray, k: int, b: int, i0: int, i1: int, peak: float) -> np.ndarray:
    # pragma: no cover
    if k == out.shape[0]:
        grown = np.empty((2 * k, 4), dtype=np.float64)
        grown[:k] = out
        out = grown
    out[k, 0] = b
    out[k, 1] = i0
    out[k, 2] = i1
    out[k, 3] = peak
    return out


@numba.njit(cache=True, nogil=True)
def _beam_triggers_span(
    data: np.ndarray,
    d0: int,
    n_total: int,
    fs: float,
    delays: np.ndarray,
    t_a: int,
    t_b: int,
    nsta: int,
    nlta: int,
    nwarm: int,
    on: float,
    off: float,
    state: np.ndarray,
) -> np.ndarray:  # pragma: no cover
    # data: (n_el, m) samples of global indices [d0, d0 + m) of a record n_total long so far;
    # beams, STA/LTA and triggers for global output samples [t_a, t_b); state (nb, 6) per
    # beam: sta, lta, samples seen, trigger open (0/1), its start, its peak ratio.
    n_el = data.shape[0]
    nb = delays.shape[0]
    buf = np.empty((_GROUP, _BLOCK), dtype=np.float64)
    ratio = np.empty((_GROUP, _BLOCK), dtype=np.float64)
    out = np.empty((64, 4), dtype=np.float64)
    k = 0
    inv = 1.0 / n_el
    k0s = np.empty((_GROUP, n_el), dtype=np.int64)
    fracs = np.empty((_GROUP, n_el), dtype=np.float64)
    for g0 in range(0, nb, _GROUP):
        ng = min(_GROUP, nb - g0)
        for g in range(ng):
            for j in range(n_el):
                shift = delays[g0 + g, j] * fs
                k0 = math.floor(shift)
                fracs[g, j] = shift - k0
                k0s[g, j] = int(k0)
        for t0 in range(t_a, t_b, _BLOCK):
            t1 = min(t_b, t0 + _BLOCK)
            m = t1 - t0
            # the beams on [t0, t1): position t + shift must lie in [0, n_total - 1]
            for g in range(ng):
                bg = buf[g]
                for t in range(m):
                    bg[t] = 0.0
                for j in range(n_el):
                    k0i = k0s[g, j]
                    frac = fracs[g, j]
                    w0 = 1.0 - frac
                    lo = max(t0, -k0i)
                    hi = min(t1, n_total - 1 - k0i)
                    if hi > lo:
                        src = data[j, lo + k0i - d0 : hi + k0i - d0 + 1]
                        dst = bg[lo - t0 : hi - t0]
                        for u in range(dst.shape[0]):
                            dst[u] += w0 * src[u] + frac * src[u + 1]
                    t_last = n_total - 1 - k0i
                    if frac == 0.0 and t0 <= t_last < t1:
                        bg[t_last - t0] += data[j, n_total - 1 - d0]
            # the warm recursive STA/LTA of the group (as _recursive_sta_lta_warm)
            for t in range(m):
                for g in range(ng):
                    st = state[g0 + g]
                    v = buf[g, t] * inv
                    sq = v * v
                    seen = st[2]
                    kk = seen + 1.0
                    csta = max(1.0 / nsta, 1.0 / kk)
                    clta = max(1.0 / nlta, 1.0 / kk)
                    st[0] = csta * sq + (1.0 - csta) * st[0]
                    st[1] = clta * sq + (1.0 - clta) * st[1]
                    st[2] = kk
                    if seen >= nwarm and st[1] > 0.0:
                        ratio[g, t] = st[0] / st[1]
                    else:
                        ratio[g, t] = 0.0
            # trigger state machines (as _trigger_onsets) and the peak ratio of each trigger
            for g in range(ng):
                st = state[g0 + g]
                rg = ratio[g]
                for t in range(m):
                    r = rg[t]
                    if st[3] == 0.0:
                        if r > on:
                            st[3] = 1.0
                            st[4] = t0 + t
                            st[5] = r
                    else:
                        if r > st[5]:
                            st[5] = r
                        if r < off:
                            out = _emit(out, k, g0 + g, int(st[4]), t0 + t, st[5])
                            k += 1
                            st[3] = 0.0
    res = out[:k]
    order = np.argsort(res[:, 0] * (t_b + 1.0) + res[:, 1], kind="mergesort")
    return res[order].copy()


def beam_trigger_state(n_beams: int) -> np.ndarray:
    """A fresh state for :func:`beam_triggers_span`: per beam ``[sta, lta, samples seen,
    trigger open (0/1), its start sample, its peak ratio]``."""
    return np.zeros((int(n_beams), 6), dtype=np.float64)


def beam_triggers_span(
    data: np.ndarray,
    d0: int,
    n_total: int,
    fs: float,
    delays_s: np.ndarray,
    t_a: int,
    t_b: int,
    nsta: int,
    nlta: int,
    nwarm: int,
    on: float,
    off: float,
    state: np.ndarray,
) -> np.ndarray:
    """:func:`beam_triggers` on a span of a record that grows: the streaming form.

    ``data`` ``(n_el, m)`` holds the record's samples ``[d0, d0 + m)`` (global indices; the
    record is ``n_total`` samples long so far, ``d0 + m == n_total``); the beams, STA/LTA
    and triggers are computed for the output samples ``[t_a, t_b)``, the recursions and
    open triggers carried in ``state`` (:func:`beam_trigger_state`, updated in place).
    A beam sample ``t`` reads the elements at ``t + delay``: the caller keeps ``t_b <=
    n_total - 1 - max(floor(delay * fs))`` until the record ends (then ``t_b = n_total``,
    positions past the end counting as zero, as in :func:`beams`), and ``d0 <= t_a +
    min(floor(delay * fs))``. Returns the triggers that *closed*, ``(k, 4)`` rows ``(beam,
    on, off, peak ratio)`` in global samples, ordered by beam then time; a trigger still
    open stays in ``state``. Calls on consecutive spans give exactly one call's numbers.
    """
    d, dl = _check_beam_input(data, delays_s)
    if dl.ndim != 2:
        raise ValueError(f"delays_s must be (n_beams, n_el), got {dl.shape}")
    if nsta < 1 or nlta <= nsta or nwarm < 1:
        raise ValueError(f"need 1 <= nsta < nlta and nwarm >= 1, got {nsta}, {nlta}, {nwarm}")
    if state.shape != (dl.shape[0], 6) or state.dtype != np.float64:
        raise ValueError(f"state must be float64 ({dl.shape[0]}, 6), got {state.shape}")
    if d0 + d.shape[1] != n_total or t_b < t_a:
        raise ValueError(f"inconsistent span: d0={d0}, m={d.shape[1]}, n_total={n_total}")
    return np.asarray(
        _beam_triggers_span(
            d, int(d0), int(n_total), float(fs), dl, int(t_a), int(t_b), int(nsta), int(nlta),
            int(nwarm), float(on), float(off), state,
        )
    )  # fmt: skip


def close_open_triggers(state: np.ndarray, last: int) -> np.ndarray:
    """The triggers still open in ``state`` closed at sample ``last`` (the end of a record,
    as :func:`openndc.detection.stalta.trigger_onsets` closes them): ``(k, 4)`` rows."""
    rows = [(b, st[4], last, st[5]) for b, st in enumerate(state) if st[3] != 0.0]
    state[:, 3] = 0.0
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def beam_triggers(
    data: np.ndarray,
    fs: float,
    delays_s: np.ndarray,
    nsta: int,
    nlta: int,
    on: float,
    off: float,
    nwarm: int | None = None,
) -> np.ndarray:
    """STA/LTA triggers on many beams without writing the beams out (one pass per beam).

    For each row of ``delays_s`` ``(n_beams, n_el)`` [s] the beam of ``data`` ``(n_el,
    n_samp)`` at ``fs`` [Hz] (:func:`beams`), its warm recursive STA/LTA (``nsta``, ``nlta``
    samples, ratio 0 for the first ``nwarm`` samples, default ``nlta``;
    :func:`openndc.detection.stalta.recursive_sta_lta_warm`) and its trigger intervals
    (ratio above ``on`` opens, below ``off`` closes, one open at the end closes at the last
    sample; :func:`openndc.detection.stalta.trigger_onsets`). Returns ``(k, 4)`` float rows
    ``(beam index, on sample, off sample, max STA/LTA ratio on [on, off])`` ordered by
    beam, then time. The same numbers as those functions composed (:func:`beam_triggers_py`),
    in one serial numba loop over blocks of samples (:func:`beam_triggers_span` on the whole).
    """
    d, dl = _check_beam_input(data, delays_s)
    if dl.ndim != 2:
        raise ValueError(f"delays_s must be (n_beams, n_el), got {dl.shape}")
    if nsta < 1 or nlta <= nsta:
        raise ValueError(f"need 1 <= nsta < nlta, got nsta={nsta}, nlta={nlta}")
    n = d.shape[1]
    state = beam_trigger_state(dl.shape[0])
    warm = int(nlta if nwarm is None else nwarm)
    rows = beam_triggers_span(d, 0, n, fs, dl, 0, n, nsta, nlta, max(1, warm), on, off, state)
    rows = np.concatenate((rows, close_open_triggers(state, n - 1)))
    order = np.argsort(rows[:, 0] * (n + 1.0) + rows[:, 1], kind="mergesort")
    return rows[order]


def beam_triggers_py(
    data: np.ndarray,
    fs: float,
    delays_s: np.ndarray,
    nsta: int,
    nlta: int,
    on: float,
    off: float,
    nwarm: int | None = None,
) -> np.ndarray:
    """Plain reference version of :func:`beam_triggers` (beams, STA/LTA, triggers in turn)."""
    rows: list[tuple[float, float, float, float]] = []
    warm = max(1, int(nlta if nwarm is None else nwarm))
    for b, d in enumerate(np.asarray(delays_s, dtype=np.float64)):
        cft = recursive_sta_lta_warm_py(beam_py(data, fs, d), nsta, nlta, warm)
        for i0, i1 in trigger_onsets_py(cft, on, off):
            rows.append((b, i0, i1, float(cft[i0 : i1 + 1].max())))
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


# --------------------------------------------------------------------------------------
# f-k power
# --------------------------------------------------------------------------------------


def _next_pow_2(n: int) -> int:
    return 1 << max(0, int(n - 1).bit_length())


def _cosine_taper(n: int, p: float = 0.22) -> np.ndarray:
    """ObsPy's ``cosine_taper(n, p)`` (``obspy.signal.invsim``), reproduced to avoid the import."""
    frac = int(n * p / 2.0 + 0.5)
    idx1, idx2 = 0, frac - 1
    idx3, idx4 = n - frac, n - 1
    if idx1 == idx2:
        idx2 += 1
    if idx3 == idx4:
        idx3 -= 1
    tap = np.ones(n)
    if idx1 != idx2:
        tap[idx1 : idx2 + 1] = 0.5 * (
            1.0 - np.cos(np.pi * (np.arange(idx1, idx2 + 1) - idx1) / (idx2 - idx1))
        )
    if idx3 != idx4:
        tap[idx3 : idx4 + 1] = 0.5 * (
            1.0 + np.cos(np.pi * (idx3 - np.arange(idx3, idx4 + 1)) / (idx4 - idx3))
        )
    if idx1 == idx2:
        tap[idx1] = 0.0
    if idx3 == idx4:
        tap[idx3] = 0.0
    return tap


def fk_spectra(
    data: np.ndarray, fs: float, fmin: float, fmax: float
) -> tuple[np.ndarray, np.ndarray]:
    """Band spectra of a window as ObsPy's ``array_processing`` forms them.

    Returns ``(X (n_el, nf) complex128, freqs (nf,) [Hz])``: demeaned, 22 % cosine-tapered,
    zero-padded to the next power of two; bins ``round(fmin/df)`` .. ``round(fmax/df)``
    excluding 0 Hz and Nyquist.
    """
    d = np.asarray(data, dtype=np.float64)
    if d.ndim != 2 or d.shape[1] < 4:
        raise ValueError(f"data must be (n_el, n_samp) with n_samp >= 4, got {d.shape}")
    nsamp = d.shape[1]
    nfft = _next_pow_2(nsamp)
    df = fs / nfft
    nlow = max(1, int(fmin / df + 0.5))
    nhigh = min(nfft // 2 - 1, int(fmax / df + 0.5))
    if nhigh < nlow:
        raise ValueError(
            f"band {fmin}-{fmax} Hz holds no frequency bin of a {nsamp}-sample window at "
            f"{fs} Hz (bin width {df:.3g} Hz): lengthen the window or widen the band"
        )
    tap = _cosine_taper(nsamp, 0.22)
    x = (d - d.mean(axis=1, keepdims=True)) * tap
    spec = np.fft.rfft(x, nfft, axis=1)[:, nlow : nhigh + 1]
    return spec, np.arange(nlow, nhigh + 1) * df


@numba.njit(cache=True, nogil=True)
def _phase_table(w: np.ndarray, s: np.ndarray, x: np.ndarray) -> np.ndarray:  # pragma: no cover
    """``exp(i w_f s_k x_j)`` as ``(nf, n, ns)``; a recurrence in ``k`` when ``s`` is uniform."""
    nf, n, ns = w.shape[0], x.shape[0], s.shape[0]
    out = np.empty((nf, n, ns), dtype=np.complex128)
    uniform = ns > 2
    if uniform:
        ds = s[1] - s[0]
        for k in range(2, ns):
            if abs((s[k] - s[k - 1]) - ds) > 1e-9 * max(1.0, abs(ds)):
                uniform = False
                break
    for f in range(nf):
        for j in range(n):
            if uniform:
                p = np.exp(1j * w[f] * s[0] * x[j])
                step = np.exp(1j * w[f] * (s[1] - s[0]) * x[j])
                for k in range(ns):
                    out[f, j, k] = p
                    p *= step
                    if k % 32 == 31:  # re-anchor to keep rounding errors ~1e-15
                        p = np.exp(1j * w[f] * s[k + 1 if k + 1 < ns else k] * x[j])
            else:
                for k in range(ns):
                    out[f, j, k] = np.exp(1j * w[f] * s[k] * x[j])
    return out


@numba.njit(cache=True, nogil=True, fastmath=True)
def _fk_tables(
    spec: np.ndarray, w: np.ndarray, x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover
    """``X_j(f) exp(i w_f sx x_j)`` split into re/im ``(nf, n, nsx)``; ``exp(i w_f sy y_j)``."""
    n, nf = spec.shape
    nsx = sx.shape[0]
    ex = _phase_table(w, sx, x)
    ey = _phase_table(w, sy, y)
    a_re = np.empty((nf, n, nsx))
    a_im = np.empty((nf, n, nsx))
    for f in range(nf):
        for j in range(n):
            for ix in range(nsx):
                v = spec[j, f] * ex[f, j, ix]
                a_re[f, j, ix] = v.real
                a_im[f, j, ix] = v.imag
    return a_re, a_im, ey


@numba.njit(cache=True, nogil=True, fastmath=True)
def _fk_row(
    a_re: np.ndarray, a_im: np.ndarray, ey: np.ndarray, iy: int, row: np.ndarray
) -> None:  # pragma: no cover
    # row[ix] = sum_f |sum_j A_j(f, ix) exp(i w_f sy_iy y_j)|^2 ; inner loop over ix (SIMD)
    nf, n, nsx = a_re.shape
    re = np.empty(nsx)
    im = np.empty(nsx)
    row[:] = 0.0
    for f in range(nf):
        re[:] = 0.0
        im[:] = 0.0
        for j in range(n):
            br = ey[f, j, iy].real
            bi = ey[f, j, iy].imag
            for ix in range(nsx):
                re[ix] += a_re[f, j, ix] * br - a_im[f, j, ix] * bi
                im[ix] += a_re[f, j, ix] * bi + a_im[f, j, ix] * br
        for ix in range(nsx):
            row[ix] += re[ix] * re[ix] + im[ix] * im[ix]


@numba.njit(cache=True, nogil=True)
def _fk_grid_serial(
    a_re: np.ndarray, a_im: np.ndarray, ey: np.ndarray
) -> np.ndarray:  # pragma: no cover
    out = np.empty((ey.shape[2], a_re.shape[2]))
    for iy in range(ey.shape[2]):
        _fk_row(a_re, a_im, ey, iy, out[iy])
    return out


@numba.njit(cache=True, parallel=True)
def _fk_grid_parallel(
    a_re: np.ndarray, a_im: np.ndarray, ey: np.ndarray
) -> np.ndarray:  # pragma: no cover
    out = np.empty((ey.shape[2], a_re.shape[2]))
    for iy in numba.prange(ey.shape[2]):
        _fk_row(a_re, a_im, ey, iy, out[iy])
    return out


PARALLEL_MIN_WORK = 20_000_000
"""Grid points x frequency bins x elements above which the f-k grid runs in parallel
(``prange`` over grid rows). Below it one thread is faster: starting the pool costs more
than it saves, and on few cores an OpenMP pool can contend with other OpenMP users."""


def _fk_grid(
    spec: np.ndarray, w: np.ndarray, x: np.ndarray, y: np.ndarray, sx: np.ndarray, sy: np.ndarray
) -> np.ndarray:
    a_re, a_im, ey = _fk_tables(spec, w, x, y, sx, sy)
    work = len(sx) * len(sy) * spec.shape[0] * spec.shape[1]
    if work >= PARALLEL_MIN_WORK:
        return np.asarray(_fk_grid_parallel(a_re, a_im, ey))
    return np.asarray(_fk_grid_serial(a_re, a_im, ey))


def _prepare(
    data: np.ndarray,
    fs: float,
    offsets_km: np.ndarray,
    fmin: float,
    fmax: float,
    shifts_s: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    spec, freqs = fk_spectra(data, fs, fmin, fmax)
    xy = np.asarray(offsets_km, dtype=np.float64)
    if xy.shape != (spec.shape[0], 2):
        raise ValueError(f"offsets_km must be ({spec.shape[0]}, 2), got {xy.shape}")
    if shifts_s is not None:
        # data[j] starts shifts_s[j] later than the common window: undo that in phase.
        sh = np.asarray(shifts_s, dtype=np.float64)
        spec = spec * np.exp(-2j * np.pi * freqs[None, :] * sh[:, None])
    denom = spec.shape[0] * float(np.sum(spec.real**2 + spec.imag**2))
    return spec, freqs, xy, denom


def fk_power(
    data: np.ndarray,
    fs: float,
    offsets_km: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
    fmin: float,
    fmax: float,
    *,
    shifts_s: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Broad-band beam power on the slowness grid ``sy x sx`` [s/km] for one window.

    ``data`` ``(n_el, n_samp)`` at ``fs`` [Hz]; ``offsets_km`` ``(n_el, 2)`` [east, north];
    ``sx``, ``sy`` 1-D grid axes [s/km]; band ``fmin``-``fmax`` [Hz]. ``shifts_s`` (optional,
    [s]): element ``j``'s window starts that much later than the common window (pre-steered
    windows); it is compensated exactly in phase. Returns ``(relpow (nsy, nsx), abspow
    (nsy, nsx), freqs [Hz])``; ``relpow`` and ``abspow`` are ObsPy's 'relpow' and 'abspow'
    for ``method=0``, ``prewhiten=0``.
    """
    spec, freqs, xy, denom = _prepare(data, fs, offsets_km, fmin, fmax, shifts_s)
    sxa = np.ascontiguousarray(sx, dtype=np.float64)
    sya = np.ascontiguousarray(sy, dtype=np.float64)
    absp = _fk_grid(
        np.ascontiguousarray(spec),
        2.0 * np.pi * freqs,
        np.ascontiguousarray(xy[:, 0]),
        np.ascontiguousarray(xy[:, 1]),
        sxa,
        sya,
    )
    rel = absp / denom if denom > 0 else np.zeros_like(absp)
    return rel, absp, freqs


def fk_power_py(
    data: np.ndarray,
    fs: float,
    offsets_km: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
    fmin: float,
    fmax: float,
    *,
    shifts_s: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain reference version of :func:`fk_power` (direct steering vectors per grid point)."""
    spec, freqs, xy, denom = _prepare(data, fs, offsets_km, fmin, fmax, shifts_s)
    absp = np.empty((len(sy), len(sx)))
    for iy, syv in enumerate(sy):
        for ix, sxv in enumerate(sx):
            tau = sxv * xy[:, 0] + syv * xy[:, 1]  # (n,)
            steer = np.exp(2j * np.pi * freqs[None, :] * tau[:, None])  # (n, nf)
            absp[iy, ix] = np.sum(np.abs(np.sum(spec * steer, axis=0)) ** 2)
    rel = absp / denom if denom > 0 else np.zeros_like(absp)
    return rel, absp, freqs


def fstat_from_relpower(relpow: np.ndarray | float, n_elements: int) -> np.ndarray | float:
    """Fisher F-statistic of a delay-and-sum beam from its relative power.

    Blandford (1974): ``F = (N - 1) / N * sum_t (sum_j x_j)^2 / sum_t sum_j (x_j - b)^2`` with
    ``b`` the beam. Since ``relpow = N sum|B|^2 / sum_j sum|X_j|^2`` (Parseval, band-limited),
    ``F = (N - 1) relpow / (1 - relpow)``. Noise alone gives ``F ~ 1``; a signal of beam
    power signal-to-noise ratio ``SNR`` gives ``F ~ 1 + N SNR``.
    """
    r = np.clip(np.asarray(relpow, dtype=np.float64), 0.0, 1.0 - 1e-12)
    f = (n_elements - 1) * r / (1.0 - r)
    return float(f) if np.ndim(f) == 0 else f
