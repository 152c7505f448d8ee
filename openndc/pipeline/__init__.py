"""Runners that wrap the stage functions: batch reprocessing over an archive, the cluster
runner and the real-time loop. Runners may import stages; stages never import runners.

The package's names load on first use (PEP 562), so that importing one light module of it
(``openndc.pipeline.process`` for the configuration schema) does not import every runner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openndc.pipeline.batch import WaveformSource, chunk_windows, run_detection

__all__ = ["WaveformSource", "chunk_windows", "run_detection"]

_LAZY = {name: "openndc.pipeline.batch" for name in __all__}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
