from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from openndc.cli._common import load_detection_config, parse_time
from openndc.cli.main import main
from openndc.detection.config import DetectionConfig
from openndc.model.errors import ConfigError


def test_template_is_valid_toml_that_loads_to_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "template"]) == 0
    text = capsys.readouterr().out
    tomllib.loads(text)
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert load_detection_config(path) == DetectionConfig()


def test_bad_config_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[detection]\nmerge_window = 'x'\n")
    with pytest.raises(ConfigError, match=r"c\.toml.*merge_window"):
        load_detection_config(path)
    path.write_text("[detecton]\n")
    with pytest.raises(ConfigError, match=r"unknown (section|key)"):
        load_detection_config(path)


def test_bad_time_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="ISO 8601"):
        parse_time("yesterday-ish")


def test_domain_error_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[detection]\nbogus = 1\n")
    code = main(
        [
            "detect",
            "--archive",
            str(tmp_path),
            "--inventory",
            "kz",
            "--start",
            "2024-01-01",
            "--end",
            "2024-01-01T01:00",
            "--out",
            str(tmp_path / "d.csv"),
            "--config",
            str(cfg),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bogus" in err[0]
