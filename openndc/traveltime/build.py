"""Build travel-time tables with TauP (offline; the shipped ``.npz`` files come from here).

``python -m openndc.traveltime.build ak135 iasp91 kazakh1d`` rewrites the package data. A
custom 1-D model (TauP ``.tvel`` or ``.nd`` file) is built with ``build_tables(path,
out=...)`` and loaded with ``load_travel_times(out)``.

Per depth, TauP's depth-corrected model and its ``SeismicPhase`` objects are made once and
then evaluated at every distance, which is what makes a model's 20 tables take 8-10
minutes rather than hours (PP and SS, with up to seven arrivals each, take most).
dT/dDelta is TauP's ray parameter of the arrival that gives the table's time; dT/dh is the
numerical derivative of the time along the depth grid.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEPTHS",
    "DISTANCES",
    "PHASE_GROUPS",
    "build_tables",
    "kazakh1d_tvel",
]

log = logging.getLogger(__name__)

#: Distance grid [deg]: dense where curvature is large (near the source), coarse beyond.
DISTANCES = np.unique(
    np.concatenate(
        [np.arange(0.0, 2.0, 0.05), np.arange(2.0, 20.0, 0.25), np.arange(20.0, 180.01, 1.0)]
    )
)
#: Depth grid [km].
DEPTHS = np.array(
    [0, 2, 5, 8, 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 100, 120, 150, 200, 250,
     300, 400, 500, 600, 700],
    dtype=np.float64,
)  # fmt: skip

#: Table name -> TauP phase names whose earliest arrival defines it.
PHASE_GROUPS: dict[str, tuple[str, ...]] = {
    "P": ("p", "P", "Pn", "Pg", "Pdiff"),
    "Pg": ("Pg", "p"),
    "Pn": ("Pn",),
    "PKP": ("PKIKP", "PKiKP", "PKP"),
    "pP": ("pP",),
    "sP": ("sP",),
    "PcP": ("PcP",),
    "S": ("s", "S", "Sn", "Sg", "Sdiff"),
    "Sg": ("Sg", "s"),
    "Sn": ("Sn",),
    "ScS": ("ScS",),
    # later phases an array detects and labels P or S (the IASPEI names the IDC's and the
    # ISC's bulletins use): PKP's branches apart, core reflections and conversions, and the
    # surface reflections PP and SS
    "PKiKP": ("PKiKP",),
    "PKPab": ("PKP",),
    "PKPbc": ("PKP",),
    "ScP": ("ScP",),
    "SKP": ("SKP",),
    "PKKP": ("PKKP",),
    "PP": ("PP",),
    "SS": ("SS",),
    "SKS": ("SKS",),
}
# Direct up-going p/s count as Pg/Sg only for sources in the crust.
_CRUSTAL_ONLY = {"Pg": "p", "Sg": "s"}
# Tables of one branch of a TauP phase rather than its earliest arrival: TauP names both
# outer-core branches of PKP "PKP"; where it gives two, ab is the one of larger ray
# parameter (the slower, later branch, to 180 deg) and bc the other (to the C cusp near
# 155 deg); where it gives one, that is ab.
_BRANCH = {"PKPab": "ab", "PKPbc": "bc"}


def kazakh1d_tvel() -> str:
    """The ``kazakh1d`` regional model as TauP ``.tvel`` text.

    Crust of the Kazakh platform after Priestley, Cipar, Egorkin & Pavlenkova (1988) and the
    Bayanaul/Karkaralinsk study summarised in OSTI 200114 (Wisconsin Univ., 1993): P velocity
    rising from 4.5 km/s at the surface to 6.5 km/s at 15 km and 7.05 km/s at 50 km, a sharp
    Moho at 50 km; Vs = Vp / 1.73 in the crust. Below the Moho, ak135 (Kennett et al. 1995).
    """
    crust = [(0.0, 4.5), (15.0, 6.5), (50.0, 7.05)]
    ref = resources.files("obspy.taup") / "data" / "ak135.tvel"
    lines = ref.read_text().splitlines()
    out = ["kazakh1d - P", "kazakh1d - S"]
    for depth, vp in crust:
        out.append(f"{depth:10.3f} {vp:11.4f} {vp / 1.73:11.4f} {2.3 + 0.1 * vp:11.4f}")
    # ak135 has no node at 50 km: take its mantle value there (interpolated 35-77.5 km).
    rows = np.array([ln.split() for ln in lines[2:] if ln.strip()], dtype=float)
    above = rows[(rows[:, 0] >= 35.0) & (rows[:, 0] <= 77.5)][-2:]
    a, b = above[0], above[1]
    v50 = a + (b - a) * (50.0 - a[0]) / (b[0] - a[0])
    out.append(f"{50.0:10.3f} {v50[1]:11.4f} {v50[2]:11.4f} {v50[3]:11.4f}")
    out.extend(ln for ln in lines[2:] if ln.strip() and float(ln.split()[0]) > 50.0)
    return "\n".join(out) + "\n"


def _taup_model(model: str | Path) -> object:
    from obspy.taup import TauPyModel
    from obspy.taup.taup_create import build_taup_model

    name = str(model)
    if name in ("ak135", "iasp91", "prem"):
        return TauPyModel(name).model
    if name == "kazakh1d":
        tmp = Path(tempfile.mkdtemp(prefix="openndc-taup-"))
        src = tmp / "kazakh1d.tvel"
        src.write_text(kazakh1d_tvel())
        build_taup_model(str(src), output_folder=str(tmp))
        return TauPyModel(str(tmp / "kazakh1d.npz")).model
    path = Path(name)
    tmp = Path(tempfile.mkdtemp(prefix="openndc-taup-"))
    build_taup_model(str(path), output_folder=str(tmp))
    return TauPyModel(str(tmp / f"{path.stem}.npz")).model


def _moho_depth(tau_model: object) -> float:
    return float(tau_model.s_mod.v_mod.moho_depth)  # type: ignore[attr-defined]


def build_tables(
    model: str | Path,
    out: str | Path,
    *,
    distances: npt.ArrayLike = DISTANCES,
    depths: npt.ArrayLike = DEPTHS,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Compute every table of :data:`PHASE_GROUPS` for ``model`` and write ``out`` (.npz)."""
    from obspy.taup.seismic_phase import SeismicPhase

    dist = np.asarray(distances, dtype=np.float64)
    deps = np.asarray(depths, dtype=np.float64)
    tau = _taup_model(model)
    moho = _moho_depth(tau)
    names = sorted({n for group in PHASE_GROUPS.values() for n in group})
    shape = (len(dist), len(deps))
    time = {p: np.full(shape, np.nan) for p in PHASE_GROUPS}
    dtdd = {p: np.full(shape, np.nan) for p in PHASE_GROUPS}
    for j, h in enumerate(deps):
        corrected = tau.depth_correct(float(h))  # type: ignore[attr-defined]
        phases = {}
        for n in names:
            try:
                phases[n] = SeismicPhase(n, corrected, 0.0)
            except Exception:
                log.debug("phase %s absent at depth %s km", n, h)
        for i, d in enumerate(dist):
            best: dict[str, tuple[float, float]] = {}
            every: dict[str, list[tuple[float, float]]] = {}
            for n, ph in phases.items():
                arrivals = ph.calc_time(float(d))
                if arrivals:
                    # (ray parameter, time) of each arrival; the table's is the earliest
                    every[n] = sorted(
                        (float(a.ray_param_sec_degree), float(a.time)) for a in arrivals
                    )
                    p_first, t_first = min(every[n], key=lambda pt: pt[1])
                    best[n] = (t_first, p_first)
            for table, group in PHASE_GROUPS.items():
                if table in _BRANCH:
                    found = every.get(group[0], [])
                    if found and (_BRANCH[table] == "ab" or len(found) >= 2):
                        p_ray, t_br = found[-1] if _BRANCH[table] == "ab" else found[0]
                        time[table][i, j], dtdd[table][i, j] = t_br, p_ray
                    continue
                cands = [
                    best[n]
                    for n in group
                    if n in best and not (_CRUSTAL_ONLY.get(table) == n and h >= moho)
                ]
                if cands:
                    time[table][i, j], dtdd[table][i, j] = min(cands)
        if progress is not None:
            progress(j + 1, len(deps))
    arrays: dict[str, npt.NDArray[np.float64]] = {"distances": dist, "depths": deps}
    for name in PHASE_GROUPS:
        tab = time[name]
        dh = np.full(shape, np.nan)
        for i in range(len(dist)):
            ok = np.isfinite(tab[i])
            if ok.sum() >= 2:
                dh[i, ok] = np.gradient(tab[i, ok], deps[ok])
        arrays[f"{name}_time"] = tab.astype(np.float32)
        arrays[f"{name}_dtdd"] = dtdd[name].astype(np.float32)
        arrays[f"{name}_dtdh"] = dh.astype(np.float32)
    out = Path(out)
    np.savez_compressed(out, phases=np.array(list(PHASE_GROUPS)), **arrays)
    return out


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - offline tool
    logging.basicConfig(level=logging.INFO)
    models = list(argv if argv is not None else sys.argv[1:]) or ["ak135", "iasp91", "kazakh1d"]
    data = Path(__file__).with_name("data")
    data.mkdir(exist_ok=True)
    for m in models:

        def report(k: int, n: int, m: str = m) -> None:
            log.info("%s: depth %d/%d", m, k, n)

        log.info("wrote %s", build_tables(m, data / f"{m}.npz", progress=report))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
