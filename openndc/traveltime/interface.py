"""The one travel-time interface every stage uses.

:class:`~openndc.traveltime.TravelTimes` (ak135, kazakh1d tables),
:class:`~openndc.traveltime.layered.LayeredModel` (flat layered local models) and the
constant-velocity half-space of local networks all provide it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["TravelTimeModel"]

FloatArray = npt.NDArray[np.float64]


class TravelTimeModel(Protocol):
    """A travel-time model: its name and, per phase, time [s], dT/dΔ [s/deg] and dT/dh [s/km]
    at epicentral distances [deg] and source depths [km] (NaN where the phase does not
    exist)."""

    @property
    def model(self) -> str: ...

    def derivatives(
        self, phase: str, distance: npt.ArrayLike, depth: npt.ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray]: ...
