"""Database tables of the state-of-health part, on the bulletin schema's ``Base``.

=========================  ==============================================================
table                      content
=========================  ==============================================================
``soh_channel``            one state-of-health sample of one channel: when it was taken,
                           latency of the newest sample [s], availability over the window
                           [0-1], gaps and their total length [s] in the window, the last
                           timing quality [%], whether records were clipped, flat or noisy
                           in the interval, and the overall status
                           (``good``/``marginal``/``bad``)
=========================  ==============================================================

Times are integer nanoseconds (``*_ns``), missing floats NULL, as in :mod:`schema`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Double, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openndc.bulletin.schema import Base

__all__ = ["SohChannelRow"]


class SohChannelRow(Base):
    """One SOH sample of one channel (:class:`openndc.acquisition.soh.ChannelHealth`)."""

    __tablename__ = "soh_channel"
    __table_args__ = (UniqueConstraint("stream", "time_ns"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(40), index=True)  # NET.STA.LOC.CHA
    time_ns: Mapped[int] = mapped_column(BigInteger, index=True)  # when the sample was taken
    last_sample_ns: Mapped[int | None] = mapped_column(BigInteger)  # end of the newest sample
    latency_s: Mapped[float | None] = mapped_column(Double)
    availability: Mapped[float] = mapped_column(Double)  # fraction of the window with data
    gaps: Mapped[int] = mapped_column(Integer)  # in the window
    gap_s: Mapped[float] = mapped_column(Double)  # total gap length in the window
    timing_quality: Mapped[int | None] = mapped_column(Integer)  # blockette 1001 [%]
    clipped: Mapped[bool] = mapped_column(Boolean)
    flat: Mapped[bool] = mapped_column(Boolean)
    noisy: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), index=True)
