"""Bulletin fixtures: a hand-made bulletin exercising every field, and databases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from obspy import UTCDateTime

from openndc.model.detection import Detection
from openndc.model.event import (
    Arrival,
    Bulletin,
    ErrorEllipse,
    Event,
    NetworkMagnitude,
    Origin,
    StationMagnitude,
)
from openndc.model.provenance import Provenance

T0 = UTCDateTime("2016-01-06T01:30:01.123456Z")


def make_event(k: int = 0, *, review_status: str = "automatic", author: str = "automatic") -> Event:
    """A realistic event with arrivals, station and network magnitudes, provenance."""
    t = T0 + 3600.0 * k
    prov = Provenance(
        method="iterative least squares",
        software_version="0.1.0",
        parameters={"depth": "free", "phases": ["P", "Pn"], "n_iter": 12, "damping": 0.01},
        author=author,
        created=UTCDateTime("2016-01-06T02:00:00.5Z") + k,
    )
    stations = [("KZ", "MKAR", "", "BHZ", 4.71, 8.1), ("IM", "KURK", "", "BHZ", 7.32, 300.2)]
    stations += [("KZ", "BVAR", "", "SHZ", 12.5, 35.75), ("IM", "ZAA0", "00", "BHZ", 17.01, 201.3)]
    arrivals = []
    stamags = []
    for i, (net, sta, loc, cha, dist, az) in enumerate(stations):
        det = Detection(
            network=net,
            station=sta,
            location=loc,
            channel=cha,
            time=t + 60.0 + 13.371 * i + 0.000123,
            time_uncertainty=0.15,
            phase="P" if i != 1 else "Pn",
            snr=12.5 + i,
            amplitude=3.25 * (i + 1),
            amplitude_unit="nm",
            period=0.85,
            amplitude_wa=math.nan if i else 0.031,
            backazimuth=(az + 180.0) % 360.0 + 1.5,
            backazimuth_uncertainty=3.0,
            slowness=13.2 - i,
            slowness_uncertainty=0.8,
            fstat=8.25 if i == 0 else math.nan,
            rectilinearity=0.72 if i == 2 else math.nan,
            incidence=math.nan,
            freq_min=0.8,
            freq_max=4.5,
            dominant_frequency=2.1,
            method="beam" if i == 0 else "stalta",
            id=f"det{k}-{i}",
            onset=("impulsive", "emergent", None, "questionable")[i],  # type: ignore[arg-type]
            polarity=("positive", "negative", None, None)[i],  # type: ignore[arg-type]
            evaluation_mode=("automatic", "manual", None, "automatic")[i],  # type: ignore[arg-type]
        )
        arrivals.append(
            Arrival(
                detection=det,
                phase=("Pn", "Pn", "P", "P")[i],
                distance=dist,
                azimuth=az,
                time_residual=0.25 - 0.2 * i,
                backazimuth_residual=1.5,
                slowness_residual=-0.3 if i == 0 else math.nan,
                time_defining=i != 3,
                backazimuth_defining=i == 0,
                slowness_defining=i == 0,
                weight=0.9 if i != 3 else 0.0,
            )
        )
        stamags.append(
            StationMagnitude(
                magnitude_type="mb",
                value=4.4 + 0.1 * i,
                network=net,
                station=sta,
                amplitude=det.amplitude,
                amplitude_unit="nm",
                period=0.85,
                distance=dist,
                detection_id=det.id,
                used=i != 2,
            )
        )
    mb = NetworkMagnitude(
        magnitude_type="mb",
        value=4.52,
        uncertainty=0.12,
        n_stations=3,
        method="median",
        station_magnitudes=tuple(stamags),
        provenance=prov,
    )
    ml = NetworkMagnitude(
        magnitude_type="ML", value=4.1, uncertainty=math.nan, n_stations=None if k == 1 else 1
    )
    origin = Origin(
        time=t,
        latitude=41.2897 + 0.01 * k,
        longitude=129.0786 - 0.02 * k,
        depth_km=0.0 if k % 2 == 0 else 10.5,
        time_uncertainty=0.75,
        depth_uncertainty_km=math.nan if k % 2 == 0 else 4.25,
        depth_fixed=k % 2 == 0,
        ellipse=ErrorEllipse(semi_major_km=12.34, semi_minor_km=7.5, azimuth=123.0),
        rms=0.42,
        n_defining=None if k == 2 else 3,  # k == 2: a bulletin that leaves Ndef blank
        n_stations=4,
        gap=101.0,
        min_distance=4.71,
        max_distance=17.01,
        method="lsq",
        model="ak135",
        id=f"or{k}",
        provenance=prov,
    )
    return Event(
        id=f"{20160106 + k}",
        origin=origin,
        arrivals=tuple(arrivals),
        magnitudes=(mb, ml),
        event_type="nuclear explosion" if k == 0 else "earthquake",
        review_status=review_status,  # type: ignore[arg-type]
        comment="DPRK test" if k == 0 else "",
        provenance=prov,
    )


def make_bulletin(n: int = 3) -> Bulletin:
    return Bulletin(
        events=tuple(make_event(k) for k in range(n)),
        provenance=Provenance(
            method="openndc process",
            software_version="0.1.0",
            parameters={"window": ["2016-01-06", "2016-01-07"]},
            created=UTCDateTime("2016-01-07T00:00:00Z"),
        ),
        name="test bulletin",
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bulletin.db'}"
    return str(request.getfixturevalue("postgres_url"))
