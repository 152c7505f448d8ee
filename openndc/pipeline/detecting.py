"""The detection stage's adapter, in a module of its own.

The batch runner runs detection in worker processes; what a worker unpickles (the stage and
the function it calls) is imported there. Here it imports the detection stage and the
contract only, not association, location, magnitudes and screening: a worker starts about
a second sooner, and the first window's detections, which the rest of the run waits for,
come that much earlier. :mod:`openndc.pipeline.stages` re-exports these names.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from openndc import __version__
from openndc.detection.config import DetectionConfig
from openndc.detection.stage import detect, warmup_seconds
from openndc.model.config import to_mapping
from openndc.model.detection import Detection
from openndc.model.errors import DataQualityWarning, OpenNDCError
from openndc.model.provenance import Provenance
from openndc.pipeline.contract import Margins, StageContext, StageOutput, Window

__all__ = ["DetectionStage", "detect_window", "detection_tail", "with_stable_ids"]


def detection_tail(config: DetectionConfig) -> float:
    """Data needed after a window's end so that detections near it are measured [s]:
    the longest amplitude window after the onset, the onset search, and 5 s of filter
    settling."""
    return max(config.amplitude.ml_window, config.amplitude.mb_window) + config.onset.after + 5.0


def with_stable_ids(detections: Sequence[Detection]) -> list[Detection]:
    """Detections sorted by time with content-derived identifiers (kept when they have one);
    a second detection with the same stream and onset gets ``-2``, ``-3``..."""
    out: list[Detection] = []
    seen: dict[str, int] = {}
    for det in sorted(detections, key=lambda d: (d.time, d.seed_id, d.method)):
        name = det.id or det.stable_id
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(dataclasses.replace(det, id=name if n == 1 else f"{name}-{n}"))
    return out


@dataclass(frozen=True)
class DetectionStage:
    """Waveforms of the window (with warm-up and tail) → detections with onsets in it."""

    config: DetectionConfig
    name: str = "detection"

    def margins(self) -> Margins:
        return Margins(before=warmup_seconds(self.config), after=detection_tail(self.config))

    def run(
        self, inputs: None, window: Window, context: StageContext
    ) -> StageOutput[list[Detection]]:
        if context.source is None:
            raise OpenNDCError(f"the {self.name} stage needs waveforms, but the run has no archive")
        network, problems = context.network(window)
        m = self.margins()
        # Data problems come back as DataProblem records and are reported once by the
        # runner, not as warnings from every worker process and window.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            data = context.source.read(window.start - m.before, window.end + m.after)
            result = detect(data.stream, network, self.config, start=window.start, end=window.end)
        provenance = Provenance(
            method="openndc.detection",
            software_version=__version__,
            parameters={
                "window_start": str(window.start),
                "window_end": str(window.end),
                "source": context.source_label,
                **to_mapping(self.config),
            },
        )
        dets = [
            dataclasses.replace(d, provenance=provenance)
            for d in with_stable_ids(result.detections)
        ]
        return StageOutput(
            dets,
            [*problems, *data.problems, *result.problems],
            provenance,
            {"n_traces": float(len(data.stream))},
        )


def detect_window(
    stage: DetectionStage, window: Window, context: StageContext
) -> StageOutput[list[Detection]]:
    """``stage.run`` for one window: what a worker process is given to call."""
    return stage.run(None, window, context)
