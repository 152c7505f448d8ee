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


@pytest.mark.parametrize(
    ("band", "needles"),
    [
        ({"name": "reg", "sta": 30.0, "lta": 20.0}, ["'reg'", "sta 30 s", "lta 20 s", "sta < lta"]),
        ({"name": "eq", "sta": 5.0, "lta": 5.0}, ["'eq'", "shorter than lta"]),
        ({"name": "neg", "sta": -1.0}, ["'neg'", "sta > 0"]),
        ({"name": "fx", "freq_min": 5.0, "freq_max": 1.0}, ["'fx'", "freq_min 5 Hz"]),
        ({"name": "f0", "freq_min": 0.0}, ["'f0'", "0 < freq_min"]),
        ({"name": "c0", "corners": 0}, ["'c0'", "corners 0"]),
        ({"name": "t0", "threshold_on": 0.0}, ["'t0'", "positive STA/LTA ratios"]),
    ],
)
def test_impossible_band_is_a_config_error_naming_file_band_and_fix(
    band: dict[str, object], needles: list[str]
) -> None:
    """The STA/LTA kernel needs sta < lta: the configuration is checked when it is loaded."""
    with pytest.raises(ConfigError) as info:
        from_mapping(DetectionConfig, {"bands": [band]}, "my.toml.detection")
    text = str(info.value)
    assert text.startswith("my.toml.detection.bands[0]: detection band")
    for needle in needles:
        assert needle in text


def test_no_bands_and_s_pick_windows_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"my\.toml\.detection: detection: no bands"):
        from_mapping(DetectionConfig, {"bands": []}, "my.toml.detection")
    with pytest.raises(ConfigError, match=r"s_pick: S picking: sta 3 s must be shorter"):
        from_mapping(DetectionConfig, {"s_pick": {"sta": 3.0}}, "my.toml.detection")
    with pytest.raises(ConfigError, match="detection band 'x'"):  # in code too, not only TOML
        BandConfig(name="x", sta=2.0, lta=1.0)
