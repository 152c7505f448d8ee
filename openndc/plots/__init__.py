"""Figures a seismologist trusts: maps with coastlines (offline) and record sections.

- :func:`plot_event_record_section`: an event's traces by epicentral distance with its
  associated picks and the predicted travel-time curves.
- :func:`plot_score_map` / :func:`draw_score_map`: truth beside the bulletin on a map with
  coastlines, on an extent that fits the events.
- :func:`draw_coastlines`, :func:`map_extent`: the pieces, for other maps.
"""

from openndc.plots.coastlines import draw_coastlines
from openndc.plots.maps import draw_map, draw_score_map, map_extent, plot_score_map
from openndc.plots.record_section import plot_event_record_section

__all__ = [
    "draw_coastlines",
    "draw_map",
    "draw_score_map",
    "map_extent",
    "plot_event_record_section",
    "plot_score_map",
]
