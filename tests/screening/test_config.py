"""The screening config schema: TOML in, template out, unknown keys refused."""

from __future__ import annotations

import tomllib

import pytest

from openndc.model.config import from_mapping, template
from openndc.model.errors import ConfigError
from openndc.screening import ScreeningConfig


def test_from_mapping_and_template() -> None:
    cfg = from_mapping(
        ScreeningConfig,
        {"regional": {"bands_hz": [[1, 2], [2, 4]]}, "mbms": {"variant": "selby2012"}},
    )
    assert cfg.regional.bands_hz == ((1.0, 2.0), (2.0, 4.0))
    assert cfg.mbms.variant == "selby2012"
    text = template(ScreeningConfig)
    assert from_mapping(ScreeningConfig, tomllib.loads(text)) == ScreeningConfig()
    with pytest.raises(ConfigError, match="unknown key"):
        from_mapping(ScreeningConfig, {"depth": {"min_depth": 5}})


def test_bad_ratio_and_band_are_refused() -> None:
    with pytest.raises(ConfigError, match="Px/Lg"):
        from_mapping(ScreeningConfig, {"regional": {"ratios": ["Px/Lg"]}})
    with pytest.raises(ConfigError, match="low < high"):
        from_mapping(ScreeningConfig, {"regional": {"bands_hz": [[4, 2]]}})
