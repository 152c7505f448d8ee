"""Seismic (and infrasound) signals of one event at one site, calibrated to ML and mb.

Phases (:func:`plan_phases`) come from the project's ak135 tables
(:func:`openndc.traveltime.load_travel_times`): the first P (Pg/Pn/P/PKP as the tables name
it), Pg after Pn to 10 deg, the first S (Sg/Sn/S), Lg (3.5 km/s) for crustal sources to
25 deg, and beyond 20 deg the depth phases pP and sP of earthquakes deeper than 15 km and
the teleseismic S of earthquakes to 95 deg.

Each phase is a band-limited Gaussian carrier times an envelope with a sharp onset (linear
rise over ``rise`` [s]) and an exponential coda (decay time ``tau`` [s]). The carrier's
displacement spectrum is a Brune source (corner ``fc``), path attenuation
``exp(-pi f^(1-eta) T / Q0)`` (T the travel time), and a high-pass at ``highpass`` [Hz].
Ripple-fired blasts convolve the whole record with ``ripple_n`` equal shots ``ripple_dt`` s
apart. Array elements see the same carriers delayed as a plane wave (slowness and
back-azimuth of the phase at the array's reference point).

Calibration (:func:`render_site`): the P group on the vertical is scaled so that OpenNDC's
own mb amplitude routine (:func:`openndc.detection.amplitude.mb_amplitude`: causal
0.8-4.5 Hz, half peak-to-peak in 6 s, filter and instrument corrected) measured on the
noise-free record gives the input mb through the IDC/Veith-Clawson formula
(:func:`openndc.magnitude.calibration.amplitude_for_mb`, at the measured period); the S group
on each component is scaled so that the Wood-Anderson amplitude
(:func:`openndc.detection.amplitude.wood_anderson_amplitude`, geometric mean of the
horizontals) gives the input ML through the IASPEI formula
(:func:`openndc.magnitude.calibration.amplitude_for_ml`, hypocentral distance) up to
:data:`ML_MAX_DISTANCE_KM`. Beyond it (and for teleseisms) the S group is a fixed ratio of P.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from obspy import Trace, UTCDateTime

from openndc.detection.amplitude import mb_amplitude, wood_anderson_amplitude
from openndc.magnitude.calibration import amplitude_for_mb, amplitude_for_ml
from openndc.model.geodesy import DEG_KM
from openndc.model.inventory import ChannelInfo
from openndc.scenario.events import ScenarioEvent
from openndc.traveltime import TravelTimes

__all__ = [
    "INFRASOUND_MAX_DEG",
    "LG_MAX_DISTANCE_KM",
    "MB_MIN_DISTANCE_DEG",
    "ML_MAX_DISTANCE_KM",
    "Phase",
    "SiteGeometry",
    "SiteRender",
    "corner_frequency",
    "plan_phases",
    "render_site",
]

FloatArray = npt.NDArray[np.float64]

#: Infrasound (I) is synthesized for surface explosions up to this distance [deg].
INFRASOUND_MAX_DEG = 6.0
#: ML calibration (IASPEI) applies to hypocentral distances up to this [km]; beyond it, to
#: :data:`LG_MAX_DISTANCE_KM`, the Wood-Anderson amplitude continues from its value there as
#: ``(ML_MAX_DISTANCE_KM / R)^1.3`` (Lg propagates efficiently across the Kazakh platform;
#: the IASPEI term 0.00189 R, from California, would make Lg weaker than P).
ML_MAX_DISTANCE_KM = 1000.0
#: Beyond this hypocentral distance [km] the S group is a fixed ratio of P.
LG_MAX_DISTANCE_KM = 2500.0
#: Below this distance [deg] the mb table is not used as it stands: Q(2 deg) is used.
MB_MIN_DISTANCE_DEG = 2.0
#: Beyond 100 deg (PKP, Pdiff) the Veith-Clawson table ends: Q(100 deg) + 0.5 is used.
_MB_BEYOND_100_EXTRA = 0.5
_UNIT = ChannelInfo(code="SYN", sensitivity=1.0, sensitivity_frequency_hz=1.0, input_units="M/S")


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase at a site: name, group (``P``, ``S`` or ``I``), travel time [s] to the
    reference point, horizontal slowness [s/deg], relative amplitude in its group, corner
    [Hz], attenuation ``T/Q0`` [s] and exponent ``eta``, envelope ``rise`` and ``tau`` [s],
    high-pass corner [Hz]."""

    name: str
    group: str
    travel_time: float
    slowness: float
    rel: float
    fc: float
    t_over_q: float
    eta: float
    rise: float
    tau: float
    highpass: float


def corner_frequency(mb: float, explosion: bool) -> float:
    """Brune corner frequency [Hz]: 10 Hz at magnitude 3, a factor sqrt(10) lower per unit
    (explosions x1.5: smaller source, richer in high frequencies)."""
    fc = 10.0 ** (1.0 - 0.5 * (mb - 3.0))
    return float(min(15.0, fc * (1.5 if explosion else 1.0)))


def plan_phases(
    event: ScenarioEvent, distance_deg: float, tt: TravelTimes, kind: str = "seismic"
) -> list[Phase]:
    """The phases of ``event`` at ``distance_deg`` [deg] (see the module docstring).

    ``kind="infrasound"``: the infrasound phase ``I`` (celerity 0.30 km/s, trace velocity
    0.34 km/s) of explosions at most 1 km deep and within :data:`INFRASOUND_MAX_DEG`.
    """
    d, h = distance_deg, min(event.depth_km, tt.max_depth)
    if kind == "infrasound":
        if not (event.is_explosion and event.depth_km <= 1.0 and d <= INFRASOUND_MAX_DEG):
            return []
        ti = float(tt.time("I", d, 0.0))
        dkm = d * DEG_KM
        return [Phase("I", "I", ti, DEG_KM / 0.34, 1.0, 3.0, 0.0, 0.0, 1.0, 5.0 + dkm / 100.0, 0.4)]
    dkm = d * DEG_KM
    expl = event.is_explosion
    fc = corner_frequency(event.mb, expl)
    src = 1.0 / fc + (event.ripple_n - 1) * event.ripple_dt
    out: list[Phase] = []
    t_p, label = tt.first_arrival(d, h, "P")
    tp = float(t_p)
    if not math.isfinite(tp):
        return out
    p_name = str(label)
    p_slow = _slowness(tt, p_name, d, h)
    regional = d < 20.0
    if regional:
        out.append(
            Phase(p_name, "P", tp, p_slow, 1.0, fc, tp / 1500.0, 0.4,
                  0.05 + 0.3 * src, 1.0 + dkm / 400.0 + src, 0.3)
        )  # fmt: skip
        if p_name == "Pn" and d < 10.0:
            tg, sg, _ = tt.derivatives("Pg", d, h)
            if math.isfinite(float(tg)) and float(tg) > tp + 1.0:
                rel = float(np.interp(d, [2.0, 10.0], [1.2, 0.4]))
                out.append(
                    Phase("Pg", "P", float(tg), float(sg), rel, fc, float(tg) / 1000.0, 0.4,
                          0.1 + 0.3 * src, 1.5 + dkm / 300.0 + src, 0.3)
                )  # fmt: skip
        t_s, s_label = tt.first_arrival(d, h, "S")
        ts = float(t_s)
        lg_ok = h <= 40.0 and d < 25.0
        t_lg = float(tt.time("Lg", d, h))
        if math.isfinite(ts):
            s_slow = _slowness(tt, str(s_label), d, h)
            rel_s = 0.5 if lg_ok and t_lg > ts + 2.0 else 1.0
            out.append(
                Phase(str(s_label), "S", ts, s_slow, rel_s, fc / 1.5, ts / 800.0, 0.5,
                      0.1 + 0.3 * src, 2.0 + dkm / 250.0 + src, 0.3)
            )  # fmt: skip
        if lg_ok and (not math.isfinite(ts) or t_lg > ts + 2.0):
            out.append(
                Phase("Lg", "S", t_lg, DEG_KM / 3.5, 1.0, fc / 1.5, t_lg / 600.0, 0.5,
                      0.5 + 0.5 * src, 3.0 + dkm / 80.0 + src, 0.3)
            )  # fmt: skip
        return out
    # teleseismic
    tstar = 0.8 if p_name == "PKP" else 0.5
    out.append(
        Phase(p_name, "P", tp, p_slow, 1.0, fc, tstar, 0.0, 0.05 + 0.3 * src,
              2.0 + 0.5 * src, 0.1)
    )  # fmt: skip
    if not expl and h >= 15.0:
        for name, rel in (("pP", -0.7), ("sP", 0.5)):
            t, s, _ = tt.derivatives(name, d, h)
            if math.isfinite(float(t)) and float(t) > tp + 0.5:
                out.append(
                    Phase(name, "P", float(t), float(s), rel, fc, tstar, 0.0,
                          0.05 + 0.3 * src, 2.0 + 0.5 * src, 0.1)
                )  # fmt: skip
    if d < 95.0:
        t_s, s_label = tt.first_arrival(d, h, "S")
        if math.isfinite(float(t_s)):
            s_slow = _slowness(tt, "S", d, h)
            out.append(
                Phase(str(s_label), "S", float(t_s), s_slow, 1.0, fc / 1.5, 3.0, 0.0,
                      0.5 + 0.5 * src, 6.0 + src, 0.05)
            )  # fmt: skip
    return out


def _slowness(tt: TravelTimes, label: str, d: float, h: float) -> float:
    """Slowness [s/deg] of the named phase, falling back to the generic first P/S table."""
    s = float(tt.derivatives(_table_name(label), d, h)[1])
    if not math.isfinite(s):
        s = float(tt.derivatives("S" if label.startswith("S") else "P", d, h)[1])
    return s if math.isfinite(s) else DEG_KM / (4.5 if label.startswith("S") else 8.0)


def _table_name(label: str) -> str:
    return {"Sg": "Sg", "Sn": "Sn", "Pg": "Pg", "Pn": "Pn", "PKP": "PKP"}.get(
        label, "S" if label.startswith("S") else "P"
    )


@dataclass
class SiteRender:
    """The rendered signal of one event at one site (station or array).

    ``traces[element][channel_key]`` is ``(first sample index, velocity [m/s] or pressure
    [Pa] float32)`` on the scenario's sample grid of that channel's rate; ``arrivals`` rows
    for the truth table; ``measured`` the calibration numbers.
    """

    traces: dict[int, dict[str, tuple[int, npt.NDArray[np.float32]]]] = field(default_factory=dict)
    arrivals: list[dict[str, object]] = field(default_factory=list)
    scale_p: float = math.nan
    scale_s: dict[str, float] = field(default_factory=dict)


def _shape(freqs: FloatArray, ph: Phase) -> FloatArray:
    f = np.maximum(freqs, 1e-9)
    src = 1.0 / (1.0 + (f / ph.fc) ** 2)
    att = np.exp(-np.pi * f ** (1.0 - ph.eta) * ph.t_over_q)
    hp = (f / ph.highpass) ** 4 / (1.0 + (f / ph.highpass) ** 4)
    out = src * att * hp
    out[0] = 0.0
    return np.asarray(out, dtype=np.float64)


def _envelope(t: FloatArray, rise: float, tau: float) -> FloatArray:
    e = np.where(t < rise, t / rise, np.exp(-(t - rise) / tau))
    return np.asarray(np.where(t >= 0.0, e, 0.0), dtype=np.float64)


def _carrier_spectrum(nfft: int, rng: np.random.Generator) -> npt.NDArray[np.complex128]:
    m = nfft // 2 + 1
    return rng.standard_normal(m) + 1j * rng.standard_normal(m)


def _envelope_rate(t: FloatArray, rise: float, tau: float) -> FloatArray:
    """Time derivative of :func:`_envelope` [1/s]."""
    e = np.where(t < rise, 1.0 / rise, -np.exp(-(t - rise) / tau) / tau)
    return np.asarray(np.where(t >= 0.0, e, 0.0), dtype=np.float64)


def _ripple_apply(
    x: FloatArray, nfft: int, ripple: npt.NDArray[np.complex128] | None
) -> FloatArray:
    """``x`` convolved with the ripple-fire shot pattern (identity for a single shot)."""
    if ripple is None:
        return x
    return np.asarray(np.fft.irfft(np.fft.rfft(x, nfft) * ripple, nfft)[: len(x)], dtype=np.float64)


def _ripple(freqs: FloatArray, event: ScenarioEvent) -> npt.NDArray[np.complex128] | None:
    if event.ripple_n <= 1 or event.ripple_dt <= 0:
        return None
    k = np.arange(event.ripple_n)
    return np.asarray(
        np.exp(-2j * np.pi * np.outer(freqs, k * event.ripple_dt)).mean(axis=1),
        dtype=np.complex128,
    )


@dataclass(frozen=True, slots=True)
class SiteGeometry:
    """Where the site is seen from the event: distance [deg], back-azimuth [deg], hypocentral
    distance [km], element offsets ``(n, 2)`` [km east, north], and per element the channel
    keys with their component (``Z``, ``H<azimuth>`` or ``P`` for pressure) and rate [Hz]."""

    distance: float
    backazimuth: float
    hypo_km: float
    offsets_km: FloatArray
    channels: tuple[tuple[tuple[str, str, float], ...], ...]


def _wa_peak(v: FloatArray, fs: float, i0: int) -> float:
    tr = Trace(np.asarray(v, dtype=np.float64))
    tr.stats.sampling_rate = fs
    tr.stats.channel = "SYZ"
    t0 = tr.stats.starttime + i0 / fs
    amp, _ = wood_anderson_amplitude([tr], t0, len(v) / fs, {tr.id: _UNIT})
    return amp


def _mb_measure(v: FloatArray, fs: float, i0: int) -> tuple[float, float]:
    tr = Trace(np.asarray(v, dtype=np.float64))
    tr.stats.sampling_rate = fs
    amp, period, _ = mb_amplitude(tr, tr.stats.starttime + i0 / fs, None, _UNIT)
    return amp, period


def _mb_target_q_distance(d: float) -> float:
    return float(min(max(d, MB_MIN_DISTANCE_DEG), 100.0))


def render_site(
    event: ScenarioEvent,
    phases: Sequence[Phase],
    geom: SiteGeometry,
    start: UTCDateTime,
    n_samples: dict[float, int],
    seed: Sequence[int],
) -> SiteRender:
    """Render ``phases`` of ``event`` at every element and channel of a site.

    ``start`` is the scenario start (sample 0 of every channel); ``n_samples`` maps each
    sampling rate [Hz] to the channel length; ``seed`` makes the carriers (the same for all
    elements, so the wave is coherent across an array). Scales are calibrated at the
    highest rate and reused at the others.
    """
    out = SiteRender()
    seis = [p for p in phases if p.group in "PS"]
    if not seis and not any(p.group == "I" for p in phases):
        return out
    rates = sorted({r for chans in geom.channels for _, _, r in chans}, reverse=True)
    baz = math.radians(geom.backazimuth)
    az_r = baz + math.pi  # radial direction (away from the source)
    ue, un = math.sin(baz), math.cos(baz)
    rng0 = np.random.default_rng([*seed, 7])
    psi = float(rng0.uniform(0.2, 1.3))  # SV/SH split of the S energy
    scales: dict[str, float] | None = None
    for fs in rates:
        res = _render_rate(
            event, phases, geom, start, fs, n_samples[fs], seed, (az_r, ue, un, psi), scales
        )
        if scales is None:
            scales = res.scales
            out.scale_p = scales.get("P", math.nan)
            out.scale_s = {k: v for k, v in scales.items() if k.startswith("S")}
            out.arrivals = res.arrivals
        for k, chans in res.traces.items():
            out.traces.setdefault(k, {}).update(chans)
    return out


def _render_rate(
    event: ScenarioEvent,
    phases: Sequence[Phase],
    geom: SiteGeometry,
    start: UTCDateTime,
    fs: float,
    n_total: int,
    seed: Sequence[int],
    angles: tuple[float, float, float, float],
    scales: dict[str, float] | None,
) -> _RateResult:
    az_r, ue, un, psi = angles
    elems = [k for k, chans in enumerate(geom.channels) if any(r == fs for _, _, r in chans)]
    # plane-wave delay of each element for each phase [s]
    xy = geom.offsets_km
    proj = xy[:, 0] * ue + xy[:, 1] * un  # [km] towards the source
    max_delay = max(
        (abs(p.slowness) / DEG_KM * float(np.abs(proj).max()) for p in phases), default=0.0
    )
    t_first = min(p.travel_time for p in phases)
    t_last = max(p.travel_time + p.rise + 6.0 * p.tau for p in phases)
    pre = 12.0 + max_delay
    post = 10.0 + max_delay
    t0_abs = event.time + t_first - pre - start  # [s] from scenario start
    i_seg = math.floor(t0_abs * fs)
    n = math.ceil((t_last - t_first + pre + post) * fs)
    nfft = 1 << math.ceil(math.log2(n + 1))
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    ripple = _ripple(freqs, event)
    t_grid = np.arange(n) / fs
    seg_start_rel = i_seg / fs - (event.time - start)  # segment start minus origin [s]

    two_pi_if = 2j * np.pi * freqs

    def carrier(ph_index: int, which: int, ph: Phase, delay: float, onset: float) -> FloatArray:
        """Ground *velocity* of a unit-RMS displacement wavelet ``c(t) e(t)``: computed as
        ``c'(t) e(t) + c(t) e'(t)`` (c' spectrally, e' analytically) so that nothing leaks
        before the onset."""
        rng = np.random.default_rng([*seed, ph_index, which])
        w = _carrier_spectrum(nfft, rng) * _shape(freqs, ph)
        norm = max(math.sqrt(2.0 * float(np.sum(np.abs(w) ** 2))) / nfft, 1e-30)
        w *= np.exp(-2j * np.pi * freqs * (onset + delay)) / norm
        c = np.fft.irfft(w, nfft)[:n]
        dc = np.fft.irfft(w * two_pi_if, nfft)[:n]
        tt_ = t_grid - onset - delay
        env, denv = _envelope(tt_, ph.rise, ph.tau), _envelope_rate(tt_, ph.rise, ph.tau)
        return np.asarray(dc * env + c * denv, dtype=np.float64)

    # velocity of each group and component at each element: key (group, comp)
    groups: dict[int, dict[tuple[str, str], FloatArray]] = {}
    for k in elems + ([0] if 0 not in elems else []):
        comp: dict[tuple[str, str], FloatArray] = {}
        for i, ph in enumerate(phases):
            onset = ph.travel_time - seg_start_rel
            delay = -abs(ph.slowness) / DEG_KM * float(proj[k])
            if ph.group == "P":
                c = carrier(i, 0, ph, delay, onset) * ph.rel
                hfac = 0.5 if geom.distance < 20 else 0.3
                _acc(comp, ("P", "Z"), c)
                _acc(comp, ("P", "R"), c * hfac)
            elif ph.group == "S":
                sv = carrier(i, 1, ph, delay, onset) * ph.rel
                sh = carrier(i, 2, ph, delay, onset) * ph.rel
                _acc(comp, ("S", "R"), sv * math.cos(psi))
                _acc(comp, ("S", "T"), sh * math.sin(psi))
                _acc(comp, ("S", "Z"), sv * 0.6)
            else:
                _acc(comp, ("I", "P"), carrier(i, 3, ph, delay, onset) * ph.rel)
        groups[k] = comp

    def vel(x: FloatArray) -> FloatArray:
        return _ripple_apply(x, nfft, ripple)

    def horiz(d: dict[tuple[str, str], FloatArray], g: str, az_deg: float) -> FloatArray:
        r = d.get((g, "R"), np.zeros(n))
        t = d.get((g, "T"), np.zeros(n))
        a = math.radians(az_deg)
        # radial unit (cos az_r, sin az_r) in (N, E); transverse (-sin az_r, cos az_r)
        north = r * math.cos(az_r) - t * math.sin(az_r)
        east = r * math.sin(az_r) + t * math.cos(az_r)
        return north * math.cos(a) + east * math.sin(a)

    arrivals: list[dict[str, object]] = []
    if scales is None:
        scales = _calibrate(event, phases, geom, groups[0], fs, seg_start_rel, vel, horiz, arrivals)
    result = _RateResult(scales, arrivals, {})
    for k in elems:
        d = groups[k]
        chans: dict[str, tuple[int, npt.NDArray[np.float32]]] = {}
        for key, compname, rate in geom.channels[k]:
            if rate != fs:
                continue
            if compname == "P":
                if ("I", "P") not in d:
                    continue
                x = d[("I", "P")] * scales.get("I", 0.0)
            elif compname == "Z":
                x = vel(d.get(("P", "Z"), np.zeros(n))) * scales.get("P", 0.0) + vel(
                    d.get(("S", "Z"), np.zeros(n))
                ) * scales.get("SZ", 0.0)
            else:
                az = float(compname[1:])
                x = vel(horiz(d, "P", az)) * scales.get("P", 0.0) + vel(
                    horiz(d, "S", az)
                ) * scales.get("SH", 0.0)
            lo = max(0, -i_seg)
            hi = min(n, n_total - i_seg)
            if hi <= lo:
                continue
            chans[key] = (i_seg + lo, x[lo:hi].astype(np.float32))
        result.traces[k] = chans
    return result


@dataclass
class _RateResult:
    scales: dict[str, float]
    arrivals: list[dict[str, object]]
    traces: dict[int, dict[str, tuple[int, npt.NDArray[np.float32]]]]


def _acc(d: dict[tuple[str, str], FloatArray], key: tuple[str, str], x: FloatArray) -> None:
    if key in d:
        d[key] = d[key] + x
    else:
        d[key] = x


def _calibrate(
    event: ScenarioEvent,
    phases: Sequence[Phase],
    geom: SiteGeometry,
    d: dict[tuple[str, str], FloatArray],
    fs: float,
    seg_start_rel: float,
    vel: object,
    horiz: object,
    arrivals: list[dict[str, object]],
) -> dict[str, float]:
    """Scales of the P group (mb), the S group on the vertical (``SZ``) and horizontals
    (``SH``) and of infrasound (``I``); fills the truth arrival rows."""
    assert callable(vel) and callable(horiz)
    scales: dict[str, float] = {}
    p_phases = [p for p in phases if p.group == "P"]
    s_phases = [p for p in phases if p.group == "S"]
    i_phases = [p for p in phases if p.group == "I"]
    mb_amp, mb_per = math.nan, math.nan
    n = len(next(iter(d.values())))
    if p_phases and ("P", "Z") in d:
        first = min(p_phases, key=lambda p: p.travel_time)
        i_on = round((first.travel_time - seg_start_rel) * fs)
        vz = vel(d[("P", "Z")])
        amp, per = _mb_measure(vz, fs, i_on)
        if math.isfinite(amp) and amp > 0 and math.isfinite(per):
            qd = _mb_target_q_distance(geom.distance)
            target = float(amplitude_for_mb(event.mb, qd, event.depth_km, per))
            if geom.distance > 100.0:
                target /= 10.0**_MB_BEYOND_100_EXTRA
            scales["P"] = target / amp
            mb_amp, mb_per = target, per
        else:
            scales["P"] = 0.0
    wa_target = math.nan
    if s_phases:
        ml_ok = geom.hypo_km <= LG_MAX_DISTANCE_KM and geom.distance < 20.0
        ratio = 0.3 if event.is_explosion else 2.0
        nominal = scales.get("P", 0.0) * ratio
        if ml_ok and math.isfinite(event.ml):
            r = geom.hypo_km
            if r <= ML_MAX_DISTANCE_KM:
                wa_target = float(amplitude_for_ml(event.ml, r))
            else:
                wa_target = (
                    float(amplitude_for_ml(event.ml, ML_MAX_DISTANCE_KM))
                    * (ML_MAX_DISTANCE_KM / r) ** 1.3
                )
            first_p = min((p.travel_time for p in p_phases), default=s_phases[0].travel_time)
            i0 = max(0, round((first_p - seg_start_rel) * fs) - 1)
            sp = scales.get("P", 0.0)
            zp = vel(d.get(("P", "Z"), np.zeros(n))) * sp
            zs = vel(d.get(("S", "Z"), np.zeros(n)))
            # explosions: the vertical keeps S/P low (weak S/Lg on the vertical, as observed);
            # their ML comes from the horizontals
            scales["SZ"] = (
                nominal if event.is_explosion else _solve([zp], [zs], wa_target, fs, i0, nominal)
            )
            hp = [vel(horiz(d, "P", a)) * sp for a in (0.0, 90.0)]
            hs = [vel(horiz(d, "S", a)) for a in (0.0, 90.0)]
            scales["SH"] = _solve(hp, hs, wa_target, fs, i0, nominal)
        else:
            scales["SZ"] = scales["SH"] = nominal
    for _ph in i_phases:
        r = max(geom.distance * DEG_KM, 1.0)
        scales["I"] = 0.3 * 10.0 ** (0.5 * (event.ml - 3.0)) * (100.0 / r)
        break
    biggest_s = max(s_phases, key=lambda p: p.rel) if s_phases else None
    first_p_phase = min(p_phases, key=lambda p: p.travel_time) if p_phases else None
    for ph in phases:
        amp, per = math.nan, math.nan
        if ph is first_p_phase:
            amp, per = mb_amp, mb_per
        elif ph is biggest_s:
            amp = wa_target
        elif ph.group == "I":
            amp = scales.get("I", math.nan)
        arrivals.append(
            {
                "phase": ph.name,
                "travel_time": ph.travel_time,
                "amplitude": amp,
                "period": per,
                "slowness": abs(ph.slowness),
                "group": ph.group,
            }
        )
    return scales


def _solve(
    p_parts: list[FloatArray],
    s_parts: list[FloatArray],
    target: float,
    fs: float,
    i0: int,
    fallback: float,
) -> float:
    """Scale ``s`` of the S parts so that the geometric mean of the Wood-Anderson peaks of
    ``p + s * s_part`` equals ``target`` [nm] (fixed-point iterations)."""

    def peak(s: float) -> float:
        vals = [_wa_peak(p + s * q, fs, i0) for p, q in zip(p_parts, s_parts, strict=True)]
        return float(np.exp(np.mean(np.log(np.maximum(np.nan_to_num(vals), 1e-30)))))

    peaks = [_wa_peak(q, fs, i0) for q in s_parts]
    unit = float(np.exp(np.mean(np.log(np.maximum(np.nan_to_num(peaks), 1e-30)))))
    if not unit > 1e-29:
        return fallback
    s = target / unit
    for _ in range(4):
        got = peak(s)
        if not got > 0:
            return fallback
        s *= target / got
        if abs(got / target - 1.0) < 0.01:
            break
    return max(s, 0.0) if math.isfinite(s) else fallback
