"""A bounded fuzz campaign over every reader of outside input (thousands of cases per reader:
``benchmarks/fuzz_readers.py``; counts in docs/reliability.md). No case may crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.targets import (
    CLI_WORDS,
    TARGETS,
    mutate,
    mutate_tokens,
    run_argv,
    run_case,
    seed,
    template_argv,
)

CASES = 20  # per reader here; keeps the module well under 30 s on two cores

edits = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 2**20), st.integers(0, 2**16)), max_size=12
)
cuts = st.none() | st.floats(0.0, 1.0)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_reader_never_crashes(name: str, tmp_path: Path) -> None:
    data = seed(name)
    assert run_case(name, data, tmp_path)[0] == "accepted"  # the seed itself is valid

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(edits=edits, cut=cuts, tokens=st.booleans())
    def case(edits: list[tuple[int, int, int]], cut: float | None, tokens: bool) -> None:
        mutated = mutate_tokens(data, edits) if tokens else mutate(data, edits, cut)
        outcome, what = run_case(name, mutated, tmp_path)
        assert outcome != "crash", what

    case()


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(
    st.integers(0, 100),
    st.lists(st.tuples(st.integers(0, 99), st.integers(0, 999)), max_size=3),
    st.lists(st.sampled_from(CLI_WORDS) | st.text(max_size=8), max_size=3),
)
def test_argument_parsing_never_crashes(
    k: int, edits: list[tuple[int, int]], extra: list[str]
) -> None:
    outcome, what = run_argv(template_argv(k, edits, extra))
    assert outcome != "crash", what
