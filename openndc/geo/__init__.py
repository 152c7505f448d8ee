"""Geography below the stages: the shipped land mask and the hydroacoustic paths over it.

A shared layer (like :mod:`openndc.traveltime`): screening asks whether an epicentre is on
land (:func:`is_onshore`), association whether a T phase can reach a hydroacoustic station
from it and over how much land and sea (:func:`hydro_paths`).
"""

from openndc.geo.hydro import HydroPaths, hydro_paths, hydro_paths_py
from openndc.geo.landmask import is_onshore, land_mask, on_land

__all__ = ["HydroPaths", "hydro_paths", "hydro_paths_py", "is_onshore", "land_mask", "on_land"]
