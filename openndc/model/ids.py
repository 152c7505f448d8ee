"""Stream identifiers (FDSN source identifiers in their SEED form NET.STA.LOC.CHA)."""

from __future__ import annotations

from dataclasses import dataclass

from openndc.model.errors import OpenNDCError

__all__ = ["StreamID"]


@dataclass(frozen=True, order=True, slots=True)
class StreamID:
    """A waveform stream: SEED network, station, location and channel codes."""

    network: str
    station: str
    location: str
    channel: str

    @classmethod
    def parse(cls, seed_id: str) -> StreamID:
        """Parse ``"NET.STA.LOC.CHA"`` (location may be empty: ``"IU.MAKZ..BHZ"``)."""
        parts = seed_id.split(".")
        if len(parts) != 4:
            raise OpenNDCError(
                f"stream id {seed_id!r} is not of the form NET.STA.LOC.CHA (e.g. 'IU.MAKZ.00.BHZ')"
            )
        return cls(*parts)

    @property
    def seed_id(self) -> str:
        return f"{self.network}.{self.station}.{self.location}.{self.channel}"

    @property
    def component(self) -> str:
        """Last channel letter (Z, N, E, 1, 2, ...)."""
        return self.channel[-1:] if self.channel else ""

    def __str__(self) -> str:
        return self.seed_id
