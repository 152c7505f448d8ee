"""Runners that wrap the stage functions: batch reprocessing over an archive (and, later,
the real-time loop). Runners may import stages; stages never import runners."""

from openndc.pipeline.batch import WaveformSource, chunk_windows, run_detection

__all__ = ["WaveformSource", "chunk_windows", "run_detection"]
