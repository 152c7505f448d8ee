"""Nuclide facts: the gamma line library, half-lives and the CTBT-relevant nuclide list.

Lines come from a line library file read at run time (InterSpec's ``PhotoPeak.lis``:
energy [keV], nuclide, intensity [per 100 decays], weight; escape peaks marked ``de``/``se``
and element x-rays ``<El> x-ray`` are skipped). Half-lives come from ``radioactivedecay``
(ICRP-107 decay data, offline).

The CTBT-relevant particulate nuclides below are the gamma emitters of the list defined by
L.-E. De Geer, "Comprehensive Nuclear-Test-Ban Treaty: relevant radionuclides",
Kerntechnik 66 (2001) 113-120 (96 nuclides: 51 fission products, 41 neutron-activation
products, 4 fuel residues/tracers), which the IDC uses in its categorization. We list the
members measurable by HPGe gamma spectrometry of air filters that we could confirm;
``AnalysisConfig.extra_relevant`` adds others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from openndc.model.radionuclide import NuclideLine
from openndc.radionuclide.errors import RadionuclideError

__all__ = [
    "ACTIVATION_PRODUCTS",
    "FISSION_PRODUCTS",
    "NATURAL",
    "XENON",
    "category",
    "half_life",
    "is_ctbt_relevant",
    "normalize_name",
    "read_line_library",
    "separate_daughters",
]

log = logging.getLogger(__name__)

#: Fission products (De Geer 2001), gamma emitters.
FISSION_PRODUCTS = frozenset(
    [
        "Sr-91",
        "Y-93",
        "Zr-95",
        "Nb-95",
        "Zr-97",
        "Mo-99",
        "Tc-99m",
        "Ru-103",
        "Ru-105",
        "Ru-106",
        "Rh-105",
        "Ag-111",
        "Pd-112",
        "Cd-115",
        "Sn-125",
        "Sb-125",
        "Sb-126",
        "Sb-127",
        "Sb-128",
        "Te-129m",
        "Te-131m",
        "Te-132",
        "I-131",
        "I-133",
        "I-135",
        "Cs-136",
        "Cs-137",
        "Ba-140",
        "La-140",
        "Ce-141",
        "Ce-143",
        "Ce-144",
        "Nd-147",
        "Pm-149",
        "Pm-151",
        "Sm-153",
        "Sm-156",
        "Eu-155",
        "Eu-156",
        "Eu-157",
    ]
)
#: Neutron-activation products (De Geer 2001), gamma emitters.
ACTIVATION_PRODUCTS = frozenset(
    [
        "Na-24",
        "K-42",
        "Sc-46",
        "Sc-47",
        "Cr-51",
        "Mn-54",
        "Fe-59",
        "Co-57",
        "Co-58",
        "Co-60",
        "Zn-65",
        "Ga-72",
        "As-74",
        "As-76",
        "Br-82",
        "Rb-84",
        "Rb-86",
        "Y-88",
        "Ag-106m",
        "Ag-108m",
        "Ag-110m",
        "Sb-120m",
        "Sb-122",
        "Sb-124",
        "I-130",
        "Cs-132",
        "Cs-134",
        "Eu-152",
        "Tm-168",
        "Ir-190",
        "Ir-192",
        "Au-196",
        "Au-198",
        "U-237",
        "Np-239",
    ]
)
#: The radioxenon isotopes the IMS noble-gas systems measure.
XENON = frozenset({"Xe-131m", "Xe-133m", "Xe-133", "Xe-135"})
#: Natural (primordial, cosmogenic, radon/thoron progeny) nuclides seen on air filters
#: (IDC "natural" class; Cs-137 is CTBT-relevant although 'naturalised' at many stations).
NATURAL = frozenset(
    [
        "Be-7",
        "Na-22",
        "K-40",
        "Pb-210",
        "Pb-212",
        "Bi-212",
        "Tl-208",
        "Ac-228",
        "Pb-214",
        "Bi-214",
        "Th-234",
        "U-235",
        "Ra-224",
        "Ra-223",
        "Rn-219",
        "Th-227",
    ]
)


def normalize_name(name: str) -> str:
    """``Cs137`` / ``cs-137`` / ``Xe133m`` → ``Cs-137`` / ``Xe-133m``."""
    s = name.strip().replace("-", "")
    i = 0
    while i < len(s) and s[i].isalpha():
        i += 1
    elem, rest = s[:i], s[i:]
    if not elem or not rest or not rest[0].isdigit():
        return name.strip()
    meta = ""
    while rest and rest[-1].isalpha():
        meta = rest[-1].lower() + meta
        rest = rest[:-1]
    return f"{elem[:1].upper()}{elem[1:].lower()}-{rest}{meta}"


def category(nuclide: str) -> str:
    """``fission``, ``activation``, ``xenon``, ``natural`` or ``other``."""
    if nuclide in FISSION_PRODUCTS:
        return "fission"
    if nuclide in ACTIVATION_PRODUCTS:
        return "activation"
    if nuclide in XENON:
        return "xenon"
    if nuclide in NATURAL:
        return "natural"
    return "other"


def is_ctbt_relevant(nuclide: str, extra: Iterable[str] = ()) -> bool:
    return category(nuclide) in ("fission", "activation", "xenon") or nuclide in set(extra)


@lru_cache(maxsize=512)
def half_life(nuclide: str) -> float:
    """Half-life [s] from radioactivedecay's ICRP-107 data; inf for stable/primordial."""
    import radioactivedecay as rd  # type: ignore[import-untyped]

    try:
        value = float(rd.Nuclide(nuclide).half_life("s"))
    except Exception as exc:  # radioactivedecay raises ValueError for unknown names
        raise RadionuclideError(f"unknown nuclide {nuclide!r}: no half-life") from exc
    return value


def read_line_library(
    path: str | Path, nuclides: Iterable[str] | None = None, min_intensity: float = 0.0
) -> dict[str, tuple[NuclideLine, ...]]:
    """Lines per nuclide from a ``PhotoPeak.lis``-style file (intensity per decay)."""
    p = Path(path)
    wanted = None if nuclides is None else {normalize_name(n) for n in nuclides}
    out: dict[str, list[NuclideLine]] = {}
    try:
        text = p.read_text(encoding="latin-1")
    except OSError as exc:
        raise RadionuclideError(
            f"{p}: cannot read the gamma line library ({exc}); give its path "
            "(e.g. ../shared/data/radionuclide/gamma_line_library/PhotoPeak.lis)"
        ) from exc
    for ln, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if len(parts) < 4 or parts[0].startswith("#"):
            continue
        if len(parts) > 4 or not parts[1][:1].isalpha():
            continue  # escape peaks ("de"/"se"), element x-rays, capture lines
        try:
            energy, intensity = float(parts[0]), float(parts[2]) / 100.0
        except ValueError:
            log.debug("%s:%d: skipped %r", p, ln, line)
            continue
        name = normalize_name(parts[1])
        if wanted is not None and name not in wanted:
            continue
        if intensity < min_intensity:
            continue
        out.setdefault(name, []).append(NuclideLine(name, energy, intensity))
    if not out:
        raise RadionuclideError(f"{p}: no lines read; is it a PhotoPeak.lis-style line list?")
    return {k: tuple(sorted(v, key=lambda x: x.energy)) for k, v in out.items()}


def separate_daughters(
    library: Mapping[str, Sequence[NuclideLine]],
) -> dict[str, tuple[NuclideLine, ...]]:
    """Drop from a parent the lines of a shorter-lived daughter that is itself listed.

    Line lists like PhotoPeak.lis give a parent with its daughters in equilibrium (Pb-212
    with Bi-212 and Tl-208). When the daughter is also a candidate, a line at exactly the
    daughter's energy (two shared lines or more, within 0.02 keV) is the daughter's: the
    parent keeps only its own lines, so that parent and daughter are identified and
    quantified separately.
    """
    names = list(library)
    out = {k: list(v) for k, v in library.items()}
    for parent in names:
        hp = half_life(parent) if _known(parent) else float("inf")
        for daughter in names:
            if daughter == parent or not _known(daughter) or half_life(daughter) >= hp:
                continue
            d_e = np.asarray([ln.energy for ln in library[daughter]])
            if d_e.size == 0:
                continue
            shared = [ln for ln in out[parent] if np.min(np.abs(d_e - ln.energy)) < 0.02]
            if len(shared) >= 2:
                drop = {id(ln) for ln in shared}
                out[parent] = [ln for ln in out[parent] if id(ln) not in drop]
    return {k: tuple(v) for k, v in out.items() if v}


def _known(nuclide: str) -> bool:
    try:
        half_life(nuclide)
    except RadionuclideError:
        return False
    return True
