"""Array processing: delay-and-sum beams, broad-band f-k, the array detector.

Slowness is [s/km] inside this package (detections carry [s/deg], 1 deg = 111.19 km);
back-azimuth [deg] is the direction from the array to the source, clockwise from north.
"""

from openndc.detection.array.detector import (
    INFRASOUND_BANDS,
    ArrayData,
    SteeringBeam,
    beam_set,
    detect_array,
    gather_array_data,
)
from openndc.detection.array.fk import FKResult, fk_analysis, slowness_axis
from openndc.detection.array.kernels import (
    DEG_KM,
    backazimuth_from_slowness,
    beam,
    beams,
    fk_power,
    fstat_from_relpower,
    plane_wave_delays,
    slowness_vector,
)

__all__ = [
    "DEG_KM",
    "INFRASOUND_BANDS",
    "ArrayData",
    "FKResult",
    "SteeringBeam",
    "backazimuth_from_slowness",
    "beam",
    "beam_set",
    "beams",
    "detect_array",
    "fk_analysis",
    "fk_power",
    "fstat_from_relpower",
    "gather_array_data",
    "plane_wave_delays",
    "slowness_axis",
    "slowness_vector",
]
