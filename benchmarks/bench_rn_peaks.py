"""Peak search: OpenNDC against becquerel's PeakFinder on the same real HPGe spectra.

Run: ``.venv/bin/python benchmarks/bench_rn_peaks.py [DATA_DIR]`` (default
``../shared/data/radionuclide/gamma_spectra_becquerel``). For each spectrum both finders run
in this process; peaks are matched within max(1 keV, 1 FWHM). Prints peaks found by both,
by one only, and the time of each with the ratio.

becquerel: ``GaussianPeakFilter(ref_x=1000 ch, ref_fwhm=<FWHM at the channel>, fwhm_at_0)``
with the FWHM of our initial resolution model (sqrt(0.77 + 0.00185 E) keV, a typical
HPGe), ``PeakFinder.find_peaks(min_snr=4, max_num=200)``: the same 4-sigma threshold as ours.
OpenNDC: :func:`openndc.radionuclide.analyze.find_peaks` (search, fit, recalibration,
resolution calibration, second search and fit).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from openndc.radionuclide.analyze import find_peaks
from openndc.radionuclide.config import AnalysisConfig
from openndc.radionuclide.formats import read_spectra

FILES = (
    "Mendocino_07-10-13_Acq-10-10-13.Spe",
    "1110C NAA cave pottery.Spe",
    "1110C NAA cave background May 2017.spe",
    "Alcatraz14.Spc",
    "01122014152731-GT01122014182338-GA37.4963000N-GO122.4633000W.cnf",
)


def becquerel_peaks(path: Path, coefs: tuple[float, ...], n: int) -> tuple[np.ndarray, float]:
    import becquerel as bq

    spec = bq.Spectrum.from_file(str(path))
    ch = np.arange(n, dtype=float)
    e = np.polynomial.polynomial.polyval(ch, np.asarray(coefs))
    gain = float(np.median(np.gradient(e)))
    ref = 1000
    fwhm_ch = float(np.sqrt(0.77 + 0.00185 * e[ref])) / gain
    fwhm0 = float(np.sqrt(0.77)) / gain
    t = time.perf_counter()
    kernel = bq.GaussianPeakFilter(ref, fwhm_ch, fwhm_at_0=fwhm0)
    finder = bq.PeakFinder(spec, kernel)
    finder.find_peaks(min_snr=4, max_num=200, xmin=10)
    dt = time.perf_counter() - t
    return np.polynomial.polynomial.polyval(
        np.asarray(finder.centroids, dtype=float), np.asarray(coefs)
    ), dt


def main(folder: Path) -> None:
    cfg = AnalysisConfig()
    tot = {"both": 0, "ours": 0, "bq": 0, "t_ours": 0.0, "t_bq": 0.0}
    print(f"{'file':<42}{'both':>6}{'ours only':>10}{'bq only':>9}{'t ours s':>10}{'t bq s':>9}")
    for name in FILES:
        path = folder / name
        spec = read_spectra(path)[0]
        t = time.perf_counter()
        peaks, _coefs, _ = find_peaks(spec, cfg)
        t_ours = time.perf_counter() - t
        ours = np.asarray([p.energy for p in peaks])
        fwhm = np.asarray([max(p.fwhm, 1.0) for p in peaks])
        theirs, t_bq = becquerel_peaks(path, tuple(spec.energy_coefficients), spec.n_channels)
        # becquerel sees the file's own calibration; compare on that scale.
        ours_file = np.polynomial.polynomial.polyval(
            np.asarray([p.channel for p in peaks]), np.asarray(spec.energy_coefficients)
        )
        both = sum(
            1
            for e, w in zip(ours_file, fwhm, strict=True)
            if theirs.size and np.min(np.abs(theirs - e)) <= w
        )
        only_bq = sum(
            1 for e in theirs if not ours_file.size or np.min(np.abs(ours_file - e)) > 1.5
        )
        print(
            f"{name[:41]:<42}{both:>6}{ours.size - both:>10}{only_bq:>9}{t_ours:>10.2f}{t_bq:>9.2f}"
        )
        tot["both"] += both
        tot["ours"] += ours.size - both
        tot["bq"] += only_bq
        tot["t_ours"] += t_ours
        tot["t_bq"] += t_bq
    print(
        f"{'total':<42}{tot['both']:>6}{tot['ours']:>10}{tot['bq']:>9}{tot['t_ours']:>10.2f}"
        f"{tot['t_bq']:>9.2f}   time ratio ours/becquerel {tot['t_ours'] / tot['t_bq']:.2f}"
    )


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "radionuclide"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default / "gamma_spectra_becquerel")
