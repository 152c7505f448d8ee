"""``openndc rn``: the radionuclide station: particulate spectra, radioxenon, portal monitors.

Contract (other tools rely on it)::

    openndc rn analyze FILE... [--library PhotoPeak.lis] [--efficiency CSV] [--db URL] [--plot PNG]
    openndc rn xenon FILE [--detbk FILE] [--gasbk FILE] [--db URL] [--plot PNG]
    openndc rn portal FILE --background FILE [--library PhotoPeak.lis] [--db URL]

``analyze`` prints the identified nuclides with energies and activities (concentrations
when the sample has a collection and an efficiency calibration) and the IDC level;
``xenon`` the four xenon concentrations, MDCs, ratios and the screening domain; ``portal``
prints ``ALARM`` with the reasons, or ``no alarm``. ``--db`` stores the results in the
database (tables ``rn_sample``, ``rn_nuclide``, ``rn_peak``); ``--events URL`` lists the
bulletin's events in the window before a sample's collection.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
from pathlib import Path

import numpy as np

from openndc.model.errors import ConfigError
from openndc.model.radionuclide import ParticulateResult, PortalResult, XenonResult

log = logging.getLogger(__name__)

LIBRARY_ENV = "OPENNDC_GAMMA_LIBRARY"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rn",
        help="radionuclide station: gamma spectra, radioxenon, radiation portal monitors",
        description="Radionuclide analysis: particulate HPGe spectra (IMS2.0 PHD, N42, CNF, "
        "SPE, SPC), beta-gamma radioxenon (net-count method), portal monitor alarms.",
    )
    rs = p.add_subparsers(dest="rn_command", metavar="ACTION")
    rs.required = True
    a = rs.add_parser("analyze", help="particulate spectra: peaks, nuclides, activities, level")
    a.add_argument("files", nargs="+", metavar="FILE")
    _library_arg(a)
    a.add_argument("--efficiency", help="efficiency points CSV: energy_keV,efficiency,uncertainty")
    a.add_argument("--station", default="", help="station code stored with the results")
    a.add_argument("--plot", help="PNG of the spectrum with identified peaks (first file)")
    a.add_argument("--events", help="bulletin database URL: list events before the collection")
    _db_arg(a)
    a.set_defaults(func=run_analyze)
    x = rs.add_parser("xenon", help="beta-gamma radioxenon sample (IMS2.0 SAMPLEPHD)")
    x.add_argument("file", metavar="FILE")
    x.add_argument("--detbk", help="detector background (DETBKPHD)")
    x.add_argument("--gasbk", help="gas background (GASBKPHD)")
    x.add_argument("--plot", help="PNG of the four-isotope chart")
    x.add_argument("--events", help="bulletin database URL: list events before the collection")
    _db_arg(x)
    x.set_defaults(func=run_xenon)
    q = rs.add_parser("portal", help="radiation portal monitor occupancy: alarm or not")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--background", required=True, help="background measurement of the portal")
    q.add_argument("--sigma", type=float, default=4.0, help="gross-count alarm threshold [sigma]")
    _library_arg(q)
    _db_arg(q)
    q.set_defaults(func=run_portal)


def _library_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", help=f"gamma line library (PhotoPeak.lis); default: ${LIBRARY_ENV}")


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="store results in this database, e.g. sqlite:///bulletin.db")


def _library_path(args: argparse.Namespace) -> str:
    path = args.library or os.environ.get(LIBRARY_ENV, "")
    if not path:
        raise ConfigError(
            f"no gamma line library: give --library PATH or set {LIBRARY_ENV} "
            "(e.g. ../shared/data/radionuclide/gamma_line_library/PhotoPeak.lis)"
        )
    return str(path)


def _check_writable(path: str | None) -> None:
    if path is None:
        return
    parent = Path(path).resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise ConfigError(f"cannot write {path}: folder {parent} missing or not writable")


def _efficiency(path: str | None):  # type: ignore[no-untyped-def]
    if path is None:
        return None
    from openndc.radionuclide.calibration import fit_efficiency

    try:
        rows = np.loadtxt(path, delimiter=",", comments="#", ndmin=2)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{path}: cannot read efficiency points ({exc}); expected CSV rows "
            "energy_keV,efficiency[,uncertainty]"
        ) from exc
    unc = rows[:, 2] if rows.shape[1] > 2 else None
    return fit_efficiency(rows[:, 0], rows[:, 1], unc)


def _fmt(x: float, unc: float = float("nan")) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.4g} ± {unc:.2g}" if math.isfinite(unc) else f"{x:.4g}"


def run_analyze(args: argparse.Namespace) -> int:
    from openndc.radionuclide.analyze import analyze_spectrum, efficiency_from_phd, load_library
    from openndc.radionuclide.config import AnalysisConfig
    from openndc.radionuclide.formats import is_phd, read_spectra
    from openndc.radionuclide.phd import read_phd

    _check_writable(args.plot)
    config = AnalysisConfig(line_library=_library_path(args))
    library = load_library(config.line_library, config)
    user_eff = _efficiency(args.efficiency)
    results: list[ParticulateResult] = []
    for file in args.files:
        eff = user_eff
        if eff is None and is_phd(file):
            eff = efficiency_from_phd(read_phd(file))
        for spectrum in read_spectra(file):
            r = analyze_spectrum(spectrum, library, config, efficiency=eff, station=args.station)
            results.append(r)
            _print_particulate(r)
            if args.plot and len(results) == 1:
                from openndc.radionuclide.plot import plot_spectrum

                plot_spectrum(spectrum, r, args.plot)
                print(f"plot: {args.plot}")
    if args.events:
        for r in results:
            _print_events(args.events, r.times)
    _store(args.db, results)
    return 0


def _print_particulate(r: ParticulateResult) -> None:
    t = r.times
    unit = "mBq/m3" if math.isfinite(t.air_volume) else ""
    print(
        f"{r.spectrum_name}: {len(r.peaks)} peaks, {len(r.nuclides)} nuclides, "
        f"{len(r.unidentified)} unidentified peaks; live time {t.live_time:.0f} s"
    )
    print(
        f"  {'nuclide':<9}{'energy keV':>11}{'conf':>6}{'rate 1/s':>11}"
        f"{'activity Bq':>22}{'conc. ' + unit:>26}  lines"
    )
    for n in r.nuclides:
        lines = " ".join(f"{ln.energy:.1f}" for ln, _ in n.lines)
        print(
            f"  {n.nuclide:<9}{n.key_energy:>11.2f}{n.confidence:>6.2f}{n.count_rate:>11.4g}"
            f"{_fmt(n.activity, n.activity_uncertainty):>22}"
            f"{_fmt(n.concentration, n.concentration_uncertainty):>26}  {lines}"
            + (f"  [{n.interference}]" if n.interference else "")
        )
    if r.unidentified:
        print("  unidentified peaks [keV]: " + ", ".join(f"{p.energy:.1f}" for p in r.unidentified))
    print(f"  IDC level {r.level}: {r.level_reason}")


def run_xenon(args: argparse.Namespace) -> int:
    from openndc.radionuclide.phd import read_phd
    from openndc.radionuclide.xenon import analyze_xenon

    _check_writable(args.plot)
    sample = read_phd(args.file)
    detbk = read_phd(args.detbk) if args.detbk else None
    gasbk = read_phd(args.gasbk) if args.gasbk else None
    r = analyze_xenon(sample, detbk, gasbk)
    print(f"{r.sample_name} ({r.station}): air volume {r.times.air_volume:.2f} m3")
    print(f"  {'isotope':<9}{'conc. mBq/m3':>22}{'MDC':>10}{'LC':>10}  detected")
    for c in r.concentrations:
        print(
            f"  {c.nuclide:<9}{_fmt(c.concentration, c.uncertainty):>22}"
            f"{c.mdc:>10.3g}{c.lc:>10.3g}  {'yes' if c.detected else 'no'}"
        )
    for name, value, unc in r.ratios:
        print(f"  ratio {name}: {_fmt(value, unc)}")
    print(f"  screening: {r.domain} ({r.screening_reason})")
    for note in r.notes:
        print(f"  note: {note}")
    if args.plot:
        from openndc.radionuclide.plot import plot_four_isotope

        plot_four_isotope([r], args.plot)
        print(f"plot: {args.plot}")
    if args.events:
        _print_events(args.events, r.times)
    _store(args.db, [r])
    return 0


def run_portal(args: argparse.Namespace) -> int:
    from openndc.radionuclide.config import PortalConfig
    from openndc.radionuclide.formats import read_spectra
    from openndc.radionuclide.library import read_line_library
    from openndc.radionuclide.portal import portal_alarm

    config = PortalConfig(threshold_sigma=args.sigma)
    library = read_line_library(_library_path(args), config.nuclides)
    r = portal_alarm(read_spectra(args.file), read_spectra(args.background), library, config)
    print(
        f"{r.name}: gross {r.gross_rate:.1f}/s, background {r.background_rate:.1f}/s, "
        f"{r.sigma:.1f} sigma (threshold {r.threshold_sigma:g} sigma, false-alarm "
        f"probability {r.false_alarm_probability:.1e} per occupancy)"
    )
    if r.alarm:
        print("ALARM: " + "; ".join(r.reasons))
    else:
        print("no alarm")
    _store(args.db, [r])
    return 0


def _print_events(url: str, times) -> None:  # type: ignore[no-untyped-def]
    from openndc.bulletin import BulletinStore
    from openndc.radionuclide.link import events_window, screen_events

    if times.collection_start is None or times.collection_stop is None:
        print("  events: no collection times in the sample; nothing to link")
        return
    start, end = events_window(times.collection_start, times.collection_stop)
    with BulletinStore(url) as store:
        events = store.load(start, end).events
    cands = screen_events(events, times.collection_start, times.collection_stop)
    print(f"  seismic events {start} .. {end}: {len(cands)}")
    for c in cands:
        print(
            f"    {c.event_id:<12} {c.origin_time} {c.latitude:8.3f} {c.longitude:9.3f} "
            f"{c.lead_time / 3600.0:8.1f} h before collection stop"
        )


def _store(
    url: str | None, results: list[ParticulateResult] | list[XenonResult] | list[PortalResult]
) -> None:
    if not url:
        return
    from openndc.bulletin.schema_radionuclide import store_radionuclide

    ids = store_radionuclide(url, results)
    print(f"stored {len(ids)} result(s) in {url}")
