"""Reading spectrum files: IMS2.0 PHD (our reader) and the common formats through SpecUtils.

ANSI N42.42 (2006/2012), Canberra CNF, ORTEC SPE/SPC/CHN and about 100 others are read
by Sandia's SpecUtils (``SandiaSpecUtils`` on PyPI, LGPL), not by parsers of our own.
A file may hold several measurements (a portal: one per detector panel); each becomes a
:class:`~openndc.model.radionuclide.GammaSpectrum`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.model.radionuclide import GammaSpectrum, SampleTimes
from openndc.radionuclide.errors import RadionuclideError
from openndc.radionuclide.phd import read_phd, to_spectrum

__all__ = ["is_phd", "read_spectra"]

log = logging.getLogger(__name__)


def is_phd(path: str | Path) -> bool:
    """True when the file starts like an IMS2.0 message."""
    try:
        with open(path, "rb") as f:
            head = f.read(64).lstrip()
    except OSError:
        return False
    return head.upper().startswith(b"BEGIN IMS2.0")


def read_spectra(path: str | Path) -> tuple[GammaSpectrum, ...]:
    """Every gamma spectrum of a file: IMS2.0 PHD, N42, CNF, SPE, SPC, CHN, ..."""
    p = Path(path)
    if not p.is_file():
        raise RadionuclideError(f"{p}: no such file")
    if is_phd(p):
        return (to_spectrum(read_phd(p)),)
    import SpecUtils  # type: ignore[import-untyped]

    spec = SpecUtils.SpecFile()
    try:
        spec.loadFile(str(p), SpecUtils.ParserType.Auto)
    except Exception as exc:  # SpecUtils raises plain RuntimeError
        raise RadionuclideError(
            f"{p}: not a spectrum file SpecUtils can read ({exc}); supported: IMS2.0 PHD, "
            "ANSI N42.42, Canberra CNF, ORTEC SPE/SPC/CHN and others"
        ) from exc
    out = []
    for i, m in enumerate(spec.measurements()):
        counts = np.asarray(m.gammaCounts(), dtype=float)
        if counts.size < 16:
            continue
        coefs = tuple(float(c) for c in m.calibrationCoeffs())
        kind = str(m.energyCalibrationModel())
        if "Polynomial" not in kind or not coefs:
            # Full-range fraction and others: refit a polynomial to the channel energies.
            e = np.asarray(m.channelEnergies(), dtype=float)[: counts.size]
            ch = np.arange(e.size, dtype=float)
            coefs = tuple(float(c) for c in np.polynomial.polynomial.polyfit(ch, e, 3))
        if "UnspecifiedUsingDefault" in kind:
            log.warning("%s: no energy calibration in the file; SpecUtils' default used", p)
        start = m.startTime()
        t0 = UTCDateTime(start) if start is not None else UTCDateTime(0)
        times = SampleTimes(
            acquisition_start=t0, real_time=float(m.realTime()), live_time=float(m.liveTime())
        )
        name = m.detectorName() or f"{p.stem}#{i}"
        out.append(
            GammaSpectrum(
                counts=np.rint(counts).astype(np.int64),
                energy_coefficients=coefs,
                times=times,
                name=p.stem if len(spec.measurements()) == 1 else f"{p.stem}:{name}",
                detector=name,
                source=str(p),
            )
        )
    if not out:
        raise RadionuclideError(f"{p}: no gamma spectrum in the file")
    return tuple(out)
