"""IMS-style association test set: real IMS geometry, real catalogue origins, synthetic detections.

- *Sites*: the IMS primary seismic (IMS_PRI), hydroacoustic (IMS_HYD) and infrasound
  (IMS_INF) stations of the IMS site tables (``../shared/data/ims_site_tables``, SNL-GMS);
  an array is one site at its reference point and measures back-azimuth and slowness well,
  a 3-C station measures them poorly (the IDC's 3-C azimuths carry 15-40 deg).
- *Origins*: the 215 ISC origins of the Tunisia bulletin (``bulletins/isc_tunisia_mloc``,
  latitude, longitude, depth, magnitude as published; origin times re-spaced to one event
  every ~6 minutes so that records overlap), the six global CMT origins ObsPy ships
  (``multiple_events.ndk``: 29-152 km deep) and the 2006 DPRK LocSAT origin.
- *Detections* (seeded), one physical model for detection and amplitude: every P carries
  the ``amplitude`` [nm] (half peak-to-peak) and ``period`` [s] the detector fills for mb,
  ``log10(A/T) = mb - Q(Delta, h) + e`` with the IDC's mb correction ``Q`` (Veith-Clawson
  1972, :func:`openndc.model.mb.mb_q`; Q(2 deg) closer than 2 deg and Q(100 deg) + 0.5
  beyond 100 deg, as the scenario synthesizer does) and a station-magnitude scatter ``e``
  of sigma 0.3 (the spread of IDC station mb about the network mb) from 20 deg on, 0.5
  closer (regional amplitudes against Q: the ISC's readings, docs/association.md; 0.3
  there too before 2026-12-06). Each site has a noise
  level ``N`` in log10(A/T) [nm/s], drawn once (3-C 0.3, arrays 0.0 after the beam's gain,
  sigma 0.3 between sites); a station detects its P when ``A/T >= N x 3`` (SNR 3) and, as
  before, 90 % of the time (outages, masking); ``snr`` is ``A / (T N)``. The period is
  1.0 s beyond 20 deg and 0.5 s closer (x 10^N(0, 0.1)). S / Lg within 20 deg where the P
  is 0.3 above the threshold (half of them), amplitude x 2; pP beyond 20 deg for events
  deeper than 40 km and PcP at 20-60 deg (40 % each, with the P's amplitude x 10^-0.3 and x
  10^-0.6); T at hydroacoustic stations within 90 deg of shallow events where sound reaches
  them (``openndc.geo.hydro_paths`` with the association's defaults: an event on land within
  500 km of the sea, no land on the water path; the seismic leg at 8 km/s, the water at
  1.48 km/s, +- 5 s; before 2026-12-06 every such station, at 1.48 km/s: no Tunisian
  event's path to an IMS hydrophone is open, Africa and Europe close the Mediterranean)
  and I at infrasound arrays within 15 deg (celerity 0.30-0.34 km/s, back-azimuth +- 3 deg),
  without amplitudes; pick noise 0.5 s (arrays) / 1 s (3-C), back-azimuth noise 5 deg
  (arrays) / 25 deg (3-C, reported as such), slowness noise 1 / 4 s/deg. False detections
  2 per site-hour with amplitudes at their site's noise level: SNR 3 x 10^x, x exponential
  with mean 0.2 (just above the threshold, a Pareto tail of exponent ~2.2 in amplitude),
  period 0.3-1.5 s; at hydroacoustic and infrasound sites 2 T or I per site-hour (I with a
  back-azimuth uniform over the circle; drawn from a stream of their own, so a seed's
  seismic detections are those it gave before). Detections are labelled as a detector
  would: P or S by slowness at arrays, P/S at 3-C stations, later phases as P, T and I as
  such.

Scored by detection content: a found event belongs to the true event that gives most of
its seismic arrivals (T and I join events after they are formed); recall, precision and
splits by the number of stations with a P (the defining data the REB asks for: >= 3
primary stations).

Configurations: the defaults, the REB's three-station events alone
(``reb_rules_config(ndc_coda_not_defining=False, ndc_refine_depths=())``) and all the REB
options (``reb_rules_config()``); ``--no-amplitudes`` runs them without the amplitude
evidence (``ndc_amplitude_evidence=False``).

Usage: ``python benchmarks/bench_association_ims.py [--seed 1] [--no-amplitudes]
[--false-rate 2] [--ti-false-rate 2] [--azimuth-outliers F] [--hours H] [--azimuth-bias
DEG] [--slowness-bias S] [--codas]``: ``--false-rate`` sets the false detections per
seismic site and hour (the noise above), ``--ti-false-rate`` those per hydroacoustic and
infrasound site and hour, ``--azimuth-outliers`` reverses that fraction of the 3-C azimuths
(:func:`with_azimuth_outliers`), ``--hours`` keeps the first hours; ``--azimuth-bias``
and ``--slowness-bias`` give each station a constant error of its measured back-azimuths
[deg] and slownesses [s/deg], drawn once per station with that sigma and not reported in
the uncertainties: arrays without slowness-azimuth station corrections (SASC), whose
measurements are biased by the structure under them. ``--codas`` gives every arrival a
coda (:func:`with_codas`): an arrival below SNR 3 over the noise and the earlier arrivals'
codas at its station is not detected, and the detector re-triggers in the codas. The
association is told what the set's SNRs are against (``ndc_detection_snr``): the noise
without ``--codas``, the background of noise and codas with it (an STA/LTA detector's).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
from obspy import UTCDateTime, read_events

from openndc.association import AssociationConfig, associate, reb_rules_config
from openndc.association.later import hydro_travel_times
from openndc.model import Detection, MonitoringNetwork
from openndc.model.errors import ConfigError
from openndc.model.geodesy import DEG_KM, distance_azimuth
from openndc.model.mb import mb_q
from openndc.scenario.signals import MB_MIN_DISTANCE_DEG
from openndc.traveltime import load_travel_times

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support
from tests.support.ims import ims_affiliations, ims_array_codes, read_ims_network
from tests.support.isc import read_bulletin

T0 = UTCDateTime(2024, 1, 1)
#: Spread of station mb about the event's mb (IDC station magnitudes: ~0.3) from 20 deg
#: on, and closer (regional P amplitudes against the Veith-Clawson Q; the ISC's readings
#: of the Tunisian events: 0.45 at 5-20 deg, 0.8 within 5; since 2026-12-06, 0.3 before).
STATION_MB_SIGMA = 0.3
REGIONAL_MB_SIGMA = 0.5
#: A station detects a P whose A/T is this many times its noise level.
SNR_THRESHOLD = 3.0

#: The REB rules (docs/association.md): ``openndc.association.reb_rules_config``.
REB_RULES = reb_rules_config()
#: The hydroacoustic paths the set's T follow (the association's defaults).
HYDRO = AssociationConfig()
#: An event found by its arrivals is also reported when placed farther than this [km] (the
#: training scorer's tolerance); the found counts do not ask it.
FOUND_KM = 250.0
#: The REB's three-station events alone (3-C azimuths weighted, ndc_min_defining_small) with
#: the default coda and depth rules.
THREE_STATION = reb_rules_config(ndc_coda_not_defining=False, ndc_refine_depths=())


def _shared() -> Path:
    return Path(
        os.environ.get("OPENNDC_SHARED_DATA", Path(__file__).parents[1] / ".." / "shared" / "data")
    )


def origins() -> list[tuple[float, float, float, float]]:
    """(latitude, longitude, depth [km], magnitude) of the test set's real origins."""
    out = []
    isc = _shared() / "bulletins/isc_tunisia_mloc/isc_bulletin_tunisia_1960-2018_ims1.txt"
    ndk = Path(__import__("obspy").__file__).parent / "io/ndk/tests/data/multiple_events.ndk"
    for cat in (read_bulletin(isc), read_events(str(ndk))):
        for ev in cat:
            o = ev.preferred_origin() or ev.origins[0]
            m = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
            if m is None or o.latitude is None:
                continue
            depth = (o.depth or 10000.0) / 1000.0
            out.append((float(o.latitude), float(o.longitude), depth, float(m.mag)))
    out.append((41.3119, 129.0189, 0.0, 4.1))  # DPRK 2006-10-09, IDC LocSAT (geotool data)
    return out


Origin = tuple[UTCDateTime, float, float, float, float]


def _q(distance: float, depth: float) -> float:
    """The mb correction Q(Delta, h) of the set: Veith-Clawson (1972), Q(2 deg) closer than
    2 deg, Q(100 deg) + 0.5 beyond 100 deg (the scenario synthesizer's conventions)."""
    if distance > 100.0:
        return float(mb_q(100.0, depth)) + 0.5
    return float(mb_q(max(distance, MB_MIN_DISTANCE_DEG), depth))


def _hydro(code: str, t: UTCDateTime, ident: str) -> Detection:
    """A hydroacoustic T detection as the set makes them (no azimuth, no amplitude)."""
    return Detection("IM", code, "", "EDH", t, phase="T", id=ident)


def _infra(code: str, t: UTCDateTime, baz: float, ident: str) -> Detection:
    """An infrasound I detection as the set makes them: back-azimuth [deg] +- 3 deg, the
    slowness of 0.34 km/s with a wide uncertainty, no amplitude."""
    return Detection("IM", code, "", "BDF", t, phase="I", backazimuth=baz,
                     backazimuth_uncertainty=3.0, slowness=DEG_KM / 0.34,
                     slowness_uncertainty=30.0, id=ident)  # fmt: skip


def detections(
    net: MonitoringNetwork, kinds: dict[str, str], arrays: set[str], seed: int,
    false_rate: float = 2.0, ti_false_rate: float = 2.0,
) -> tuple[list[Detection], list[Origin]]:  # fmt: skip
    rng = np.random.default_rng(seed)
    tt = load_travel_times("ak135")
    evs = []
    for k, (la, lo, z, m) in enumerate(origins()):
        evs.append((T0 + 360.0 * k + float(rng.uniform(0, 180)), la, lo, z, m))
    # noise level per site, log10(A/T) [nm/s] (arrays: after the beam's gain)
    noise = {s.code: float(rng.normal(0.0 if s.code in arrays else 0.3, 0.3))
             for s in net.stations}  # fmt: skip
    out: list[Detection] = []

    def add(code: str, t: UTCDateTime, phase: str, k: int, name: str, baz: float,
            slow: float, array: bool, log_at: float = math.nan,
            period: float = math.nan) -> None:  # fmt: skip
        bs, ss, ts = (5.0, 1.0, 0.5) if array else (25.0, 4.0, 1.0)
        amp = period * 10.0**log_at
        out.append(Detection(
            "IM", code, "", "cb" if array else "BHZ", t + float(rng.normal(0, ts)),
            time_uncertainty=ts, phase=phase,
            backazimuth=float((baz + rng.normal(0, bs)) % 360.0), backazimuth_uncertainty=bs,
            slowness=float(max(slow + rng.normal(0, ss), 0.1)), slowness_uncertainty=ss,
            snr=float(10.0 ** (log_at - noise[code])), amplitude=float(amp),
            amplitude_unit="nm" if math.isfinite(amp) else "", period=float(period),
            id=f"ev{k}-{code}-{name}"))  # fmt: skip

    for k, (t0, la, lo, z, m) in enumerate(evs):
        for s in net.stations:
            d, _, baz = distance_azimuth(la, lo, s.latitude, s.longitude)
            d, baz = float(d), float(baz)
            kind = kinds.get(s.code, "IMS_PRI")
            if kind == "IMS_HYD":
                if z < 30 and d < 90 and m >= 3.5 and rng.random() < 0.3:
                    jitter = float(rng.normal(0, 5.0))
                    tt_h, _, reach = hydro_travel_times(la, lo, [s.latitude], [s.longitude], HYDRO)
                    if reach[0]:  # sound reaches the station (the same draws either way)
                        out.append(_hydro(s.code, t0 + float(tt_h[0]) + jitter,
                                          f"ev{k}-{s.code}-T"))  # fmt: skip
                continue
            if kind == "IMS_INF":
                if z < 30 and d < 15 and m >= 3.5 and rng.random() < 0.3:
                    cel = float(rng.uniform(0.30, 0.34))
                    b = float(baz + rng.normal(0, 3))
                    out.append(_infra(s.code, t0 + d * DEG_KM / cel, b, f"ev{k}-{s.code}-I"))
                continue
            array = s.code in arrays
            sigma_mb = REGIONAL_MB_SIGMA if d < 20.0 else STATION_MB_SIGMA
            log_at = m - _q(d, z) + float(rng.normal(0.0, sigma_mb))
            snr_excess = log_at - noise[s.code] - math.log10(SNR_THRESHOLD)
            if snr_excess < 0.0 or rng.random() > 0.9:
                continue
            period = (1.0 if d >= 20.0 else 0.5) * 10.0 ** float(rng.normal(0.0, 0.1))
            best = None
            for ph in ("Pg", "Pn", "P", "PKP"):
                try:
                    tp, pp, _ = tt.derivatives(ph, [d], [z])
                except ConfigError:
                    continue  # a phase the model lacks
                if np.isfinite(tp[0]) and (best is None or tp[0] < best[0]):
                    best = (float(tp[0]), abs(float(pp[0])), ph)
            if best is None:
                continue
            add(s.code, t0 + best[0], "P", k, best[2], baz, best[1], array, log_at, period)
            if d <= 20 and snr_excess >= 0.3 and rng.random() < 0.5:
                ph = "Lg" if d >= 2 else "Sg"
                ts_, sp, _ = tt.derivatives(ph, [d], [z])
                if np.isfinite(ts_[0]):
                    lab = "S" if (not array or abs(float(sp[0])) > 15) else "P"
                    add(s.code, t0 + float(ts_[0]), lab, k, ph, baz, abs(float(sp[0])), array,
                        log_at + 0.3, 2.0 * period)  # fmt: skip
            for ph, ok, rel in (("pP", z > 40 and d > 20, -0.3), ("PcP", 20 <= d <= 60, -0.6)):
                if ok and rng.random() < 0.4:
                    tl, pl, _ = tt.derivatives(ph, [d], [z])
                    if np.isfinite(tl[0]):
                        add(s.code, t0 + float(tl[0]), "P", k, ph, baz, abs(float(pl[0])),
                            array, log_at + rel, period)  # fmt: skip
    span = float(evs[-1][0] - T0) + 1800.0
    n = 0
    for s in net.stations:
        if kinds.get(s.code) in ("IMS_HYD", "IMS_INF"):
            continue
        array = s.code in arrays
        for _ in range(int(rng.poisson(false_rate * span / 3600.0))):
            log_snr = math.log10(SNR_THRESHOLD) + float(rng.exponential(0.2))
            add(s.code, T0 + float(rng.uniform(0, span)), "P", -1, f"false{n}",
                float(rng.uniform(0, 360)), float(rng.uniform(4, 25)), array,
                noise[s.code] + log_snr, float(rng.uniform(0.3, 1.5)))  # fmt: skip
            out[-1] = replace(out[-1], id=f"false-{n}")
            n += 1
    # hydroacoustic and infrasound stations' own noise (T from distant small events, ice,
    # ships; infrasound from microbaroms, surf, industry), drawn apart so that the seismic
    # detections of a seed stay as they were
    rng_ti = np.random.default_rng([seed, 1])
    for s in net.stations:
        tech = kinds.get(s.code, "")
        if tech not in ("IMS_HYD", "IMS_INF"):
            continue
        for _ in range(int(rng_ti.poisson(ti_false_rate * span / 3600.0))):
            t = T0 + float(rng_ti.uniform(0, span))
            if tech == "IMS_HYD":
                out.append(_hydro(s.code, t, f"false-{n}"))
            else:
                out.append(_infra(s.code, t, float(rng_ti.uniform(0, 360)), f"false-{n}"))
            n += 1
    out.sort(key=lambda d: (d.time, d.id))
    return out, evs


def with_station_bias(
    dets: list[Detection], azimuth_sigma: float, slowness_sigma: float, seed: int
) -> list[Detection]:
    """``dets`` with a constant error per station added to the measured back-azimuths [deg]
    and slownesses [s/deg] (drawn once per station, normal with these sigmas; not in the
    reported uncertainties): a station's systematic bias, which slowness-azimuth station
    corrections remove where an NDC has them."""
    rng = np.random.default_rng(10_000 + seed)
    codes = sorted({d.station for d in dets})
    bias = {c: (float(rng.normal(0.0, azimuth_sigma)), float(rng.normal(0.0, slowness_sigma)))
            for c in codes}  # fmt: skip
    out = []
    for d in dets:
        db, ds = bias[d.station]
        baz, slow = d.backazimuth, d.slowness
        if baz is not None and math.isfinite(baz):
            baz = (baz + db) % 360.0
        if slow is not None and math.isfinite(slow):
            slow = max(slow + ds, 0.1)
        out.append(replace(d, backazimuth=baz, slowness=slow))
    return out


def with_azimuth_outliers(dets: list[Detection], fraction: float, seed: int) -> list[Detection]:
    """``dets`` with the back-azimuth of a ``fraction`` of the 3-C stations' detections
    reversed (180 deg, the reported uncertainty kept): the polarisation azimuth's sign
    ambiguity, which real 3-C azimuths show and the Gaussian errors above do not (the
    synthetic day's detector: 6.3 % of 1,088 3-C P beyond 3.5 sigma, most 115-180 deg off;
    the IDC's 2006 DPRK arrivals: JNU 110 deg off, 4.6 sigma). Drawn from a stream of
    their own, one draw per detection in order."""
    rng = np.random.default_rng([seed, 2])
    out = []
    for d in dets:
        flip = rng.random() < fraction
        baz = d.backazimuth
        if flip and d.channel == "BHZ" and baz is not None and math.isfinite(baz):
            d = replace(d, backazimuth=(baz + 180.0) % 360.0)
        out.append(d)
    return out


#: Coda of the set's arrivals (``with_codas``): Aki and Chouet's (1975, JGR 80(23),
#: 3322-3342) single-scattering envelope, ``A(t) ~ t^-1 exp(-pi f t / Qc)`` in lapse time
#: ``t`` from the origin, from ``CODA_START`` (log10) below the arrival's amplitude
#: ``CODA_ONSET`` s after it; ``Qc = CODA_Q0 f^0.5`` (Lg-coda Q at 1 Hz of ~150-300 in
#: active regions and ~600-1,000 on shields: Mitchell 1995, Rev. Geophys. 33(4); a middle
#: value). While it stands above the detector's threshold the detector re-triggers
#: ``CODA_RETRIGGER_RATE`` times a second (STA/LTA on coda bursts: the extra detections after
#: large arrivals in the IDC's detection lists).
CODA_START = 0.5
CODA_ONSET = 5.0
CODA_Q0 = 400.0
CODA_RETRIGGER_RATE = 1.0 / 60.0


def _coda_log_at(
    log_at: npt.ArrayLike, lapse: npt.ArrayLike, period: npt.ArrayLike, t: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """log10(A/T) of the coda of arrivals (``log_at`` at ``lapse`` s after their origin,
    dominant ``period`` [s]) at lapse times ``t`` [s]; -inf before its onset (broadcast)."""
    f = 1.0 / np.asarray(period, dtype=np.float64)
    t0 = np.asarray(lapse, dtype=np.float64) + CODA_ONSET
    t = np.asarray(t, dtype=np.float64)
    tt = np.maximum(t, t0)
    out = (np.asarray(log_at, dtype=np.float64) - CODA_START + np.log10(t0 / tt)
           - math.pi * f * (tt - t0) / (CODA_Q0 * np.sqrt(f)) * math.log10(math.e))  # fmt: skip
    return np.asarray(np.where(t >= t0, out, -np.inf), dtype=np.float64)


def _background(noise: float, coda: npt.NDArray[np.float64]) -> float:
    """log10(A/T) of a station's noise level ``noise`` and codas ``coda`` (log10(A/T)) summed
    in power: what an arrival must stand above."""
    return 0.5 * math.log10(10.0 ** (2.0 * noise) + float(np.sum(10.0 ** (2.0 * coda))))


def with_codas(dets: list[Detection], evs: list[Origin], seed: int) -> list[Detection]:
    """``dets`` with the codas of the events' arrivals (``_coda_log_at``): a seismic arrival
    that does not stand ``SNR_THRESHOLD`` above the noise and the earlier arrivals' codas
    at its station (amplitudes summed in power) is not detected, the others' ``snr`` is
    against that background; and the detector's re-triggers in each arrival's coda (a
    Poisson number, ``CODA_RETRIGGER_RATE`` while the coda stands above the threshold over
    the noise; times uniform there), with amplitudes just above the background (SNR 3 x
    10^x, x exponential with mean 0.2, as the noise detections), labelled as the set labels
    (ids ``ev<k>-<station>-coda<j>.<n>``, scored with their event: a found event made of
    them is a split). Arrays measure a re-trigger's direction as its arrival's (+- 10 deg:
    the coda is scattered) and its slowness +- 2 s/deg; 3-C stations' re-triggers have no
    coherent direction (uniform, as their noise detections). Every arrival rings, detected
    or masked. Drawn from a stream of their own. The set (``detections``) draws every P
    against the pre-event noise alone: in the coda of an earlier, larger event at the same
    array it holds P a detector there would hardly report, and no detection in any coda
    (docs/association.md, "The ten misses traced")."""
    rng = np.random.default_rng([seed, 3])
    thr = math.log10(SNR_THRESHOLD)
    by_site: dict[str, list[Detection]] = {}
    for d in dets:
        by_site.setdefault(d.station, []).append(d)
    out: list[Detection] = []
    for code in sorted(by_site):
        ds = by_site[code]
        src = [d for d in ds if d.id.startswith("ev") and d.phase not in ("T", "I")
               and math.isfinite(d.amplitude or math.nan) and d.snr]  # fmt: skip
        if not src:
            out.extend(ds)
            continue
        t_abs = np.array([float(d.time - T0) for d in src])
        lapse = np.array([float(d.time - evs[_true(d)][0]) for d in src])
        per = np.array([float(d.period) for d in src])
        log_at = np.log10(np.array([float(d.amplitude) for d in src]) / per)
        # the site's noise level: every detection there has A/T = N x snr
        noise = float(np.median(log_at - np.log10([float(d.snr) for d in src])))
        for i, d in enumerate(src):
            before = t_abs < t_abs[i]
            c = _coda_log_at(log_at[before], lapse[before], per[before],
                             t_abs[i] - t_abs[before] + lapse[before])  # fmt: skip
            background = _background(noise, c)
            if log_at[i] - background >= thr:
                out.append(replace(d, snr=float(10.0 ** (log_at[i] - background))))
        is_src = {id(d) for d in src}
        out.extend(d for d in ds if id(d) not in is_src)
        # re-triggers in each arrival's coda
        array = src[0].channel == "cb"
        for j, s in enumerate(src):
            k = _true(s)
            grid = np.arange(lapse[j] + CODA_ONSET, lapse[j] + 3600.0, 1.0)
            above = np.flatnonzero(_coda_log_at(log_at[j], lapse[j], per[j], grid) - noise >= thr)
            if above.size == 0:
                continue
            span = float(grid[above[-1]] - grid[0])
            for n in range(int(rng.poisson(CODA_RETRIGGER_RATE * span))):
                tl = float(grid[0] + rng.uniform(0.0, span))
                level = float(_coda_log_at(log_at[j], lapse[j], per[j], tl))
                background = _background(noise, np.array([level]))
                log_snr = thr + float(rng.exponential(0.2))
                if array:
                    baz = float((float(s.backazimuth or 0.0) + rng.normal(0.0, 10.0)) % 360.0)
                    slow = float(max(float(s.slowness or 0.0) + rng.normal(0.0, 2.0), 0.1))
                    phase = "S" if slow > 15.0 else "P"
                else:
                    baz = float(rng.uniform(0.0, 360.0))
                    slow = float(rng.uniform(4.0, 25.0))
                    phase = "P"
                out.append(replace(
                    s, time=evs[k][0] + tl, phase=phase, backazimuth=baz, slowness=slow,
                    amplitude=float(per[j] * 10.0 ** (background + log_snr)),
                    snr=float(10.0**log_snr), id=f"ev{k}-{code}-coda{j}.{n}"))  # fmt: skip
    out.sort(key=lambda d: (d.time, d.id))
    return out


def _true(det: Detection) -> int:
    return int(det.id[2:].split("-", 1)[0]) if det.id.startswith("ev") else -1


def _score(label: str, config: AssociationConfig, dets: list[Detection],
           net: MonitoringNetwork, evs: list[Origin], n_sta: Counter[int]) -> None:  # fmt: skip
    t = time.perf_counter()
    res = associate(dets, net, config)
    wall = time.perf_counter() - t
    majors = []
    false_events = 0
    for e in res.events:
        ids = [_true(a.detection) for a in e.arrivals if a.phase not in ("T", "I")] or [-1]
        major = max(set(ids), key=ids.count)
        if major < 0:
            false_events += 1
        majors.append(major)
    found = Counter(m for m in majors if m >= 0)
    print(
        f"--- {label}: association {wall:.1f} s; events {len(res.events)}, false {false_events}, "
        f"precision {1 - false_events / max(len(res.events), 1):.3f}"
    )
    # found by its arrivals, but where? (the training scorer's 250 km)
    far = [(k, float(distance_azimuth(evs[k][1], evs[k][2], e.origin.latitude,
                                      e.origin.longitude)[0]) * DEG_KM)
           for e, k in zip(res.events, majors, strict=True) if k >= 0]  # fmt: skip
    off = sorted((km, k) for k, km in far if km > FOUND_KM)
    print(f"found events placed more than {FOUND_KM:.0f} km from their origin: {len(off)} of "
          f"{len(far)}" + "".join(f"; ev{k} {km:.0f} km" for km, k in off))  # fmt: skip
    print(f"{'P stations':>10s} {'events':>7s} {'found':>6s} {'recall':>7s} {'split':>6s}")
    bins = ((0, 2), (3, 3), (4, 5), (6, 9), (10, 999))
    for lo, hi in bins:
        ks = [k for k in range(len(evs)) if lo <= n_sta.get(k, 0) <= hi]
        if not ks:
            continue
        f = sum(1 for k in ks if found[k] >= 1)
        sp = sum(1 for k in ks if found[k] > 1)
        label = f"{lo}-{hi}" if hi < 999 else f">={lo}"
        print(f"{label:>10s} {len(ks):7d} {f:6d} {f / len(ks):7.2f} {sp:6d}")
    for lo, hi in ((0, 3.5), (3.5, 4.5), (4.5, 9)):
        ks = [k for k in range(len(evs)) if lo <= evs[k][4] < hi and n_sta.get(k, 0) >= 3]
        if ks:
            f = sum(1 for k in ks if found[k] >= 1)
            print(f"M {lo}-{hi} (>= 3 P stations): {f}/{len(ks)} found")
    for k in range(len(evs)):
        if n_sta.get(k, 0) >= 3 and found[k] == 0:
            t0, la, lo, z, m = evs[k]
            print(f"  missed: ev{k} {t0} {la:.2f} {lo:.2f} {z:.0f} km M {m:.1f}, "
                  f"{n_sta[k]} P stations")  # fmt: skip
    for e, major in zip(res.events, majors, strict=True):
        if major < 0:
            o = e.origin
            print(f"  false: {o.time} {o.latitude:.2f} {o.longitude:.2f}: "
                  + ", ".join(f"{a.detection.station} {a.phase}" for a in e.arrivals))  # fmt: skip
    joined: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for e, major in zip(res.events, majors, strict=True):
        for a in e.arrivals:
            if a.phase in ("T", "I", "pP", "PcP", "PKiKP", "PP", "ScP"):
                joined[a.phase] += 1
                wrong[a.phase] += _true(a.detection) != major
    print(
        f"later / T / I arrivals in events: {dict(joined)}; from another event or false: "
        f"{dict(wrong)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--no-amplitudes", action="store_true", help="the same without the amplitude evidence"
    )
    ap.add_argument(
        "--false-rate", type=float, default=2.0,
        help="false detections per seismic site and hour (the detectors' noise)",
    )  # fmt: skip
    ap.add_argument(
        "--ti-false-rate", type=float, default=2.0,
        help="false T / I detections per hydroacoustic / infrasound site and hour",
    )  # fmt: skip
    ap.add_argument(
        "--azimuth-outliers", type=float, default=0.0, metavar="FRACTION",
        help="reverse this fraction of the 3-C stations' back-azimuths (their sign ambiguity)",
    )  # fmt: skip
    ap.add_argument("--hours", type=float, help="only the first HOURS of the set")
    ap.add_argument(
        "--codas", action="store_true",
        help="arrivals masked by earlier arrivals' codas, and the detector's re-triggers in them",
    )  # fmt: skip
    ap.add_argument(
        "--azimuth-bias",
        type=float,
        default=0.0,
        metavar="DEG",
        help="sigma of a constant back-azimuth error per station (no SASC)",
    )
    ap.add_argument(
        "--slowness-bias",
        type=float,
        default=0.0,
        metavar="S",
        help="sigma of a constant slowness error per station [s/deg]",
    )
    args = ap.parse_args()
    root = _shared() / "ims_site_tables"
    kinds = ims_affiliations(root / "ims.affiliation")
    net = read_ims_network(root / "ims.site", T0, set(kinds))
    arrays = ims_array_codes(root / "ims.site")
    dets, evs = detections(net, kinds, arrays, args.seed, args.false_rate, args.ti_false_rate)
    if args.codas:
        dets = with_codas(dets, evs, args.seed)
    if args.azimuth_bias or args.slowness_bias:
        dets = with_station_bias(dets, args.azimuth_bias, args.slowness_bias, args.seed)
    if args.azimuth_outliers:
        dets = with_azimuth_outliers(dets, args.azimuth_outliers, args.seed)
    if args.hours is not None:
        end = T0 + 3600.0 * args.hours
        dets = [d for d in dets if d.time < end]
        evs = [e for e in evs if e[0] < end]  # a prefix: the indices stay
    n_sta: Counter[int] = Counter()  # true event -> stations with a P
    for d in dets:
        if (
            d.id.startswith("ev")
            and d.phase == "P"
            and d.id.split("-")[2] in ("Pg", "Pn", "P", "PKP")
        ):
            n_sta[_true(d)] += 1
    n_pri = sum(k == "IMS_PRI" for k in kinds.values())
    print(
        f"IMS-style set: {len(net.stations)} sites ({n_pri} primary seismic), {len(evs)} "
        f"origins, {len(dets)} detections ({args.false_rate:g} false per seismic and "
        f"{args.ti_false_rate:g} per T / I site-hour; station "
        f"biases {args.azimuth_bias:g} deg, {args.slowness_bias:g} s/deg)"
    )
    configs = [("default", AssociationConfig()), ("three-station", THREE_STATION),
               ("REB rules", REB_RULES)]  # fmt: skip
    # what the set's SNRs are against: the noise before any arrival, or (with its codas)
    # the noise and the codas the detection stands in, as an STA/LTA detector's
    snr_against = "background" if args.codas else "noise"
    configs = [(k, replace(c, ndc_detection_snr=snr_against)) for k, c in configs]
    if args.no_amplitudes:
        configs = [(f"{k} (no amplitude evidence)", replace(c, ndc_amplitude_evidence=False))
                   for k, c in configs]  # fmt: skip
    for label, config in configs:
        _score(label, config, dets, net, evs, n_sta)
    truth_t = sum(1 for d in dets if d.phase in ("T", "I") and d.id.startswith("ev"))
    print(
        f"T and I detections made: {truth_t}; pP/PcP made: "
        f"{sum(1 for d in dets if d.id.endswith(('-pP', '-PcP')))}"
    )


if __name__ == "__main__":
    main()
