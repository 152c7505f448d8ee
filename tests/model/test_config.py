from __future__ import annotations

import tomllib

import pytest

from openndc.detection.config import BandConfig, DetectionConfig
from openndc.model.config import from_mapping, template, to_mapping
from openndc.model.errors import ConfigError


def test_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="merge_windw"):
        from_mapping(DetectionConfig, {"merge_windw": 2.0})


def test_wrong_type_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"detection\.onset\.before"):
        from_mapping(DetectionConfig, {"onset": {"before": "four"}}, "detection")


def test_nested_and_list_of_tables() -> None:
    cfg = from_mapping(
        DetectionConfig,
        {"bands": [{"name": "x", "freq_min": 1, "freq_max": 3}], "onset": {"method": "kurtosis"}},
    )
    assert cfg.bands == [BandConfig(name="x", freq_min=1.0, freq_max=3.0)]
    assert cfg.onset.method == "kurtosis"
    assert cfg.amplitude.mb_freq_min == 0.8


def test_template_round_trips_to_defaults() -> None:
    text = template(DetectionConfig)
    assert "[s]" in text and "[Hz]" in text
    data = tomllib.loads(text)
    assert from_mapping(DetectionConfig, data) == DetectionConfig()
    assert to_mapping(DetectionConfig())["merge_window"] == 2.5
