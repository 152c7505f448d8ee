from __future__ import annotations

from pathlib import Path

import numpy as np

from openndc.detection.array.fk import fk_analysis
from openndc.detection.array.kernels import plane_wave_delays
from openndc.detection.array.plot import plot_beam_section, plot_fk

from .conftest import plane_wave_stream, ring_array


def test_plots_render(tmp_path: Path) -> None:
    arr = ring_array()
    st = plane_wave_stream(arr, duration=120.0, onset=100.0)
    data = np.array([tr.data[int(99.5 * 40) : int(103.5 * 40)] for tr in st])
    r = fk_analysis(
        data, 40.0, arr.offsets_km(), slowness_max=0.4, slowness_step=0.02, fmin=0.8, fmax=4.5
    )
    fig = plot_fk(r, expected=(60.0, 0.08 * 111.19))
    fig.savefig(tmp_path / "fk.png")
    d = plane_wave_delays(arr.offsets_km(), r.backazimuth_deg, r.slowness_s_per_km)
    fig2 = plot_beam_section(data, 40.0, arr.element_codes, d, onset_s=0.5)
    fig2.savefig(tmp_path / "beam.png")
    assert (tmp_path / "fk.png").stat().st_size > 10_000
    assert (tmp_path / "beam.png").stat().st_size > 10_000
