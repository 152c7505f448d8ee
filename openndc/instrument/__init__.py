"""Instrument responses: a shared layer below the stages.

The detection stage (mb and Wood-Anderson amplitudes) and the magnitude stage (Ms on
WWSSN-LP) convert counts to ground displacement with the same function,
:func:`displacement_gain`: the channel's full response when the inventory has one, else its
flat sensitivity with the sensor type's power of ``iω``.
"""

from openndc.instrument.response import displacement_gain, input_power

__all__ = ["displacement_gain", "input_power"]
