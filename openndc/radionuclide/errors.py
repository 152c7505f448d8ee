"""Errors of the radionuclide stage (subclasses of :class:`openndc.model.errors.OpenNDCError`)."""

from __future__ import annotations

from openndc.model.errors import OpenNDCError

__all__ = ["PHDFormatError", "RadionuclideError"]


class RadionuclideError(OpenNDCError):
    """A radionuclide spectrum or sample cannot be read or analysed."""


class PHDFormatError(RadionuclideError):
    """An IMS2.0 pulse-height-data message is truncated, malformed or incomplete.

    The message names the file and the block (``#g_Spectrum``) and says what is wrong.
    """
