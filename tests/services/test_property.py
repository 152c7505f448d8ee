"""Property test: no query, however malformed, makes the services fail with a 5xx.

Hypothesis draws parameter names (real ones, their aliases, unknown ones, odd case) and
values (valid times, numbers, codes, and arbitrary text) and sends them through the real
application in-process; every answer must be 200, 204 or an FDSN error document with a
4xx status. Bounded: a fixed number of examples per service, no deadline.
"""

from __future__ import annotations

import string

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openndc.services.params import (
    DATASELECT_PARAMS,
    EVENT_PARAMS,
    STATION_PARAMS,
    FDSNRequestError,
    Param,
    parse_bulk,
    parse_query,
)

SERVICES = {"station": STATION_PARAMS, "dataselect": DATASELECT_PARAMS, "event": EVENT_PARAMS}

_times = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2016-01-06", "2016-01-06T01:00:00", "2016-01-06T01:30:00.5Z", "2016-02-30"]),
)
_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**20), 10**20).map(str),
)
_codes = st.text(alphabet=string.ascii_uppercase + string.digits + "*?,-", max_size=8)
_junk = st.text(max_size=30)


def _value(p: Param) -> st.SearchStrategy[str]:
    typed: dict[str, st.SearchStrategy[str]] = {
        "time": _times,
        "float": _numbers,
        "int": _numbers,
        "bool": st.sampled_from(["true", "false", "TRUE", "0", "maybe"]),
        "code": _codes,
        "choice": st.sampled_from([*p.choices, "xyz"]),
        "str": st.text(max_size=20),
    }
    return st.one_of(typed[p.type], _junk)


def _items(params: tuple[Param, ...]) -> st.SearchStrategy[list[tuple[str, str]]]:
    names = [n for p in params for n in (p.name, *p.aliases)]
    by_name = {n: p for p in params for n in (p.name, *p.aliases)}
    known = st.sampled_from(names).flatmap(
        lambda n: st.tuples(st.sampled_from([n, n.upper()]), _value(by_name[n]))
    )
    unknown = st.tuples(st.text(string.ascii_lowercase, min_size=1, max_size=10), _junk)
    return st.lists(st.one_of(known, known, known, unknown), max_size=6)


@pytest.fixture(scope="module")
def http(fdsn_app: object) -> TestClient:
    return TestClient(fdsn_app)  # type: ignore[arg-type]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_5xx_over_http(http: TestClient, service: str) -> None:
    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(items=_items(SERVICES[service]))
    def check(items: list[tuple[str, str]]) -> None:
        r = http.get(f"/fdsnws/{service}/1/query", params=items)
        assert r.status_code in (200, 204) or 400 <= r.status_code < 500, r.text
        if r.status_code >= 400:
            assert r.text.startswith(f"Error {r.status_code}: ")

    check()


@settings(max_examples=200, deadline=None, database=None)
@given(service=st.sampled_from(sorted(SERVICES)), data=st.data())
def test_parser_raises_only_request_errors(service: str, data: st.DataObject) -> None:
    items = data.draw(_items(SERVICES[service]))
    try:
        q = parse_query(SERVICES[service], items, service)
    except FDSNRequestError as exc:
        assert exc.status == 400 and exc.message
        return
    for p in SERVICES[service]:
        assert p.name in q


@settings(max_examples=200, deadline=None, database=None)
@given(body=st.text(max_size=300))
def test_bulk_parser_raises_only_request_errors(body: str) -> None:
    try:
        parse_bulk(DATASELECT_PARAMS, body, "dataselect", max_lines=10)
    except FDSNRequestError as exc:
        assert exc.status in (400, 413)


_line = st.tuples(_codes, _codes, _codes, _codes, _times, _times).map(" ".join)
_setting = st.sampled_from([p.name for p in DATASELECT_PARAMS + STATION_PARAMS]).flatmap(
    lambda n: st.tuples(st.just(n), _junk).map("=".join)
)


@pytest.mark.parametrize("service", ["station", "dataselect"])
def test_no_5xx_over_http_post(http: TestClient, service: str) -> None:
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(lines=st.lists(st.one_of(_setting, _line, _junk), max_size=5))
    def check(lines: list[str]) -> None:
        r = http.post(f"/fdsnws/{service}/1/query", content="\n".join(lines))
        assert r.status_code in (200, 204) or 400 <= r.status_code < 500, r.text
        if r.status_code >= 400:
            assert r.text.startswith(f"Error {r.status_code}: ")

    check()
