"""The screening stage: is an event natural? IDC criteria, regional discriminants, context.

One module per criterion: :mod:`mbms` (the IDC's mb:Ms criterion), :mod:`depth` (the depth
criterion), :mod:`regional` (high-frequency P/S amplitude ratios combined across stations),
:mod:`context` (test sites, mining districts, time of day, onshore/offshore);
:mod:`calibration` holds the discriminant's populations, :mod:`config` the schema and
:mod:`stage` puts them together (:func:`screen_event`, :func:`apply_screening`).
"""

from openndc.screening.config import ScreeningConfig
from openndc.screening.stage import apply_screening, screen_event

__all__ = ["ScreeningConfig", "apply_screening", "screen_event"]
