"""Radioxenon: the beta-gamma net-count method, concentrations, MDCs and ratio screening.

Net-count method (IDC; Biegalski et al., J. Radioanal. Nucl. Chem. 2005; Cooper et al.,
NIM A 2005; FOI's openSpex and XECON implement the same): for each region of interest
(ROI) of the beta-gamma histogram, in ROI order,

``n_i = G_i - (t_s/t_d) D_i - (t_s/t_g) (GB_i - (t_g/t_d) D_i) - sum_j r_ij n_j``

with ``G``, ``D``, ``GB`` the gross ROI counts of the sample, detector background and gas
background (live times ``t``), and ``r_ij`` the ratio of counts that a nuclide of upper
ROI ``j`` puts into lower ROI ``i`` (``#Ratios``: Rn-222/Pb-214 in ROI 1 interferes with
ROIs 2-6, Xe-135 in ROI 2 with ROIs 3-6, Xe-133 80 keV in ROI 3 with ROIs 4-6).
Variances add (covariances between ROIs are neglected: one of the method's known
pitfalls, together with negative net counts, which are kept as measured, not clipped,
so that averages stay unbiased, and the memory effect, which the gas background removes
only when a GASBKPHD is given).

Concentration [mBq/m3]: ``C = n / (eps I t_l Ka Kc Kd V_air)`` with the decay factors of
:mod:`openndc.radionuclide.activity` and ``V_air = V_Xe / 0.087 ml/m3`` (stable xenon in
air). Decision threshold and detection limit (Currie): ``L_C = k sigma_0``,
``L_D = k**2 + 2 L_C`` with ``sigma_0`` the standard deviation of the net counts under the
null hypothesis (net = 0).

Screening: Kalinowski et al., Pure Appl. Geophys. 167 (2010) 517, four-isotope plot
``x = Xe-133m/Xe-131m``, ``y = Xe-135/Xe-133``; the line ``y = 1e-6 x**4.4388``
separates civil releases (left/above) from nuclear explosions (right/below).
Decay constants and beta-gamma branching ratios: FOI-R--3451--SE (2012), as tabulated by
openSpex 1.0.7 (FOI, MIT licence).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from openndc import __version__
from openndc.model.provenance import Provenance
from openndc.model.radionuclide import SampleTimes, XenonConcentration, XenonResult
from openndc.radionuclide.activity import decay_factors
from openndc.radionuclide.config import XenonConfig
from openndc.radionuclide.errors import PHDFormatError
from openndc.radionuclide.phd import PHDMessage

__all__ = [
    "BRANCHING",
    "DECAY_CONSTANT",
    "KALINOWSKI_LINE",
    "NUCLIDE_ROI",
    "analyze_xenon",
    "kalinowski_domain",
    "net_counts",
    "roi_counts",
]

#: Decay constants [1/s] (FOI-R--3451--SE, via openSpex const.py).
DECAY_CONSTANT = {
    "Xe-133": 1.52956e-6,
    "Xe-131m": 6.72467e-7,
    "Xe-133m": 3.66326e-6,
    "Xe-135": 2.10657e-5,
    "Rn-222": 2.0974e-6,
}
#: Beta-gamma coincidence branching ratios (value, 1-sigma) per nuclide and ROI.
BRANCHING: dict[tuple[str, int], tuple[float, float]] = {
    ("Xe-135", 2): (0.90000, 0.01),  # 250 keV
    ("Xe-133", 3): (0.37289, 0.005),  # 80 keV
    ("Xe-133", 4): (0.48940, 0.013),  # 30 keV
    ("Xe-131m", 5): (0.54000, 0.02),  # 30 keV x-ray + 129 keV CE
    ("Xe-133m", 6): (0.55770, 0.013),  # 30 keV x-ray + 199 keV CE
}
#: The ROI each isotope is quantified in (SAUNA/IDC 6-ROI layout; Xe-133 also ROI 4).
NUCLIDE_ROI = {"Xe-135": (2,), "Xe-133": (3, 4), "Xe-131m": (5,), "Xe-133m": (6,)}
#: Kalinowski et al. (2010): y = K x**m, x = Xe-133m/Xe-131m, y = Xe-135/Xe-133.
KALINOWSKI_LINE = (1e-6, 4.4388)


def _channel(energy: float, cal: np.ndarray) -> float:
    """Channel of an energy [keV] by the calibration rows (energy, channel)."""
    order = np.argsort(cal[:, 0])
    return float(np.interp(energy, cal[order, 0], cal[order, 1]))


def roi_counts(msg: PHDMessage) -> dict[int, int]:
    """Gross counts per ROI of a beta-gamma histogram (``#ROI_Limits`` in keV)."""
    src = msg.source or msg.header.measurement_id
    if msg.histogram is None:
        raise PHDFormatError(f"{src}: block #Histogram: no beta-gamma histogram in the message")
    if msg.roi_limits is None:
        raise PHDFormatError(f"{src}: block #ROI_Limits: missing; the net-count method needs ROIs")
    if msg.g_energy is None or not msg.b_energy:
        raise PHDFormatError(f"{src}: block #b_Energy: missing calibration")
    # Calibration channels are numbered from 1 like the spectra; the histogram from index 0.
    g_cal = np.asarray(msg.g_energy)[:, :2] - np.array([0.0, msg.g_first_channel])
    b_cal = np.asarray([(e, c - msg.b_first_channel) for e, _, c, _ in msg.b_energy])
    h = msg.histogram
    out = {}
    for roi, b_lo, b_hi, g_lo, g_hi in msg.roi_limits:
        bl, bh = round(_channel(b_lo, b_cal)), round(_channel(b_hi, b_cal))
        gl, gh = round(_channel(g_lo, g_cal)), round(_channel(g_hi, g_cal))
        out[int(roi)] = int(h[max(gl, 0) : gh + 1, max(bl, 0) : bh + 1].sum())
    return out


@dataclass(frozen=True)
class NetCounts:
    net: dict[int, float]
    variance: dict[int, float]
    null_variance: dict[int, float]  # variance of the net counts when the signal is 0


def net_counts(
    sample: Mapping[int, float],
    live_sample: float,
    ratios: tuple[tuple[str, int, int, float, float], ...],
    detector_bk: Mapping[int, float] | None = None,
    live_detector: float = 1.0,
    gas_bk: Mapping[int, float] | None = None,
    live_gas: float = 1.0,
) -> NetCounts:
    """The net-count method on gross ROI counts (see the module doc)."""
    net: dict[int, float] = {}
    var: dict[int, float] = {}
    null: dict[int, float] = {}
    for roi in sorted(sample):
        g = float(sample[roi])
        n, v = g, g
        if detector_bk is not None:
            f = live_sample / live_detector
            n -= f * detector_bk.get(roi, 0.0)
            v += f * f * detector_bk.get(roi, 0.0)
        if gas_bk is not None:
            fg = live_sample / live_gas
            d = detector_bk.get(roi, 0.0) if detector_bk is not None else 0.0
            gnet = gas_bk.get(roi, 0.0) - (live_gas / live_detector) * d
            n -= fg * gnet
            v += fg * fg * (gas_bk.get(roi, 0.0) + (live_gas / live_detector) ** 2 * d)
        for _, upper, lower, q, dq in ratios:
            if lower == roi and upper in net:
                n -= q * net[upper]
                v += q * q * var[upper] + net[upper] ** 2 * dq * dq
        net[roi], var[roi] = n, v
        null[roi] = max(v - max(n, 0.0), 1.0)
    return NetCounts(net, var, null)


def kalinowski_domain(x: float, y: float) -> str:
    """``explosion`` when (x, y) lies right of/below the four-isotope line, else ``civil``."""
    k, m = KALINOWSKI_LINE
    return "explosion" if y < k * x**m else "civil"


def _times(msg: PHDMessage, stable_xenon: float) -> SampleTimes:
    src = msg.source or msg.header.measurement_id
    if msg.collection is None:
        raise PHDFormatError(f"{src}: block #Collection: missing; needed for concentrations")
    if msg.processing is None:
        raise PHDFormatError(f"{src}: block #Processing: missing (xenon volume)")
    air = msg.processing[0] / stable_xenon  # ml / (ml/m3) = m3
    return SampleTimes(
        acquisition_start=msg.acquisition_start,
        real_time=msg.real_time,
        live_time=msg.live_time,
        collection_start=msg.collection[0],
        collection_stop=msg.collection[1],
        air_volume=air,
    )


def analyze_xenon(
    sample: PHDMessage,
    detector_bk: PHDMessage | None = None,
    gas_bk: PHDMessage | None = None,
    config: XenonConfig | None = None,
) -> XenonResult:
    """Xe-131m, Xe-133m, Xe-133, Xe-135 concentrations, MDCs, ratios and screening."""
    config = config or XenonConfig()
    times = _times(sample, config.stable_xenon)
    gross = roi_counts(sample)
    nc = net_counts(
        gross,
        sample.live_time,
        sample.ratios,
        roi_counts(detector_bk) if detector_bk is not None else None,
        detector_bk.live_time if detector_bk is not None else 1.0,
        roi_counts(gas_bk) if gas_bk is not None else None,
        gas_bk.live_time if gas_bk is not None else 1.0,
    )
    eff = {(n, r): (e, u) for n, r, e, u in sample.bg_efficiency}
    notes = []
    if detector_bk is None:
        notes.append("no detector background given: gross counts not background-corrected")
    if gas_bk is None:
        notes.append("no gas background given: memory effect not removed")
    concs = []
    for nuc, rois in NUCLIDE_ROI.items():
        estimates = []
        for roi in rois:
            key = (nuc, roi)
            if key not in eff or key not in BRANCHING or roi not in nc.net:
                continue
            e, de = eff[key]
            b, db = BRANCHING[key]
            hl = math.log(2.0) / DECAY_CONSTANT[nuc]
            kc, kd, ka = decay_factors(hl, times.collection_time, times.decay_time, times.real_time)
            factor = 1000.0 / (e * b * times.live_time * ka * kc * kd * times.air_volume)
            n = nc.net[roi]
            rel2 = (de / e) ** 2 + (db / b) ** 2
            c = n * factor
            dc = math.sqrt(nc.variance[roi] * factor**2 + c * c * rel2)
            lc = config.k_alpha * math.sqrt(nc.null_variance[roi])
            ld = config.k_beta**2 + 2.0 * lc
            estimates.append((c, dc, lc * factor, ld * factor, n, math.sqrt(nc.variance[roi])))
        if not estimates:
            continue
        # Several ROIs (Xe-133: 80 keV and 30 keV): inverse-variance mean; the MDC of the best.
        w = np.asarray([1.0 / max(x[1], 1e-30) ** 2 for x in estimates])
        c = float(np.sum(w * np.asarray([x[0] for x in estimates])) / np.sum(w))
        dc = float(1.0 / math.sqrt(np.sum(w)))
        best = min(estimates, key=lambda x: x[3])
        concs.append(XenonConcentration(nuc, c, dc, best[3], best[2], best[4], best[5]))
    result_ratios, domain, reason = _screen({c.nuclide: c for c in concs})
    prov = Provenance(
        method="openndc.radionuclide.analyze_xenon (net-count method)",
        software_version=__version__,
        parameters={
            "k_alpha": config.k_alpha,
            "k_beta": config.k_beta,
            "stable_xenon": config.stable_xenon,
        },
    )
    return XenonResult(
        sample_name=sample.header.sample_reference_id,
        station=sample.header.station,
        times=times,
        concentrations=tuple(concs),
        ratios=tuple(result_ratios),
        domain=domain,
        screening_reason=reason,
        provenance=prov,
        notes=tuple(notes),
    )


def _ratio(a: XenonConcentration, b: XenonConcentration) -> tuple[float, float]:
    r = a.concentration / b.concentration
    return r, abs(r) * math.hypot(a.uncertainty / a.concentration, b.uncertainty / b.concentration)


def _screen(
    c: Mapping[str, XenonConcentration],
) -> tuple[list[tuple[str, float, float]], str, str]:
    ratios = []
    det = {k for k, v in c.items() if v.detected}
    pairs = (
        ("Xe-135", "Xe-133"),
        ("Xe-133m", "Xe-131m"),
        ("Xe-133m", "Xe-133"),
        ("Xe-133", "Xe-131m"),
    )
    for a, b in pairs:
        if a in det and b in det:
            r, dr = _ratio(c[a], c[b])
            ratios.append((f"{a}/{b}", r, dr))
    if {"Xe-135", "Xe-133", "Xe-133m", "Xe-131m"} <= det:
        x, y = (
            c["Xe-133m"].concentration / c["Xe-131m"].concentration,
            (c["Xe-135"].concentration / c["Xe-133"].concentration),
        )
        domain = kalinowski_domain(x, y)
        k, m = KALINOWSKI_LINE
        side = "below" if domain == "explosion" else "above"
        return (
            ratios,
            domain,
            (
                f"four-isotope plot: 133m/131m={x:.3g}, 135/133={y:.3g} lies {side} "
                f"the Kalinowski (2010) line y={k:g} x^{m}"
            ),
        )
    missing = sorted({"Xe-135", "Xe-133", "Xe-133m", "Xe-131m"} - det)
    return (
        ratios,
        "undetermined",
        "not all four isotopes above the decision threshold: " + ", ".join(missing),
    )
