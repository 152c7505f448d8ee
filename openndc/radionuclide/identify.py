"""Nuclide identification: fitted peaks against a line library, with interference handling.

A candidate nuclide is accepted when the lines it should show are there. The activity
scale is taken from its best-determined matched line; every other line whose predicted
area (scale x intensity x relative efficiency) exceeds the Currie detection limit at its
energy is "visible" and should be found. ``confidence`` is the found fraction of the
visible lines, each weighted by its expected significance (predicted area over the
detection limit), so that a line on a high continuum counts less than a clean one (the
IDC's automatic analysis uses the same idea of an identification confidence from key and
secondary lines). Lines below ``required_min_energy`` (x-rays, strongly self-absorbed in
the sample) support an identification but are never required; lines found although
predicted below the detection limit are kept when their area is consistent; lines within
``annihilation_window`` of 511 keV are not used (the annihilation peak).

Interference: a peak claimed by two accepted nuclides is split. Each nuclide's scale is
estimated from its lines that no other accepted nuclide claims; the predicted share of the
other nuclide is subtracted from the shared peak before that peak enters an activity. A
nuclide all of whose lines are explained by others (own share < 10 %) is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from openndc.model.radionuclide import NuclideLine, Peak

__all__ = ["LineMatch", "identify_nuclides", "nominal_relative_efficiency"]


def nominal_relative_efficiency(energy: np.ndarray | float) -> np.ndarray:
    """A rough relative efficiency shape of a coaxial HPGe (maximum near 120 keV).

    Used only to predict which lines of a nuclide should be visible when no efficiency
    calibration is given; never for activities.
    """
    e = np.asarray(energy, dtype=float)
    return np.where(e >= 120.0, (e / 120.0) ** -0.85, (e / 120.0) ** 1.5)


@dataclass(frozen=True)
class LineMatch:
    """A nuclide accepted by :func:`identify_nuclides`."""

    nuclide: str
    matches: tuple[tuple[NuclideLine, Peak], ...]  # best-determined first
    confidence: float
    shared: tuple[tuple[NuclideLine, Peak, float], ...]  # (line, peak, own fraction)
    interference: str


def _match(peaks: Sequence[Peak], line: NuclideLine, tol: float) -> Peak | None:
    best, dbest = None, np.inf
    for p in peaks:
        d = abs(p.energy - line.energy)
        if d <= tol + 2.0 * p.energy_uncertainty and d < dbest:
            best, dbest = p, d
    return best


def identify_nuclides(
    peaks: Sequence[Peak],
    library: Mapping[str, Sequence[NuclideLine]],
    detection_limit: Callable[[float], float],
    efficiency: Callable[[np.ndarray | float], np.ndarray],
    *,
    energy_min: float = 40.0,
    energy_max: float = np.inf,
    min_intensity: float = 0.01,
    tolerance: float = 0.6,
    min_confidence: float = 0.7,
    required_min_energy: float = 100.0,
    annihilation_window: float = 1.5,
) -> list[LineMatch]:
    """Accepted nuclides with their matched lines (see the module doc)."""
    accepted: list[LineMatch] = []
    for nuc, all_lines in library.items():
        lines = [
            ln
            for ln in all_lines
            if energy_min <= ln.energy <= energy_max
            and ln.intensity >= min_intensity
            and abs(ln.energy - 511.0) > annihilation_window
        ]
        if not lines:
            continue
        found = {ln: p for ln in lines if (p := _match(peaks, ln, tolerance)) is not None}
        if not found:
            continue
        best = min(found, key=lambda ln: found[ln].relative_uncertainty)
        scale = found[best].area / (best.intensity * float(efficiency(best.energy)))
        visible = [
            ln
            for ln in lines
            if ln.energy >= required_min_energy
            and scale * ln.intensity * float(efficiency(ln.energy)) > detection_limit(ln.energy)
        ]
        if best not in visible:
            visible.append(best)
        # Weight: expected significance (predicted area over the detection limit), so that a
        # line on a high continuum counts less than a clean one of the same intensity.
        weight = {
            ln: scale * ln.intensity * float(efficiency(ln.energy)) / detection_limit(ln.energy)
            for ln in visible
        }
        total = sum(weight.values())
        conf = sum(w for ln, w in weight.items() if ln in found) / total if total > 0 else 0.0
        if conf < min_confidence:
            continue
        # Lines below the detection limit that were found anyway count when their peak is
        # consistent with the nuclide (predicted area at least a fifth of the measured one),
        # so that a weak line never claims a big peak of another nuclide.
        ordered = sorted(
            (
                (ln, p)
                for ln, p in found.items()
                if ln in visible
                or scale * ln.intensity * float(efficiency(ln.energy)) >= 0.2 * p.area
            ),
            key=lambda lp: lp[1].relative_uncertainty,
        )
        accepted.append(LineMatch(nuc, tuple(ordered), conf, (), ""))
    return _resolve_interferences(accepted, efficiency)


def _resolve_interferences(
    accepted: list[LineMatch], efficiency: Callable[[np.ndarray | float], np.ndarray]
) -> list[LineMatch]:
    claims: dict[int, list[tuple[str, NuclideLine]]] = {}
    for m in accepted:
        for ln, p in m.matches:
            claims.setdefault(id(p), []).append((m.nuclide, ln))

    def clean_scale(m: LineMatch) -> float | None:
        vals = [
            (p.area / (ln.intensity * float(efficiency(ln.energy))), p.relative_uncertainty)
            for ln, p in m.matches
            if len(claims[id(p)]) == 1
        ]
        if not vals:
            return None
        return min(vals, key=lambda v: v[1])[0]

    scales = {m.nuclide: clean_scale(m) for m in accepted}
    out = []
    for m in accepted:
        shared = []
        notes = []
        for ln, p in m.matches:
            others = [(n, o) for n, o in claims[id(p)] if n != m.nuclide]
            if not others:
                continue
            predicted = {
                n: (scales[n] or 0.0) * o.intensity * float(efficiency(o.energy)) for n, o in others
            }
            own = scales[m.nuclide]
            own_pred = own * ln.intensity * float(efficiency(ln.energy)) if own else None
            if own_pred is not None:
                frac = own_pred / max(own_pred + sum(predicted.values()), 1e-12)
            else:
                frac = max(p.area - sum(predicted.values()), 0.0) / p.area
            frac = float(min(max(frac, 0.0), 1.0))
            shared.append((ln, p, frac))
            notes.append(
                f"{ln.energy:.1f} keV shared with {', '.join(sorted(predicted))} "
                f"(own share {frac:.2f})"
            )
        if len(shared) == len(m.matches) and max(f for _, _, f in shared) < 0.1:
            continue  # every line is explained by other nuclides (Co-57 122.1 under Eu-152)
        out.append(LineMatch(m.nuclide, m.matches, m.confidence, tuple(shared), "; ".join(notes)))
    return out
