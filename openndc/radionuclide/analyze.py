"""The particulate analysis stage: spectrum → peaks → nuclides → concentrations → level.

``analyze_spectrum(spectrum, library, config, efficiency=...)`` runs, in order:

1. peak search and fit with the configured initial resolution;
2. energy recalibration on well-known natural lines (K-40, Tl-208, Pb-214, Bi-214, Pb-212)
   and a resolution calibration ``FWHM = sqrt(a + b E)`` fitted to the clean strong peaks;
3. search and fit again with the fitted resolution;
4. identification against the line library (:mod:`openndc.radionuclide.identify`);
5. activities and concentrations with decay corrections, Currie MDCs
   (:mod:`openndc.radionuclide.activity`);
6. the IDC categorization (:mod:`openndc.radionuclide.categorize`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from openndc import __version__
from openndc.model.provenance import Provenance
from openndc.model.radionuclide import (
    GammaSpectrum,
    IdentifiedNuclide,
    NuclideLine,
    ParticulateResult,
    Peak,
)
from openndc.radionuclide.activity import concentration_factor, currie_ld, decay_factors
from openndc.radionuclide.calibration import (
    EfficiencyCurve,
    ResolutionCurve,
    fit_efficiency,
    fit_resolution,
    recalibrate_energy,
)
from openndc.radionuclide.categorize import categorize
from openndc.radionuclide.config import AnalysisConfig
from openndc.radionuclide.identify import (
    LineMatch,
    identify_nuclides,
    nominal_relative_efficiency,
)
from openndc.radionuclide.library import (
    ACTIVATION_PRODUCTS,
    FISSION_PRODUCTS,
    NATURAL,
    category,
    half_life,
    is_ctbt_relevant,
    read_line_library,
    separate_daughters,
)
from openndc.radionuclide.peaks import fit_peaks, search_peaks
from openndc.radionuclide.phd import PHDMessage

__all__ = [
    "REFERENCE_LINES",
    "analyze_spectrum",
    "candidate_nuclides",
    "efficiency_from_phd",
    "find_peaks",
    "load_library",
]

log = logging.getLogger(__name__)
_FWHM = 2.0 * math.sqrt(2.0 * math.log(2.0))

#: Lines present in nearly every environmental spectrum [keV] (ENSDF energies):
#: Pb-212 238.63, Pb-214 351.93, Tl-208 583.19, Bi-214 609.31, K-40 1460.82, Tl-208 2614.51.
REFERENCE_LINES = (238.632, 351.932, 583.187, 609.312, 1460.820, 2614.511)


def candidate_nuclides(config: AnalysisConfig) -> tuple[str, ...]:
    if config.nuclides:
        return tuple(config.nuclides)
    return tuple(
        sorted(NATURAL | FISSION_PRODUCTS | ACTIVATION_PRODUCTS | set(config.extra_relevant))
    )


def load_library(
    path: str, config: AnalysisConfig | None = None
) -> dict[str, tuple[NuclideLine, ...]]:
    """The candidate nuclides' lines from a line library file, daughters separated."""
    config = config or AnalysisConfig()
    return separate_daughters(read_line_library(path, candidate_nuclides(config)))


def efficiency_from_phd(msg: PHDMessage) -> EfficiencyCurve | None:
    """The ``#g_Efficiency`` block as a fitted curve (None when absent)."""
    if msg.g_efficiency is None or len(msg.g_efficiency) < 2:
        return None
    e = msg.g_efficiency
    unc = np.where(e[:, 2] > 0, e[:, 2], 0.05 * e[:, 1])
    return fit_efficiency(e[:, 0], e[:, 1], unc)


def _sigma_channels(
    spectrum: GammaSpectrum, coefs: tuple[float, ...], res: ResolutionCurve
) -> np.ndarray:
    ch = np.arange(spectrum.n_channels, dtype=float)
    e = np.polynomial.polynomial.polyval(ch, np.asarray(coefs))
    slope = np.abs(np.gradient(e))
    slope = np.where(slope > 0, slope, np.median(slope))
    return np.asarray(res.fwhm(np.maximum(e, 1.0)) / _FWHM / slope)


def _peaks(
    spectrum: GammaSpectrum, coefs: tuple[float, ...], res: ResolutionCurve, config: AnalysisConfig
) -> list[Peak]:
    sigma = _sigma_channels(spectrum, coefs, res)
    ch, sig = search_peaks(spectrum.counts, sigma, config.search_threshold)
    fitted = fit_peaks(
        spectrum.counts, ch, sigma, sig, min_area_significance=config.min_area_significance
    )
    poly = np.asarray(coefs)
    dpoly = np.polynomial.polynomial.polyder(poly) if poly.size > 1 else np.zeros(1)
    out = []
    for f in fitted:
        e = float(np.polynomial.polynomial.polyval(f.centroid, poly))
        gain = abs(float(np.polynomial.polynomial.polyval(f.centroid, dpoly)))
        out.append(
            Peak(
                energy=e,
                energy_uncertainty=f.centroid_uncertainty * gain,
                channel=f.centroid,
                fwhm=f.sigma * _FWHM * gain,
                area=f.area,
                area_uncertainty=f.area_uncertainty,
                continuum=f.continuum,
                significance=f.significance,
            )
        )
    return out


def find_peaks(
    spectrum: GammaSpectrum, config: AnalysisConfig
) -> tuple[list[Peak], tuple[float, ...], ResolutionCurve]:
    """Peaks after energy recalibration and resolution calibration (steps 1-3)."""
    coefs = tuple(spectrum.energy_coefficients)
    res = ResolutionCurve(config.fwhm_a, config.fwhm_b)
    peaks = _peaks(spectrum, coefs, res, config)
    if config.recalibrate:
        for _ in range(2):  # the second pass catches lines the first correction brought in
            new, used = recalibrate_energy(
                coefs, np.asarray([p.channel for p in peaks]), np.asarray(REFERENCE_LINES)
            )
            if used:
                log.debug("%s: energy recalibrated on %d reference lines", spectrum.name, used)
                coefs = new
    strong = [
        p
        for p in peaks
        if p.relative_uncertainty < 0.05 and abs(p.energy - 511.0) > 3.0 and p.energy > 50.0
    ]
    if len(strong) >= 4:
        e = np.polynomial.polynomial.polyval([p.channel for p in strong], np.asarray(coefs))
        cand = fit_resolution(e, np.asarray([p.fwhm for p in strong]))
        if cand.a + cand.b * 100.0 > 0 and cand.b > 0:
            res = cand
    peaks = _peaks(spectrum, coefs, res, config)
    return peaks, coefs, res


def analyze_spectrum(
    spectrum: GammaSpectrum,
    library: Mapping[str, Sequence[NuclideLine]],
    config: AnalysisConfig | None = None,
    *,
    efficiency: EfficiencyCurve | None = None,
    station: str = "",
) -> ParticulateResult:
    """Analyse one particulate gamma spectrum (see the module doc)."""
    config = config or AnalysisConfig()
    peaks, coefs, res = find_peaks(spectrum, config)
    counts = np.asarray(spectrum.counts, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(counts)])
    e_ch = np.polynomial.polynomial.polyval(np.arange(counts.size, dtype=float), np.asarray(coefs))

    def region_counts(energy: float) -> float:
        half = 1.25 * float(res.fwhm(energy))
        lo = int(np.searchsorted(e_ch, energy - half))
        hi = int(np.searchsorted(e_ch, energy + half))
        return float(cum[min(hi, counts.size)] - cum[max(lo, 0)])

    def ld(energy: float) -> float:
        return float(currie_ld(region_counts(energy)))

    eff_shape = efficiency if efficiency is not None else nominal_relative_efficiency
    matches = identify_nuclides(
        peaks,
        library,
        ld,
        eff_shape,
        energy_min=config.energy_min,
        energy_max=float(e_ch[-1]),
        min_intensity=config.min_intensity,
        tolerance=config.tolerance,
        min_confidence=config.min_confidence,
        required_min_energy=config.required_min_energy,
    )
    nuclides = [_quantify(m, spectrum, efficiency, ld, config) for m in matches]
    nuclides.sort(key=lambda n: n.key_energy)
    normal = dict(config.normal_ranges)
    level, reason = categorize(nuclides, normal)
    used = {id(p) for n in nuclides for _, p in n.lines}
    unidentified = tuple(p for p in peaks if id(p) not in used)
    mdcs = _mdcs(library, nuclides, spectrum, efficiency, ld, config)
    prov = Provenance(
        method="openndc.radionuclide.analyze_spectrum",
        software_version=__version__,
        parameters={
            "search_threshold": config.search_threshold,
            "min_confidence": config.min_confidence,
            "energy_coefficients": list(coefs),
            "fwhm_a": res.a,
            "fwhm_b": res.b,
            "efficiency": "calibrated" if efficiency is not None else "none",
        },
    )
    return ParticulateResult(
        spectrum_name=spectrum.name,
        station=station,
        times=spectrum.times,
        peaks=tuple(peaks),
        nuclides=tuple(nuclides),
        unidentified=unidentified,
        level=level,
        level_reason=reason,
        provenance=prov,
        mdcs=tuple(mdcs),
    )


def _quantify(
    m: LineMatch,
    spectrum: GammaSpectrum,
    efficiency: EfficiencyCurve | None,
    ld: Callable[[float], float],
    config: AnalysisConfig,
) -> IdentifiedNuclide:
    t = spectrum.times
    key_line, key_peak = m.matches[0]
    rate = key_peak.area / t.live_time if t.live_time > 0 else float("nan")
    relevant = is_ctbt_relevant(m.nuclide, config.extra_relevant)
    act = dact = conc = dconc = mdc = mda = float("nan")
    if efficiency is not None:
        hl = half_life(m.nuclide)
        _, _, ka = decay_factors(hl, float("nan"), 0.0, t.real_time)
        share = {id(p): f for _, p, f in m.shared}
        vals, var = [], []
        for ln, p in m.matches:
            eff = float(efficiency(ln.energy))
            denom = eff * ln.intensity * t.live_time * ka
            frac = share.get(id(p), 1.0)
            a = p.area * frac / denom
            rel = math.hypot(
                p.relative_uncertainty, float(efficiency.relative_uncertainty(ln.energy))
            )
            if a > 0:
                vals.append(a)
                var.append((a * rel) ** 2)
        if vals:
            w = 1.0 / np.asarray(var)
            act = float(np.sum(w * np.asarray(vals)) / np.sum(w))
            dact = float(1.0 / math.sqrt(np.sum(w)))
        eff_key = float(efficiency(key_line.energy))
        mda = float(ld(key_line.energy)) / (eff_key * key_line.intensity * t.live_time * ka)
        factor = concentration_factor(hl, t.collection_time, t.decay_time, t.air_volume)
        conc, dconc, mdc = act * factor, dact * factor, mda * factor
    return IdentifiedNuclide(
        nuclide=m.nuclide,
        lines=m.matches,
        confidence=m.confidence,
        count_rate=rate,
        activity=act,
        activity_uncertainty=dact,
        concentration=conc,
        concentration_uncertainty=dconc,
        mdc=mdc,
        mda=mda,
        ctbt_relevant=relevant,
        category=category(m.nuclide),
        interference=m.interference,
    )


def _mdcs(
    library: Mapping[str, Sequence[NuclideLine]],
    found: Sequence[IdentifiedNuclide],
    spectrum: GammaSpectrum,
    efficiency: EfficiencyCurve | None,
    ld: Callable[[float], float],
    config: AnalysisConfig,
) -> list[tuple[str, float]]:
    """MDC [mBq/m3] (or MDA [Bq] without air volume) of undetected key CTBT nuclides."""
    if efficiency is None:
        return []
    t = spectrum.times
    seen = {n.nuclide for n in found}
    out = []
    for nuc in (
        "Cs-137",
        "Cs-134",
        "I-131",
        "Ba-140",
        "La-140",
        "Zr-95",
        "Mo-99",
        "Ce-144",
        "Ru-103",
        "Co-60",
    ):
        if nuc in seen or nuc not in library:
            continue
        lines = [ln for ln in library[nuc] if ln.energy >= config.energy_min]
        if not lines:
            continue
        key = max(lines, key=lambda ln: ln.intensity * float(efficiency(ln.energy)))
        hl = half_life(nuc)
        _, _, ka = decay_factors(hl, float("nan"), 0.0, t.real_time)
        mda = float(ld(key.energy)) / (
            float(efficiency(key.energy)) * key.intensity * t.live_time * ka
        )
        factor = concentration_factor(hl, t.collection_time, t.decay_time, t.air_volume)
        out.append((nuc, mda * factor if math.isfinite(factor) else mda))
    return out
