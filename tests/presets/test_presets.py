"""The shipped presets: each loads, validates against the whole-pipeline schema, and means
what its description says."""

from __future__ import annotations

import pytest

from openndc.model.config import from_mapping
from openndc.model.errors import ConfigError
from openndc.pipeline.process import ProcessConfig
from openndc.presets import PRESETS, load_preset, overlay

TABLES = {"detection", "association", "location", "magnitude"}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_validates_against_process_config(name: str) -> None:
    raw = load_preset(name)
    assert set(raw) == TABLES, f"{name}: tables {sorted(raw)}"
    cfg = from_mapping(ProcessConfig, raw, name)
    assert isinstance(cfg, ProcessConfig)
    assert PRESETS[name].strip()


def test_regional_is_the_default() -> None:
    assert from_mapping(ProcessConfig, load_preset("regional"), "regional") == ProcessConfig()


def test_reb_is_the_defaults_with_the_reb_rules() -> None:
    from openndc.association import reb_rules_config

    reb = from_mapping(ProcessConfig, load_preset("reb"), "reb")
    assert reb.association == reb_rules_config()
    default = ProcessConfig()
    assert (reb.detection, reb.location, reb.magnitude) == (
        default.detection,
        default.location,
        default.magnitude,
    )


def test_local_and_osi_are_for_short_local_records() -> None:
    default = ProcessConfig()
    local = from_mapping(ProcessConfig, load_preset("local"), "local")
    osi = from_mapping(ProcessConfig, load_preset("osi"), "osi")
    for cfg in (local, osi):
        assert cfg.detection.s_pick.enabled
        assert cfg.association.method == "local"  # the octree search
        assert not cfg.association.teleseismic
        assert max(b.lta for b in cfg.detection.bands) < min(b.lta for b in default.detection.bands)
    # OSI: higher frequencies and shorter S-P than local
    assert max(b.freq_max for b in osi.detection.bands) > max(
        b.freq_max for b in local.detection.bands
    )
    assert osi.detection.s_pick.max_delay < local.detection.s_pick.max_delay


def test_unknown_preset_names_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"local.*osi.*regional"):
        load_preset("teleseismic")


def test_overlay_merges_tables_and_replaces_the_rest() -> None:
    base = load_preset("local")
    user = {"detection": {"dead_time": 3.0, "s_pick": {"max_delay": 12.0}}, "location": {}}
    merged = overlay(base, user)
    cfg = from_mapping(ProcessConfig, merged, "local+user")
    assert cfg.detection.dead_time == 3.0
    assert cfg.detection.s_pick.max_delay == 12.0
    assert cfg.detection.s_pick.enabled  # kept from the preset
    assert len(cfg.detection.bands) == 3
    assert base["detection"]["dead_time"] == 2.0  # inputs unchanged
    bands = overlay(base, {"detection": {"bands": [{"name": "x", "freq_min": 1.0}]}})
    assert len(bands["detection"]["bands"]) == 1  # arrays of tables are replaced whole
