"""``openndc demo``: the main job on the embedded default data.

The default is a real recording that ships inside ObsPy's wheel: four stations of the
Unterhaching geothermal network (BW.UH1-UH4, 2010-05-27 16:24-16:28 UTC, 50-100 Hz, UH3
three-component), the data of ObsPy's coincidence-trigger example, with several small
induced events. The demo imports them into an SDS archive, runs the detection stage over
the archive exactly as ``openndc detect`` does, prints the detections and writes the table and
a record section.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import obspy
import pandas as pd

from openndc.archive import SDSArchive, import_waveforms
from openndc.detection.config import BandConfig, DetectionConfig
from openndc.detection.record_section import plot_detections
from openndc.io.tables import detections_to_frame, write_detections
from openndc.model.inventory import MonitoringNetwork
from openndc.pipeline.batch import run_detection
from openndc.pipeline.sources import ArchiveSource

DEMO_FILES = (
    "BW.UH1._.SHZ.D.2010.147.cut.slist.gz",
    "BW.UH2._.SHZ.D.2010.147.cut.slist.gz",
    "BW.UH3._.SHZ.D.2010.147.cut.slist.gz",
    "BW.UH3._.SHN.D.2010.147.cut.slist.gz",
    "BW.UH3._.SHE.D.2010.147.cut.slist.gz",
    "BW.UH4._.EHZ.D.2010.147.cut.slist.gz",
)

#: Local induced events at a few km: short windows and bands above the microseism.
DEMO_CONFIG = DetectionConfig(
    bands=[
        BandConfig("local", 2.0, 10.0, 3, 0.3, 10.0, 5.0, 1.5),
        BandConfig("local-hf", 5.0, 20.0, 3, 0.2, 10.0, 5.0, 1.5),
    ],
    dead_time=2.0,
    merge_window=1.0,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="run detection on the embedded default data")
    p.add_argument("--out", default="build/demo", help="output folder")
    p.set_defaults(func=run)


def demo_files() -> list[Path]:
    """The embedded default recordings (inside ObsPy's installed package)."""
    folder = Path(obspy.__file__).parent / "signal" / "tests" / "data"
    return [folder / name for name in DEMO_FILES]


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    archive = SDSArchive(out / "sds")
    report = import_waveforms(demo_files(), archive)
    print(f"imported ObsPy's Unterhaching recordings into {archive.root}: {report}")
    streams = archive.streams()
    data = archive.read(obspy.UTCDateTime(2010, 5, 27), obspy.UTCDateTime(2010, 5, 28))
    start = min(tr.stats.starttime for tr in data.stream)
    end = max(tr.stats.endtime for tr in data.stream)
    network = MonitoringNetwork("demo (no station coordinates: detection only)", ())
    result = run_detection(ArchiveSource(archive.root), network, start, end, DEMO_CONFIG, workers=1)
    frame = detections_to_frame(result.detections)
    table = out / "detections.csv"
    write_detections(frame, table, result.provenance.as_dict() if result.provenance else {})
    cols = [
        "time",
        "station",
        "channel",
        "phase",
        "snr",
        "amplitude",
        "amplitude_unit",
        "period",
        "backazimuth",
        "incidence",
        "rectilinearity",
    ]
    with pd.option_context("display.width", 160, "display.max_rows", 200, "display.precision", 3):
        print(frame[cols].to_string(index=False))
    png = plot_detections(
        data.stream,
        result.detections,
        network,
        start,
        end,
        out / "detections.png",
        title="OpenNDC demo: BW.UH1-4 (ObsPy test data), detections by phase",
    )
    print(f"\n{len(frame)} detections on {len(streams)} streams over {end - start:.0f} s")
    print(f"table -> {table}\nplot  -> {png}")
    return 0
