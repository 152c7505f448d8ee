"""The one exception tree of OpenNDC.

Every error names the input it is about (file, station, time) and, where it can, says how
to fix it. Library code raises these; the CLI prints one line and exits 1.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "AssociationError",
    "BulletinError",
    "ConfigError",
    "DataQualityWarning",
    "DetectionError",
    "InventoryError",
    "LocationError",
    "MagnitudeError",
    "OpenNDCError",
    "ScenarioError",
    "UnsupportedFormatError",
]


class OpenNDCError(Exception):
    """Root of every error OpenNDC raises on purpose."""


class ConfigError(OpenNDCError):
    """A configuration value or file is invalid (unknown key, wrong type, out of range)."""


class InventoryError(OpenNDCError):
    """Station metadata is missing, inconsistent or unreadable."""


class ArchiveError(OpenNDCError):
    """A waveform archive or waveform file cannot be read or written."""


class UnsupportedFormatError(ArchiveError):
    """A file is in none of the formats OpenNDC reads."""


class DetectionError(OpenNDCError):
    """The detection stage cannot run on the given input."""


class AssociationError(OpenNDCError):
    """Association cannot run on the given detections (e.g. no usable station coordinates)."""


class LocationError(OpenNDCError):
    """A location cannot be computed (too few data, no convergence, station unknown)."""


class MagnitudeError(OpenNDCError):
    """A magnitude cannot be computed from the given amplitudes."""


class BulletinError(OpenNDCError):
    """A bulletin cannot be read, written, stored or compared (file, database, format)."""


class ScenarioError(OpenNDCError):
    """A synthetic scenario or exercise cannot be made or scored from the given input."""


class DataQualityWarning(UserWarning):
    """Bad input that was skipped (corrupt record, gap, overlap, clock jump, wrong rate).

    The message always names the file or channel and the time; the rest is processed.
    """
