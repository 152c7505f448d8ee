"""Stations and arrays: StationXML, CSS3.0 site tables and the built-in Kazakh network.

:func:`read_inventory` is the entry point; it returns the model's
:class:`~openndc.model.inventory.MonitoringNetwork`. Array grouping rules and the arrays
config file are in :mod:`openndc.inventory.arrays`; docs/inventory.md describes both.
"""

from openndc.inventory.arrays import (
    KNOWN_ARRAYS,
    ArraysConfig,
    ArraySpec,
    assign_arrays,
    build_array,
    default_beam_groups,
    load_arrays_config,
)
from openndc.inventory.css import read_css_site
from openndc.inventory.kazakh import kazakh_network
from openndc.inventory.reader import read_inventory
from openndc.inventory.stationxml import (
    from_obspy_inventory,
    to_obspy_inventory,
    write_stationxml,
)

__all__ = [
    "KNOWN_ARRAYS",
    "ArraySpec",
    "ArraysConfig",
    "assign_arrays",
    "build_array",
    "default_beam_groups",
    "from_obspy_inventory",
    "kazakh_network",
    "load_arrays_config",
    "read_css_site",
    "read_inventory",
    "to_obspy_inventory",
    "write_stationxml",
]
