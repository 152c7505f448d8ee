"""OpenNDC: an open-source National Data Center for CTBT verification monitoring.

The package is organised as one folder per pipeline stage (``archive``, ``detection``, ...)
around one shared vocabulary, :mod:`openndc.model`. Nothing happens at import time.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openndc")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
