"""The SDS waveform archive: read time windows with their data problems, write, import.

``SDSArchive(root).read(start, end, ...)`` returns a :class:`ReadResult` (an ObsPy stream
cut to the window, gaps kept as separate traces, and the problems found);
:func:`read_wfdisc` does the same for CSS3.0 wfdisc tables; :func:`import_waveforms`
copies SAC, miniSEED and wfdisc waveforms into an archive.
"""

from openndc.archive.importer import ImportReport, import_waveforms
from openndc.archive.result import ReadResult
from openndc.archive.sds import SDSArchive, StreamCoverage, WriteSummary
from openndc.archive.wfdisc import read_wfdisc

__all__ = [
    "ImportReport",
    "ReadResult",
    "SDSArchive",
    "StreamCoverage",
    "WriteSummary",
    "import_waveforms",
    "read_wfdisc",
]
