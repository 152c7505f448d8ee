"""Named whole-pipeline settings shipped with the package (TOML files beside this module).

Each preset is a TOML file with the tables ``[detection]``, ``[association]``, ``[location]``
and ``[magnitude]`` exactly as ``openndc config template`` writes them (the schema is
:class:`openndc.pipeline.process.ProcessConfig`); a key a preset leaves out keeps its
default. :data:`PRESETS` names them with what each suits; :func:`load_preset` returns the raw
mapping, which the caller validates with :func:`openndc.model.config.from_mapping` (and may
overlay with a user's own TOML file).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from openndc.model.errors import ConfigError

__all__ = ["PRESETS", "load_preset", "overlay"]

#: Preset name -> one line saying what it suits.
PRESETS: dict[str, str] = {
    "regional": "NDC default: regional and teleseismic monitoring with IMS-like stations and "
    "arrays (IDC-like bands 0.6-10 Hz, long STA/LTA, ak135, NDC association)",
    "local": "dense local networks (stations tens of km apart, events within ~150 km): "
    "1-20 Hz bands, short STA/LTA, S picked on 3-C horizontals, octree association of "
    "Pg/Sg (PyOcto's search), tight pick uncertainties",
    "reb": "the regional defaults with the IDC's REB rules for the association (a network "
    "of IMS primary stations and arrays: three-station events, 3-C azimuths weighted, coda "
    "detections not defining, finer depths, nodes around each site, a fit test for few "
    "stations, station corrections from the run's own events; "
    "openndc.association.reb_rules_config())",
    "osi": "on-site-inspection temporary networks (stations a few km apart, aftershocks of "
    "magnitude < 1 within ~10 km, 200+ Hz sampling): 2-40 Hz bands, very short STA/LTA, "
    "S picked, octree association (P at 4 stations, no S required)",
}


def load_preset(name: str) -> dict[str, Any]:
    """The raw TOML mapping of preset ``name`` (one of :data:`PRESETS`).

    Raises :class:`~openndc.model.errors.ConfigError` naming the choices for an unknown name.
    """
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of: {', '.join(sorted(PRESETS))}")
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # a packaging error, not a user's
        raise ConfigError(f"preset {name!r} ({name}.toml) is not valid TOML: {exc}") from exc


def overlay(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` laid over it: tables merge key by key (recursively), any
    other value (numbers, strings, lists, arrays of tables such as ``[[detection.bands]]``)
    is replaced whole. Neither input is changed. For a preset under a user's TOML file:
    ``from_mapping(ProcessConfig, overlay(load_preset(name), user), ...)``."""
    out: dict[str, Any] = dict(base)
    for key, value in override.items():
        old = out.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            out[key] = overlay(old, value)
        else:
            out[key] = value
    return out
