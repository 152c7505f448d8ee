from __future__ import annotations

from pathlib import Path

import pytest

import openndc.cli.main as cli_main
from openndc.cli.main import main
from openndc.inventory import read_inventory


@pytest.fixture(autouse=True)
def _only_stations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the CLI with this subcommand only (others may not be importable yet)."""
    monkeypatch.setattr(cli_main, "SUBCOMMANDS", ("stations",))


def test_lists_builtin_network(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stations"]) == 0
    out = capsys.readouterr().out
    assert "96 channels" in out and "6 arrays" in out
    mk01 = next(line for line in out.splitlines() if line.split()[:2] == ["KZ", "MK01"])
    assert "46.7690" in mk01 and "MKAR" in mk01 and "SHZ" in mk01
    mkar = next(line for line in out.splitlines() if line.startswith("MKAR "))
    assert mkar.split()[1:3] == ["seismic", "10"]
    i31 = next(line for line in out.splitlines() if line.startswith("I31KZ "))
    assert "infrasound" in i31


def test_exports_stationxml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kz.xml"
    assert main(["stations", "--inventory", "kz", "--stationxml", str(out)]) == 0
    back = read_inventory(out)
    assert back.n_channels == 96 and len(back.arrays) == 6
    assert str(out) in capsys.readouterr().out


def test_arrays_config_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = tmp_path / "kz.xml"
    assert main(["stations", "--stationxml", str(xml)]) == 0
    cfg = tmp_path / "arrays.toml"
    cfg.write_text('auto = false\n[arrays.SMALL]\nelements = ["MK01", "MK02", "MK03"]\n')
    capsys.readouterr()
    assert main(["stations", "--inventory", str(xml), "--arrays", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "SMALL " in out
    assert main(["stations", "--inventory", str(tmp_path / "nope.xml")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.xml" in err[0]
