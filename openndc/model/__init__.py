"""The shared vocabulary of OpenNDC: typed, immutable where possible, and free of I/O.

Every stage imports this package and never another stage.
"""

from openndc.model.config import field_, from_mapping, template, to_mapping
from openndc.model.detection import DETECTION_COLUMNS, PHASES, ColumnSpec, Detection
from openndc.model.errors import (
    ArchiveError,
    AssociationError,
    BulletinError,
    ConfigError,
    DataQualityWarning,
    DetectionError,
    InventoryError,
    LocationError,
    MagnitudeError,
    OpenNDCError,
    ScenarioError,
    UnsupportedFormatError,
)
from openndc.model.event import (
    EVENT_COLUMNS,
    EVENT_TYPES,
    MAGNITUDE_TYPES,
    Arrival,
    Bulletin,
    ErrorEllipse,
    Event,
    EventType,
    MagnitudeType,
    NetworkMagnitude,
    Origin,
    ReviewStatus,
    StationMagnitude,
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
    "EVENT_COLUMNS",
    "EVENT_TYPES",
    "MAGNITUDE_TYPES",
    "PHASES",
    "ArchiveError",
    "Array",
    "ArrayElement",
    "Arrival",
    "AssociationError",
    "Bulletin",
    "BulletinError",
    "ChannelInfo",
    "ColumnSpec",
    "ConfigError",
    "DataProblem",
    "DataQualityWarning",
    "Detection",
    "DetectionError",
    "ErrorEllipse",
    "Event",
    "EventType",
    "InventoryError",
    "LocationError",
    "MagnitudeError",
    "MagnitudeType",
    "MonitoringNetwork",
    "NetworkMagnitude",
    "OpenNDCError",
    "Origin",
    "Provenance",
    "ReviewStatus",
    "ScenarioError",
    "Station",
    "StationMagnitude",
    "StreamID",
    "UnsupportedFormatError",
    "field_",
    "from_mapping",
    "local_offsets_km",
    "template",
    "to_mapping",
]
