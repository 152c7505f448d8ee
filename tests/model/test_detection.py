"""The detection table's column definitions."""

from openndc.model.detection import AMPLITUDE_COLUMNS, DETECTION_COLUMNS


def test_amplitude_columns_are_detection_columns() -> None:
    names = {c.name for c in DETECTION_COLUMNS}
    assert AMPLITUDE_COLUMNS and names >= AMPLITUDE_COLUMNS
    # what association and location read is not an amplitude column
    assert {"time", "phase", "backazimuth", "slowness"}.isdisjoint(AMPLITUDE_COLUMNS)
