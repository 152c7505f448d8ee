"""Magnitude stage: station and network ML, mb and Ms_20 (IASPEI 2013 / IDC practice).

- :mod:`~openndc.magnitude.calibration`: the calibration functions and their inverses
  (used by the scenario synthesizer), pure and vectorised;
- :mod:`~openndc.magnitude.station`: station ML and mb from the detections' amplitudes;
- :mod:`~openndc.magnitude.ms`: station Ms_20 measured on vertical waveforms;
- :mod:`~openndc.magnitude.network`: robust network averages with outlier rejection;
- :func:`compute_magnitudes`: the stage function, ``Event -> Event``.
"""

from openndc.magnitude.calibration import (
    amplitude_for_mb,
    amplitude_for_ml,
    amplitude_for_ms,
    mb_from_amplitude,
    mb_q,
    ml_from_amplitude,
    ml_log_a0,
    ms_from_amplitude,
    ms_sigma,
)
from openndc.magnitude.config import (
    MagnitudeConfig,
    MbConfig,
    MlConfig,
    MsConfig,
    NetworkAverageConfig,
)
from openndc.magnitude.ms import measure_ms
from openndc.magnitude.network import network_magnitude, robust_average
from openndc.magnitude.stage import compute_magnitudes
from openndc.magnitude.station import station_mb, station_ml

__all__ = [
    "MagnitudeConfig",
    "MbConfig",
    "MlConfig",
    "MsConfig",
    "NetworkAverageConfig",
    "amplitude_for_mb",
    "amplitude_for_ml",
    "amplitude_for_ms",
    "compute_magnitudes",
    "mb_from_amplitude",
    "mb_q",
    "measure_ms",
    "ml_from_amplitude",
    "ml_log_a0",
    "ms_from_amplitude",
    "ms_sigma",
    "network_magnitude",
    "robust_average",
    "station_mb",
    "station_ml",
]
