"""The phase catalogue: seismic, hydroacoustic and infrasound phase names and their families.

One place for the phase sets every stage needs (IASPEI standard phase list, Storchak et al.
2003, SRL 74(6); the IDC's names for first arrivals and for hydroacoustic and infrasound
phases, IDC Processing of Seismic, Hydroacoustic and Infrasonic Data, IDC-5.2.1). Stages
import these sets instead of spelling phases out.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "CORE_P",
    "DEPTH_PHASES",
    "FIRST_P",
    "FIRST_S",
    "HYDROACOUSTIC",
    "INFRASOUND",
    "LATER_UNIDENTIFIED",
    "MAX_DISTANCE",
    "P_TYPE",
    "REFLECTED",
    "SURFACE",
    "S_TYPE",
    "UNIDENTIFIED",
    "PhaseFamily",
    "family",
    "is_p_type",
    "is_s_type",
]

#: First-arriving P names: teleseismic P, the upper-mantle head wave Pn, the crustal Pg.
FIRST_P: tuple[str, ...] = ("P", "Pn", "Pg")
#: First-arriving S names (S, Sn, Sg).
FIRST_S: tuple[str, ...] = ("S", "Sn", "Sg")
#: P waves through the core (IASPEI names of the branches) and diffracted P.
CORE_P: tuple[str, ...] = ("PKP", "PKPab", "PKPbc", "PKPdf", "PKIKP", "PKiKP", "Pdiff")
#: Surface reflections near the source (depth phases): their delay after P gives depth.
DEPTH_PHASES: tuple[str, ...] = ("pP", "sP", "pwP", "pS", "sS")
#: Core-reflected and surface-reflected body waves.
REFLECTED: tuple[str, ...] = ("PcP", "ScP", "PcS", "ScS", "PP", "SS", "PKKP", "P'P'")
#: Regional and teleseismic surface waves and guided waves.
SURFACE: tuple[str, ...] = ("Lg", "Rg", "LR", "LQ")
#: Hydroacoustic phases (IDC: T converted at a coast, H in the water column).
HYDROACOUSTIC: tuple[str, ...] = ("T", "H", "Hw")
#: Infrasound phases (IDC: I, and the stratospheric/thermospheric Is, It, tropospheric Iw).
INFRASOUND: tuple[str, ...] = ("I", "Is", "It", "Iw")
#: Unidentified arrivals (the IASPEI list's "ISC use" names, which the ISC's and the IDC's
#: bulletins carry): ``x`` any, ``rx`` regional, ``tx`` teleseismic. A detection so named
#: may be a first arrival of either family.
UNIDENTIFIED: tuple[str, ...] = ("x", "rx", "tx")
#: Unidentified arrivals after a first one (IASPEI): ``Px`` after P and before S, ``Sx``
#: after S. They are later phases of an event, never its first arrival.
LATER_UNIDENTIFIED: tuple[str, ...] = ("Px", "Sx")

#: Farthest distance [deg] at which a regional phase is read (not predicted beyond): Lg,
#: the continental guided S wave, out to 20 deg (IDC practice); Rg, the short-period
#: fundamental-mode Rayleigh wave confined to the upper crust, identified out to about 170 km
#: (Kafka 1990, BSSA 80(2), 373-394) and strongly attenuated beyond: 3 deg.
MAX_DISTANCE: dict[str, float] = {"Lg": 20.0, "Rg": 3.0}

#: Every P-type name (compressional at the station): first arrivals, core, depth, reflected.
P_TYPE: frozenset[str] = frozenset(
    {*FIRST_P, "Pb", "P*", "p", *CORE_P, "pP", "sP", "pwP", "PcP", "ScP", "SKP", "PP", "PKKP",
     "P'P'"}
)  # fmt: skip
#: Every S-type name, Lg included (a guided S wave).
S_TYPE: frozenset[str] = frozenset(
    {*FIRST_S, "Sb", "S*", "s", "pS", "sS", "ScS", "PcS", "SS", "SKS", "SKKS", "Lg"}
)

PhaseFamily = Literal["P", "S", "surface", "hydroacoustic", "infrasound", "noise", "unknown"]


def is_p_type(phase: str) -> bool:
    """Whether ``phase`` is a P-type name (``P``, ``Pn``, ``PKPdf``, ``pP``...)."""
    return phase.strip() in P_TYPE


def is_s_type(phase: str) -> bool:
    """Whether ``phase`` is an S-type name (``S``, ``Sn``, ``Lg``, ``sS``...)."""
    return phase.strip() in S_TYPE


def family(phase: str) -> PhaseFamily:
    """The family of a phase name; ``N`` is the IDC's noise, an empty name is unknown."""
    p = phase.strip()
    if p in P_TYPE:
        return "P"
    if p in S_TYPE:
        return "S"
    if p in SURFACE:
        return "surface"
    if p in HYDROACOUSTIC:
        return "hydroacoustic"
    if p in INFRASOUND:
        return "infrasound"
    if p == "N":
        return "noise"
    return "unknown"  # UNIDENTIFIED and LATER_UNIDENTIFIED too: the name says no family
