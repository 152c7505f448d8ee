"""The training centre: scoring bulletins against a known truth, and sealed exercise packages.

- :func:`score_bulletin` matches a bulletin to the truth one-to-one and reports recall,
  precision, location, depth and magnitude errors and event-type accuracy
  (:class:`ScoreReport`); :func:`plot_score` draws it.
- :func:`read_scored_events` reads QuakeML, IMS1.0 bulletins and the bulletin CSV into the
  scorer's light :class:`ScoredEvent` records; :func:`read_truth` also opens sealed truths.
- :func:`make_exercise` synthesizes an exercise and seals its truth (:mod:`.seal`);
  :func:`make_osi_exercise` an on-site-inspection field exercise (a sealed aftershock day).

The scorer is independent of the pipeline's code: it reads products through ObsPy and pandas
only, so it scores OpenNDC's automatic bulletin and anybody else's in the same way.
See docs/training.md.
"""

from openndc.training.events import ScoredEvent, events_from_catalog, read_scored_events
from openndc.training.exercise import PASSPHRASE_ENV, Exercise, make_exercise, read_truth
from openndc.training.osi import OSI_TOLERANCES, make_osi_exercise
from openndc.training.plot import plot_score
from openndc.training.score import (
    SCORE_COLUMNS,
    MatchTolerances,
    ScoreReport,
    match_events,
    score_bulletin,
)
from openndc.training.seal import is_sealed, new_passphrase, open_sealed, seal_files

__all__ = [
    "OSI_TOLERANCES",
    "PASSPHRASE_ENV",
    "SCORE_COLUMNS",
    "Exercise",
    "MatchTolerances",
    "ScoreReport",
    "ScoredEvent",
    "events_from_catalog",
    "is_sealed",
    "make_exercise",
    "make_osi_exercise",
    "match_events",
    "new_passphrase",
    "open_sealed",
    "plot_score",
    "read_scored_events",
    "read_truth",
    "score_bulletin",
    "seal_files",
]
