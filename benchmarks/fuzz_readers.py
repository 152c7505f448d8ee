"""Fuzz campaign: thousands of hypothesis-generated bad inputs per reader; counts of outcomes.

Usage::

    python benchmarks/fuzz_readers.py [--cases 2000] [--argv 5000] [--only NAME ...]

For every reader of outside input (miniSEED and SAC import, StationXML, CSS3.0 site and
sitechan, IMS1.0, QuakeML, bulletin CSV, detections table, the TOML configuration; targets in
``tests/fuzz/targets.py``) hypothesis draws ``--cases`` mutations of a valid seed file (half
byte-level: flips, overwrites, inserts, deletions, copies, truncation; half token-level:
numbers replaced by impossible values such as latitude 999, NaN, 1e308, text). Then
``--argv`` random command lines go through the CLI's argument parser. Each case is
``accepted`` (read, bad parts skipped and reported), ``rejected`` (one OpenNDCError naming
the file, or argparse's usage error) or a ``crash`` (any other exception, an unnamed
rejection, or a traceback printed by a library callback). Prints one line per reader, the
first crashes in full, and exits 1 if any crashed.
Numbers: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fuzz.targets
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

EDITS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 2**20), st.integers(0, 2**16)), max_size=16
)


def _settings(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # outcomes are counted, nothing to shrink
        suppress_health_check=list(HealthCheck),
    )


def fuzz_reader(name: str, n: int, workdir: Path) -> tuple[Counter[str], list[str], float]:
    data = seed(name)
    counts: Counter[str] = Counter()
    crashes: list[str] = []

    @_settings(n)
    @given(edits=EDITS, cut=st.none() | st.floats(0.0, 1.0), tokens=st.booleans())
    def case(edits: list[tuple[int, int, int]], cut: float | None, tokens: bool) -> None:
        mutated = mutate_tokens(data, edits) if tokens else mutate(data, edits, cut)
        outcome, what = run_case(name, mutated, workdir)
        counts[outcome] += 1
        if outcome == "crash":
            crashes.append(what)

    t0 = time.perf_counter()
    case()
    return counts, crashes, time.perf_counter() - t0


def fuzz_argv(n: int) -> tuple[Counter[str], list[str], float]:
    counts: Counter[str] = Counter()
    crashes: list[str] = []

    @_settings(n)
    @given(
        st.integers(0, 100),
        st.lists(st.tuples(st.integers(0, 99), st.integers(0, 999)), max_size=3),
        st.lists(st.sampled_from(CLI_WORDS) | st.text(max_size=8), max_size=3),
    )
    def case(k: int, edits: list[tuple[int, int]], extra: list[str]) -> None:
        argv = template_argv(k, edits, extra)
        outcome, what = run_argv(argv)
        counts[outcome] += 1
        if outcome == "crash":
            crashes.append(f"{argv!r}: {what}")

    t0 = time.perf_counter()
    case()
    return counts, crashes, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=2000, help="cases per reader")
    ap.add_argument("--argv", type=int, default=5000, help="command lines")
    ap.add_argument("--only", nargs="*", choices=sorted(TARGETS), help="readers to fuzz")
    args = ap.parse_args()
    total_crashes = 0
    print(
        f"{'reader':<16} {'cases':>6} {'accepted':>9} {'rejected':>9} {'crash':>6} {'ms/case':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or sorted(TARGETS):
            counts, crashes, dt = fuzz_reader(name, args.cases, Path(tmp))
            n = sum(counts.values())
            print(
                f"{name:<16} {n:>6} {counts['accepted']:>9} {counts['rejected']:>9} "
                f"{counts['crash']:>6} {1000 * dt / max(n, 1):>8.1f}",
                flush=True,
            )
            for what in crashes[:3]:
                print(f"    crash: {what}")
            total_crashes += len(crashes)
    if args.argv:
        counts, crashes, dt = fuzz_argv(args.argv)
        n = sum(counts.values())
        print(
            f"{'cli argv':<16} {n:>6} {counts['accepted']:>9} {counts['rejected']:>9} "
            f"{counts['crash']:>6} {1000 * dt / max(n, 1):>8.1f}"
        )
        for what in crashes[:3]:
            print(f"    crash: {what}")
        total_crashes += len(crashes)
    print(f"crashes: {total_crashes}")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
