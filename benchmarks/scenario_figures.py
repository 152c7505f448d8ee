"""Figures of docs/scenario.md: synthesized vs real noise spectra, synthesized vs real record
section of the DPRK explosion of 2016-01-06.

Real data (../shared/data): the IMS MLR sample (miniSEED, 40 Hz) and the pre-event windows
(160 s before the origin) of the DPRK 2016-01-06 SAC files. Both are raw counts without
instrument responses, so they are converted with a *nominal* broadband sensitivity of
1.5e9 counts/(m/s) (:data:`NOMINAL_SENSITIVITY`): their spectral *shapes* are real, their
absolute levels approximate. Usage::

    python benchmarks/scenario_figures.py [--shared ../shared/data] [--out docs/img]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import obspy
from obspy import UTCDateTime
from scipy import signal

from openndc.archive import SDSArchive
from openndc.inventory import kazakh_network
from openndc.model.inventory import ChannelInfo, MonitoringNetwork, Station
from openndc.scenario import ScenarioConfig, ScenarioEvent, make_scenario
from openndc.scenario.noise import peterson_db

NOMINAL_SENSITIVITY = 1.5e9  # counts/(m/s), STS-2-like broadband with a 24-bit digitizer
DPRK_ORIGIN = UTCDateTime("2016-01-06T01:30:01.038")
DPRK = (41.2980, 129.0715)


def accel_psd_db(x: np.ndarray, fs: float, sens: float) -> tuple[np.ndarray, np.ndarray]:
    """Welch acceleration PSD [dB rel. 1 (m/s^2)^2/Hz] of a velocity record in counts."""
    v = signal.detrend(np.asarray(x, dtype=float)) / sens
    nper = min(len(v), int(fs * 100))
    f, p = signal.welch(v, fs, nperseg=nper)
    f, p = f[1:], p[1:]
    return f, 10 * np.log10(p * (2 * np.pi * f) ** 2)


def spectra_figure(shared: Path, out: Path, tmp: Path) -> None:
    kz = kazakh_network()
    net = MonitoringNetwork(
        "psd", tuple(s for s in kz.stations if s.code in ("AKTO", "MAKZ", "MK01"))
    )
    start = UTCDateTime(2024, 3, 1, 2, 0)
    make_scenario(net, start, 3 * 3600.0, 1, tmp / "noise", events=[],
                  config=ScenarioConfig(artifacts=False, workers=1))  # fmt: skip
    arc = SDSArchive(tmp / "noise" / "sds")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    f = np.logspace(-2, np.log10(20), 200)
    lo, hi = peterson_db(f)
    for ax in axes:
        ax.semilogx(f, lo, "k--", lw=1, label="NLNM / NHNM (Peterson 1993)")
        ax.semilogx(f, hi, "k--", lw=1)
        ax.set_xlabel("frequency [Hz]")
        ax.set_xlim(0.01, 20)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("acceleration PSD [dB rel. 1 (m/s²)²/Hz]")
    mlr = obspy.read(str(shared / "ims_mlr_waveform_sample" / "MLR_2010-05-20_from_MLR0w.mseed"))
    tr = max(mlr.select(channel="BHZ"), key=lambda t: t.stats.npts)
    ff, db = accel_psd_db(tr.data, tr.stats.sampling_rate, NOMINAL_SENSITIVITY)
    axes[0].semilogx(ff, db, color="tab:red", label="real IM.MLR BHZ (20 min, nominal gain)")
    for code, ch, col in (("AKTO", "BHZ", "tab:blue"), ("MK01", "SHZ", "tab:green")):
        for t0, ls, when in ((start, "-", "03-05 h local (night)"),):
            st = arc.read(t0, t0 + 3 * 3600.0, station=code, channel=ch).stream
            x = st[0].data
            ff, db = accel_psd_db(x, 40.0, 4.0e9 if ch == "SHZ" else 1.5e9)
            axes[0].semilogx(ff, db, ls, color=col, label=f"synthetic {code} {ch}, {when}")
    axes[0].set_title("IMS MLR (Romania) vs synthetic Kazakh stations")
    axes[0].legend(fontsize=7, loc="lower left")
    # DPRK pre-event windows
    folder = shared / "dprk_nuclear_tests_2016" / "2016.01.06.01.30.01"
    for name, col in (("IC.MDJ.00.BHZ", "tab:red"), ("IU.INCN.00.BHZ", "tab:orange"),
                      ("IC.BJT.00.BHZ", "tab:purple")):  # fmt: skip
        st = obspy.read(str(folder / f"{name}.sac"))
        tr = st[0].slice(st[0].stats.starttime, DPRK_ORIGIN - 5)
        ff, db = accel_psd_db(tr.data, tr.stats.sampling_rate, NOMINAL_SENSITIVITY)
        axes[1].semilogx(ff, db, color=col, label=f"real {name} pre-event (155 s, nominal gain)")
    day = UTCDateTime(2024, 3, 1, 6, 0)  # MAKZ noon is ~06:30 UTC
    make_scenario(net, day, 1800.0, 2, tmp / "noon", events=[],
                  config=ScenarioConfig(artifacts=False, workers=1))  # fmt: skip
    st = SDSArchive(tmp / "noon" / "sds").read(day, day + 1800, station="MAKZ", channel="BHZ")
    ff, db = accel_psd_db(st.stream[0].data, 40.0, 1.5e9)
    axes[1].semilogx(ff, db, color="tab:blue", label="synthetic IU.MAKZ BHZ, local noon (30 min)")
    st = arc.read(start, start + 1800, station="MAKZ", channel="BHZ").stream
    ff, db = accel_psd_db(st[0].data, 40.0, 1.5e9)
    axes[1].semilogx(ff, db, color="tab:cyan", label="synthetic IU.MAKZ BHZ, local night")
    axes[1].set_title("DPRK 2016-01-06 pre-event noise vs synthetic")
    axes[1].legend(fontsize=7, loc="lower left")
    axes[0].set_ylim(-200, -60)
    fig.tight_layout()
    fig.savefig(out / "scenario_noise_spectra.png", dpi=110)
    plt.close(fig)


def record_section_figure(shared: Path, out: Path, tmp: Path) -> None:
    folder = shared / "dprk_nuclear_tests_2016" / "2016.01.06.01.30.01"
    real = obspy.read(str(folder / "*BHZ.sac"))
    real = obspy.Stream([tr for tr in real if tr.stats.location in ("", "00")])
    stations = []
    for tr in real:
        sac = tr.stats.sac
        stations.append(
            Station(tr.stats.network, tr.stats.station, float(sac.stla), float(sac.stlo), 0.0,
                    (ChannelInfo("BHZ", sample_rate_hz=40.0, azimuth_deg=0.0, dip_deg=-90.0),))
        )  # fmt: skip
    net = MonitoringNetwork("dprk-stations", tuple(stations))
    ev = ScenarioEvent(DPRK_ORIGIN, DPRK[0], DPRK[1], 0.7, ml=4.4, mb=4.8,
                       event_type="nuclear explosion", id="dprk-syn")  # fmt: skip
    t0 = real[0].stats.starttime
    make_scenario(net, t0, 790.0, 4, tmp / "dprk", events=[ev],
                  config=ScenarioConfig(artifacts=False, workers=1))  # fmt: skip
    syn = SDSArchive(tmp / "dprk" / "sds").read(t0, t0 + 790).stream
    fig, axes = plt.subplots(1, 2, figsize=(12, 7), sharey=True)
    for ax, st, title in ((axes[0], real, "real DPRK 2016-01-06 (BHZ, 1-5 Hz)"),
                          (axes[1], syn, "synthetic explosion, same stations")):  # fmt: skip
        st = st.copy()
        st.detrend("demean")
        st.filter("bandpass", freqmin=1.0, freqmax=5.0, corners=3, zerophase=True)
        for tr in st:
            sac = real.select(station=tr.stats.station)[0].stats.sac
            dist = float(sac.dist)
            t = tr.times(reftime=DPRK_ORIGIN)
            y = tr.data / (np.abs(tr.data).max() or 1.0)
            ax.plot(t, dist + 25 * y, "k", lw=0.4)
        for v, lab in ((8.0, "8 km/s"), (3.5, "3.5 km/s (Lg)")):
            ax.plot([0, 1300 / v], [0, 1300], "r:", lw=0.8)
            ax.text(1250 / v, 1250, lab, color="r", fontsize=8)
        ax.set_xlim(-20, 450)
        ax.set_ylim(300, 1250)
        ax.set_xlabel("time after origin [s]")
        ax.set_title(title)
    axes[0].set_ylabel("distance [km]")
    fig.tight_layout()
    fig.savefig(out / "scenario_record_section.png", dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--shared", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    )
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "img"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spectra_figure(Path(args.shared), out, Path(tmp))
        record_section_figure(Path(args.shared), out, Path(tmp))
    print(f"figures -> {out}")


if __name__ == "__main__":
    main()
