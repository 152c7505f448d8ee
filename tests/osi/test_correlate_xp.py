"""The array-namespace correlation: against the reference and the numba path (NumPy), flat
data, ``MatchConfig.device`` dispatch in ``match`` and ``osi detect``, and the GPU path (its
result where CuPy and a CUDA device are present, else a one-line ConfigError)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openndc.cli.main import main
from openndc.model.config import from_mapping
from openndc.model.errors import ConfigError
from openndc.osi.config import MatchConfig
from openndc.osi.correlate import (
    TemplateBank,
    normxcorr_py,
    stacked_normxcorr,
    stacked_normxcorr_py,
)
from openndc.osi.correlate_xp import array_namespace, stacked_normxcorr_xp, to_numpy
from openndc.osi.matching import match, read_detections_csv
from tests.cli.test_osi_match_cli import DURATION, T0, _archive, _catalog, _inventory
from tests.osi.test_correlate import _bank
from tests.osi.test_matching import _scene


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_single_channel_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(20, 300))
    data = rng.standard_normal(int(rng.integers(2000, 30000))) * 10 ** rng.uniform(-3, 3)
    tpl = rng.standard_normal(m)
    bank = TemplateBank(tpl[None, None, :], np.zeros((1, 1), np.int64), np.ones((1, 1), bool))
    got = stacked_normxcorr_xp(bank, data[None, :], np)[0]
    ref = normxcorr_py(tpl, data)
    assert got.dtype == np.float32 and got.shape == ref.shape
    assert np.abs(got - ref).max() < 1e-4


@pytest.mark.parametrize("fft_length", [0, 512])
def test_stacked_bank_matches_reference_and_numba(fft_length: int) -> None:
    rng = np.random.default_rng(5)
    bank = _bank(rng, t=5, c=4, m=120, max_shift=400)
    data = rng.standard_normal((4, 12000)).astype(np.float32) * 50.0
    got = stacked_normxcorr_xp(bank, data, np, fft_length=fft_length)
    ref = stacked_normxcorr_py(bank, data)
    fast = stacked_normxcorr(bank, data, workers=1)
    assert got.shape == ref.shape == fast.shape == (5, 12000 - 120 + 1)
    assert np.abs(got - ref).max() < 1e-4
    assert np.abs(got - fast).max() < 1e-4


def test_shift_past_the_end_and_short_data() -> None:
    rng = np.random.default_rng(6)
    bank = _bank(rng, t=3, c=3, m=80, max_shift=900)
    data = rng.standard_normal((3, 700))  # some shifts reach beyond the data
    got = stacked_normxcorr_xp(bank, data, np)
    assert np.abs(got - stacked_normxcorr_py(bank, data)).max() < 1e-4
    short = stacked_normxcorr_xp(bank, data[:, :50], np)
    assert short.shape == (3, 0)
    with pytest.raises(ValueError, match="channels of the bank"):
        stacked_normxcorr_xp(bank, data[:2], np)


def test_flat_and_zero_data_give_zero_not_nan() -> None:
    rng = np.random.default_rng(3)
    bank = _bank(rng, t=3, c=3, m=100, max_shift=50)
    data = rng.standard_normal((3, 5000)).astype(np.float32) * 1000
    data[1] = 0.0  # dead channel
    data[0, 1000:3000] = 0.0  # zero-filled gap
    data[2, 2000:2600] = 7.0  # flat-lined
    got = stacked_normxcorr_xp(bank, data, np)
    ref = stacked_normxcorr_py(bank, data)
    assert np.isfinite(got).all()
    assert np.abs(got - ref).max() < 1e-4
    one = TemplateBank(bank.waveforms[:1, :1], np.zeros((1, 1), np.int64), np.ones((1, 1), bool))
    cc = stacked_normxcorr_xp(one, data[:1], np)[0]
    assert np.all(cc[1000 : 3000 - 100 + 1] == 0.0)  # inside the gap
    assert np.all(stacked_normxcorr_xp(one, np.zeros((1, 3000)), np) == 0.0)
    flat_tpl = TemplateBank(np.ones((1, 1, 50)), np.zeros((1, 1), np.int64), np.ones((1, 1), bool))
    assert np.all(stacked_normxcorr_xp(flat_tpl, data[:1], np) == 0.0)


def test_device_array_detections_equal_cpu() -> None:
    for sign in (0.0, -1.0):
        tpl, raw = _scene(sign=sign)
        for polarity in ("positive", "both"):
            cpu = match([tpl], raw, MatchConfig(polarity=polarity))
            arr = match([tpl], raw, MatchConfig(polarity=polarity, device="array"))
            assert len(cpu) >= 2 and len(arr) == len(cpu)
            for a, b in zip(cpu, arr, strict=True):
                assert a.origin_time == b.origin_time and a.template == b.template
                assert abs(a.network_correlation - b.network_correlation) < 1e-4
                assert abs(a.threshold - b.threshold) < 1e-4
                assert [(p.seed_id, p.time) for p in a.picks] == [
                    (p.seed_id, p.time) for p in b.picks
                ]
                assert a.relative_magnitude == pytest.approx(b.relative_magnitude, abs=1e-6)


def test_device_config_key() -> None:
    assert MatchConfig().device == "cpu"
    assert from_mapping(MatchConfig, {"device": "array"}).device == "array"
    with pytest.raises(ConfigError, match="device"):
        MatchConfig(device="tpu")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        from_mapping(MatchConfig, {"device": "tpu"})
    assert array_namespace("array") is np
    with pytest.raises(ConfigError, match="'cpu'"):
        array_namespace("cpu")


def _gpu_or_error() -> object | None:
    """CuPy when it and a CUDA device are usable; else None after checking the error."""
    try:
        return array_namespace("gpu")
    except ConfigError as exc:
        msg = str(exc)
        assert "gpu" in msg and ("CuPy" in msg or "CUDA" in msg) and "\n" not in msg
        return None


def test_gpu_path_matches_reference_or_says_why_not() -> None:
    xp = _gpu_or_error()
    tpl, raw = _scene(sign=-1.0)
    if xp is None:
        with pytest.raises(ConfigError, match="device 'gpu'"):
            match([tpl], raw, MatchConfig(device="gpu"))
        return
    rng = np.random.default_rng(7)
    bank = _bank(rng, t=4, c=3, m=150, max_shift=300)
    data = rng.standard_normal((3, 20000)).astype(np.float32)
    data[1, 4000:9000] = 0.0
    got = stacked_normxcorr_xp(bank, data, xp)  # type: ignore[arg-type]
    assert not isinstance(got, np.ndarray)  # computed on the device
    assert np.abs(to_numpy(got) - stacked_normxcorr_py(bank, data)).max() < 1e-4
    cpu = match([tpl], raw, MatchConfig(polarity="both"))
    gpu = match([tpl], raw, MatchConfig(polarity="both", device="gpu"))
    assert [d.origin_time for d in gpu] == [d.origin_time for d in cpu]


def test_osi_detect_cli_device_array_equals_cpu(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _archive(tmp_path / "sds")
    _inventory(tmp_path / "net.xml")
    _catalog(tmp_path / "cat.xml")
    common = ["--archive", str(tmp_path / "sds"), "--inventory", str(tmp_path / "net.xml")]
    templates = ["osi", "templates", "--catalog", str(tmp_path / "cat.xml"), *common]
    assert main([*templates, "--out", str(tmp_path / "tpl")]) == 0, capsys.readouterr().err
    detect = [
        "osi",
        "detect",
        "--templates",
        str(tmp_path / "tpl"),
        *common,
        "--start",
        str(T0)[:19],
        "--end",
        str(T0 + DURATION)[:19],
    ]
    cfg = {}
    for device in ("cpu", "array", "gpu"):
        cfg[device] = tmp_path / f"{device}.toml"
        cfg[device].write_text(f"[match]\ndevice = '{device}'\n")
    assert main([*detect, "--config", str(cfg["cpu"]), "--out", str(tmp_path / "c.csv")]) == 0
    assert main([*detect, "--config", str(cfg["array"]), "--out", str(tmp_path / "a.csv")]) == 0
    cpu = read_detections_csv(tmp_path / "c.csv")
    arr = read_detections_csv(tmp_path / "a.csv")
    assert len(cpu) == 3 and len(arr) == 3
    for a, b in zip(cpu, arr, strict=True):
        assert a.origin_time == b.origin_time
        assert a.network_correlation == pytest.approx(b.network_correlation, abs=2e-4)
        assert [(p.seed_id, p.time) for p in a.picks] == [(p.seed_id, p.time) for p in b.picks]
    if _gpu_or_error() is None:
        capsys.readouterr()
        rc = main([*detect, "--config", str(cfg["gpu"]), "--out", str(tmp_path / "g.csv")])
        err = capsys.readouterr().err.strip()
        assert rc == 1 and "device 'gpu'" in err and len(err.splitlines()) == 1
