from __future__ import annotations

from pathlib import Path

import obspy
import pytest
from obspy import read_events

from openndc.bulletin import from_catalog, read_bulletin, to_catalog, write_bulletin
from openndc.bulletin.formats.quakeml import read_quakeml
from tests.bulletin.conftest import make_bulletin

IASPEI_DATA = Path(obspy.__file__).parent / "io" / "iaspei" / "tests" / "data"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_round_trip_through_quakeml_file(tmp_path: Path) -> None:
    bulletin = make_bulletin(3)
    path = tmp_path / "b.xml"
    write_bulletin(bulletin, path, "quakeml")
    assert read_bulletin(path) == bulletin


def test_standard_fields_for_other_readers(tmp_path: Path) -> None:
    bulletin = make_bulletin(2)
    path = tmp_path / "b.xml"
    write_bulletin(bulletin, path, "quakeml")
    event = bulletin.events[1]
    qe = read_events(str(path))[1]
    o = qe.preferred_origin()
    assert o.time == event.origin.time
    assert o.depth == pytest.approx(10500.0)
    assert o.depth_errors.uncertainty == pytest.approx(4250.0)
    ou = o.origin_uncertainty
    assert ou.max_horizontal_uncertainty == pytest.approx(12340.0)
    assert ou.min_horizontal_uncertainty == pytest.approx(7500.0)
    assert ou.azimuth_max_horizontal_uncertainty == 123.0
    assert ou.confidence_level == pytest.approx(90.0)
    assert o.quality.used_phase_count == 3 and o.quality.azimuthal_gap == 101.0
    assert o.evaluation_mode == "automatic" and o.evaluation_status == "preliminary"
    assert qe.event_type == "earthquake"
    assert qe.preferred_magnitude().magnitude_type == "mb"
    assert qe.preferred_magnitude().mag == pytest.approx(4.52)
    assert len(qe.picks) == 4 and len(o.arrivals) == 4 and len(qe.station_magnitudes) == 4
    pick = qe.picks[0]
    assert pick.waveform_id.get_seed_string() == "KZ.MKAR..BHZ"
    assert pick.horizontal_slowness == pytest.approx(13.2)
    arrival = o.arrivals[0]
    assert arrival.time_residual == pytest.approx(0.25) and arrival.phase == "Pn"
    assert arrival.time_weight == pytest.approx(0.9)
    amp = qe.amplitudes[0]
    assert amp.generic_amplitude == pytest.approx(3.25e-9) and amp.unit == "m"
    assert o.creation_info.author == "automatic"
    assert o.creation_info.version == "openndc 0.1.0"
    contributions = qe.preferred_magnitude().station_magnitude_contributions
    assert [c.weight for c in contributions] == [1.0, 1.0, 0.0, 1.0]
    # onset, polarity and who picked: QuakeML's own Pick fields (absent when not reported)
    assert [(p.onset, p.polarity, p.evaluation_mode) for p in qe.picks] == [
        (a.detection.onset, a.detection.polarity, a.detection.evaluation_mode)
        for a in event.arrivals
    ]
    assert qe.picks[2].onset is None and qe.picks[1].polarity == "negative"


def test_foreign_catalog_without_extras() -> None:
    """A catalog written by others: standard fields only (ObsPy's IMS1.0 test event)."""
    catalog = read_events(str(IASPEI_DATA / "19670130012028.xml"))
    bulletin = from_catalog(catalog)
    assert len(bulletin) == len(catalog) == 1
    qe, event = catalog[0], bulletin.events[0]
    qo = qe.preferred_origin() or qe.origins[-1]
    assert event.origin.time == qo.time
    assert event.origin.latitude == pytest.approx(qo.latitude)
    assert event.origin.depth_km == pytest.approx(qo.depth / 1000.0)
    assert len(event.arrivals) == len(qo.arrivals) > 0
    assert {m.magnitude_type for m in event.magnitudes} <= {m.magnitude_type for m in qe.magnitudes}
    # What the file says is kept; what it does not say (here: the evaluation mode) stays unsaid.
    assert qo.evaluation_mode is None and event.review_status is None
    assert (event.origin.n_defining, event.origin.n_stations) == (150, 153)
    picks = {str(p.resource_id): p for p in qe.picks}
    for arr, qa in zip(event.arrivals, qo.arrivals, strict=False):
        pick = picks[str(qa.pick_id)]
        assert (arr.detection.onset, arr.detection.polarity) == (pick.onset, pick.polarity)


def test_read_quakeml_names_the_file(tmp_path: Path) -> None:
    from openndc.model.errors import BulletinError

    bad = tmp_path / "bad.xml"
    bad.write_text("<quakeml>not really")
    with pytest.raises(BulletinError, match=r"bad\.xml"):
        read_quakeml(bad)
    assert len(to_catalog(make_bulletin(1))) == 1


def test_incomplete_openndc_element_is_named(tmp_path: Path) -> None:
    """Found by the fuzz campaign: an openndc element without one of its keys was a KeyError."""
    from openndc.model.errors import BulletinError

    path = tmp_path / "b.xml"
    write_bulletin(make_bulletin(1), path, "quakeml")
    text = path.read_text()
    assert '"distance"' in text  # a station magnitude's openndc element
    path.write_text(text.replace('"distance"', '"distancX"', 1))
    with pytest.raises(BulletinError, match=r"b\.xml: incomplete openndc extra .*'distance'"):
        read_quakeml(path)
