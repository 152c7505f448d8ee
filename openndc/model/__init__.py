"""The shared vocabulary of OpenNDC: typed, immutable where possible, and free of I/O.

Every stage imports this package and never another stage.
"""

from openndc.model.config import field_, from_mapping, template, to_mapping
from openndc.model.detection import DETECTION_COLUMNS, PHASES, ColumnSpec, Detection
from openndc.model.errors import (
    ArchiveError,
    ConfigError,
    DataQualityWarning,
    DetectionError,
    InventoryError,
    OpenNDCError,
    UnsupportedFormatError,
)
from openndc.model.ids import StreamID
from openndc.model.inventory import (
    Array,
    ArrayElement,
    ChannelInfo,
    MonitoringNetwork,
    Station,
    local_offsets_km,
)
from openndc.model.provenance import Provenance
from openndc.model.quality import DataProblem

__all__ = [
    "DETECTION_COLUMNS",
    "PHASES",
    "ArchiveError",
    "Array",
    "ArrayElement",
    "ChannelInfo",
    "ColumnSpec",
    "ConfigError",
    "DataProblem",
    "DataQualityWarning",
    "Detection",
    "DetectionError",
    "InventoryError",
    "MonitoringNetwork",
    "OpenNDCError",
    "Provenance",
    "Station",
    "StreamID",
    "UnsupportedFormatError",
    "field_",
    "from_mapping",
    "local_offsets_km",
    "template",
    "to_mapping",
]
