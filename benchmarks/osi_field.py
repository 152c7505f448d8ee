"""OSI end to end around the Semipalatinsk test site: plan -> aftershock day -> templates ->
template matching -> the inspection bulletin -> score against the sealed truth.

1. Plan 30 stations over a 1000 km² inspection area centred on the suspected location
   (49.93 N, 78.82 E, in the Balapan / Shagan River area of the Semipalatinsk test site);
2. an OSI field exercise (``openndc.training.make_osi_exercise``): the aftershocks of an
   M 4.5 explosion 3.3 km east-north-east of the area centre, on day 3 after it, sealed;
3. templates from the largest events of the first ``--template-hours`` (the instructor
   takes them, with their picks, from the sealed truth: the stand-in for the first
   aftershocks an inspection team locates and reviews);
4. the whole span scanned (``openndc.osi.matching.scan``), the bulletin made;
5. the bulletin scored with the OSI tolerances (1 s, 3 km): recall by magnitude, location
   and magnitude errors, Mc against the plan's detection threshold.

Usage: ``python benchmarks/osi_field.py [--hours 24] [--out DIR] [--figures docs/img]``.
Prints the numbers and writes them to ``DIR/numbers.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
from obspy import UTCDateTime, read_events

from openndc.archive import SDSArchive
from openndc.inventory import read_inventory, write_stationxml
from openndc.osi.aftershocks import AftershockConfig
from openndc.osi.bulletin import make_bulletin, plot_bulletin_map, plot_magnitudes
from openndc.osi.config import MatchConfig, TemplateConfig
from openndc.osi.matching import scan, write_detections_csv
from openndc.osi.plan import PlanConfig, plan_network, plot_plan, to_east_north
from openndc.osi.templates import build_templates, write_templates
from openndc.training import (
    OSI_TOLERANCES,
    make_osi_exercise,
    open_sealed,
    read_scored_events,
    score_bulletin,
)

AREA_CENTRE = (49.93, 78.82)
GROUND_ZERO = (49.945, 78.86)
MAINSHOCK = UTCDateTime("2026-06-01T03:00:00")
START = UTCDateTime("2026-06-04T00:00:00")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--template-hours", type=float, default=6.0)
    ap.add_argument("--templates", type=int, default=10)
    ap.add_argument("--stations", type=int, default=30)
    ap.add_argument("--out", default="/tmp/osi_field")
    ap.add_argument("--figures", default=None, help="folder for osi_*.png (e.g. docs/img)")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    figs = Path(args.figures) if args.figures else out
    numbers: dict[str, object] = {}
    clock = time.perf_counter()

    # 1. the plan
    plan = plan_network(*AREA_CENTRE, PlanConfig(stations=args.stations, area_km2=1000.0))
    write_stationxml(plan.network, out / "plan.xml")
    plot_plan(plan, figs / "osi_plan.png")
    numbers["plan"] = {k: round(v, 3) for k, v in plan.summary().items()}
    e, n = to_east_north(GROUND_ZERO[0], GROUND_ZERO[1], *AREA_CENTRE)
    numbers["ground_zero_offset_km"] = round(float(np.hypot(e, n)), 2)

    # 2. the exercise (aftershock day, sealed)
    cfg = AftershockConfig(mainshock_magnitude=4.5, productivity=-2.5, min_magnitude=-1.5)
    duration = args.hours * 3600.0
    ex = make_osi_exercise(
        out / "plan.xml", GROUND_ZERO, MAINSHOCK, START, duration, out / "exercise",
        seed=args.seed, config=cfg, area_centre=AREA_CENTRE, passphrase="demo",
    )  # fmt: skip
    t_synth = time.perf_counter() - clock
    files = open_sealed(ex.sealed, "demo")
    truth_xml = out / "truth.xml"
    truth_xml.write_bytes(files["truth.xml"])
    (out / "events.csv").write_bytes(files["events.csv"])
    catalog = read_events(str(truth_xml))
    numbers["truth_events"] = len(catalog)

    # 3. templates: the largest events of the first hours
    numbers["noise_wa_nm_p10_p50_p90_measured"] = measure_noise(
        read_inventory(out / "exercise" / "inventory.xml"), SDSArchive(out / "exercise" / "sds"),
        START + 60,
    )  # fmt: skip
    early = [ev for ev in catalog if ev.origins[0].time < START + args.template_hours * 3600]
    largest = sorted(early, key=lambda ev: -ev.magnitudes[0].mag)[: args.templates]
    network = read_inventory(out / "exercise" / "inventory.xml")
    archive = SDSArchive(out / "exercise" / "sds")
    clock = time.perf_counter()
    templates, _ = build_templates(largest, archive, network, TemplateConfig())
    write_templates(templates, out / "templates")
    t_templates = time.perf_counter() - clock

    # 4. scan and bulletin
    clock = time.perf_counter()
    detections, problems = scan(templates, archive, START, START + duration, MatchConfig())
    t_scan = time.perf_counter() - clock
    write_detections_csv(detections, out / "detections.csv")
    bulletin = make_bulletin(detections, [t.info for t in templates], network)
    bulletin.write(out / "bulletin.xml", csv=out / "bulletin.csv", ims=out / "bulletin.txt")

    # 5. score
    report = score_bulletin(
        read_scored_events(out / "bulletin.xml"), read_scored_events(truth_xml), OSI_TOLERANCES
    )
    table = report.table
    report.table.to_csv(out / "score.csv", index=False)
    s = report.summary
    matched = table[table["status"] == "matched"]
    truth_rows = table[table["status"] != "false"]
    by_mag = {}
    for lo in np.arange(-1.5, 1.01, 0.25):
        sel = truth_rows[(truth_rows["truth_ML"] >= lo) & (truth_rows["truth_ML"] < lo + 0.25)]
        if len(sel):
            by_mag[f"{lo:+.2f}"] = [int((sel["status"] == "matched").sum()), len(sel)]
    mc = bulletin.mc
    truth_ml = np.array([ev.magnitudes[0].mag for ev in catalog])
    # the template events find themselves: errors of the other events say more
    made = [t.info.origin_time for t in templates]
    is_template = matched["truth_time"].map(
        lambda t: any(abs(UTCDateTime(t) - m) < 0.01 for m in made)
    )
    others = matched[~is_template.astype(bool)]
    numbers["non_template_matched"] = len(others)
    if len(others):
        numbers["non_template_epicentre_error_km_median"] = round(
            float(others["epicentre_error"].median()), 3
        )
        numbers["non_template_epicentre_error_km_p90"] = round(
            float(np.percentile(others["epicentre_error"], 90)), 3
        )
        numbers["non_template_depth_error_km_rms"] = round(
            float(np.sqrt(np.mean(others["depth_error"] ** 2))), 3
        )
        numbers["non_template_ML_error_median_abs"] = round(
            float(others["ML_error"].abs().median()), 3
        )
    numbers.update(
        {
            "templates": len(templates),
            "detections": len(detections),
            "bulletin_events": len(bulletin.events),
            "relocated": sum(ev.method == "relative" for ev in bulletin.events),
            "matched": s["n_matched"],
            "missed": s["n_missed"],
            "false": s["n_false"],
            "recall": round(s["recall"], 3),
            "precision": round(s["precision"], 3),
            "recall_by_ML_bin_[found,true]": by_mag,
            "recall_ML_ge_mc": _recall_above(truth_rows, mc.mc),
            "epicentre_error_km_median": round(float(matched["epicentre_error"].median()), 3),
            "epicentre_error_km_p90": round(
                float(np.percentile(matched["epicentre_error"], 90)), 3
            ),
            "depth_error_km_rms": round(float(np.sqrt(np.mean(matched["depth_error"] ** 2))), 3),
            "time_error_s_rms": round(float(np.sqrt(np.mean(matched["time_error"] ** 2))), 4),
            "ML_error_median_abs": round(float(matched["ML_error"].abs().median()), 3),
            "mc": mc.mc,
            "mc_maxc": mc.mc_maxc,
            "b": round(mc.b, 3) if math.isfinite(mc.b) else None,
            "b_uncertainty": round(mc.b_uncertainty, 3) if math.isfinite(mc.b) else None,
            "truth_b_input": cfg.b_value,
            "seconds_synthesis": round(t_synth, 1),
            "seconds_templates": round(t_templates, 1),
            "seconds_scan": round(t_scan, 1),
            "data_problems": len(problems),
        }
    )
    plot_bulletin_map(
        bulletin, network, figs / "osi_bulletin_map.png", site=AREA_CENTRE, area_km2=1000.0,
        truth=_truth_frame(catalog),
        title=f"OSI bulletin, Semipalatinsk scenario: {len(bulletin.events)} events "
        f"({s['n_matched']} of {len(catalog)} true found), Mc {mc.mc:.1f}",
    )  # fmt: skip
    plot_magnitudes(bulletin, figs / "osi_mc.png", truth_magnitudes=truth_ml)
    (out / "numbers.json").write_text(json.dumps(numbers, indent=2, default=str) + "\n")
    print(json.dumps(numbers, indent=2, default=str))


def measure_noise(network: object, archive: SDSArchive, t0: UTCDateTime) -> list[float]:
    """10th/50th/90th percentiles over the stations of the Wood-Anderson RMS noise [nm] in
    2-20 Hz on the N component, 10 minutes from ``t0`` (to compare with the plan's)."""
    from openndc.detection.amplitude import wood_anderson_response

    vals = []
    for st in network.stations:  # type: ignore[attr-defined]
        r = archive.read(t0, t0 + 600, station=st.code, channel="??N")
        if not r.stream:
            continue
        tr = r.stream[0]
        ch = st.channel(tr.stats.channel)
        x = tr.data.astype(np.float64) / float(ch.sensitivity)  # [m/s]
        win = np.hanning(len(x))
        spec = np.fft.rfft((x - x.mean()) * win)
        f = np.fft.rfftfreq(len(x), 1.0 / tr.stats.sampling_rate)
        band = (f >= 2.0) & (f <= 20.0)
        h = np.zeros(len(f), dtype=np.complex128)
        h[band] = wood_anderson_response(f[band], 1.0) / (2j * np.pi * f[band])
        y = np.fft.irfft(spec * h, len(x)) / np.sqrt(np.mean(win**2))
        vals.append(float(np.sqrt(np.mean(y[len(y) // 10 : -len(y) // 10] ** 2))) * 1e9)
    return [round(float(v), 3) for v in np.percentile(vals, [10, 50, 90])]


def _recall_above(rows: object, mc: float) -> list[int]:
    import pandas as pd

    assert isinstance(rows, pd.DataFrame)
    sel = rows[rows["truth_ML"] >= mc - 1e-9]
    return [int((sel["status"] == "matched").sum()), len(sel)]


def _truth_frame(catalog: object) -> object:
    import pandas as pd

    return pd.DataFrame(
        [(ev.origins[0].latitude, ev.origins[0].longitude) for ev in catalog],  # type: ignore[attr-defined]
        columns=["latitude", "longitude"],
    )


if __name__ == "__main__":
    main()
