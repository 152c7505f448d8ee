"""The radionuclide stage: IMS2.0 PHD and common spectrum files, particulate HPGe analysis
(calibration, peaks, identification, activities, MDC, IDC levels), radioxenon net counts
and screening, radiation portal alarms, and the time link to seismic events.

Modules are imported explicitly (``openndc.radionuclide.analyze`` ...); nothing heavy is
imported here.
"""

from __future__ import annotations

from openndc.radionuclide.errors import PHDFormatError, RadionuclideError

__all__ = ["PHDFormatError", "RadionuclideError"]
