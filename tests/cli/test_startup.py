"""Start-up of the ``openndc`` command: building the parser imports no heavy package.

``openndc --help`` and argument errors must come in well under half a second, so building
the parser (which imports every subcommand module) must not import the stages, the database
layer or the scientific stack. Measured in ``benchmarks/bench_cli_startup.py``; here only
what is imported is checked (no timing), in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from openndc.cli.main import HEAVY_MODULES, LazyChoices, build_parser

# Imports each subcommand module in turn, blaming each heavy package on the first module whose
# import brought it in, then builds the parser.
_PROBE = """
import importlib, json, sys
from openndc.cli.main import HEAVY_MODULES, SUBCOMMANDS, build_parser

def heavy():
    return {m.split(".")[0] for m in sys.modules} & set(HEAVY_MODULES)

blame = {}
seen = heavy()
for name in SUBCOMMANDS:
    importlib.import_module(f"openndc.cli.{name}")
    new = heavy() - seen
    if new:
        blame[name] = sorted(new)
        seen |= new
build_parser()
print(json.dumps({"blame": blame, "heavy": sorted(heavy())}))
"""


def test_building_the_parser_imports_no_heavy_package() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [], (
        "building the openndc parser imported "
        f"{result['heavy']}; first imported by the CLI modules {result['blame']} "
        "(move those imports into run())"
    )


def test_lazy_choices_import_on_first_use_only() -> None:
    choices = LazyChoices("openndc.model.event", "EVENT_COLUMNS")
    assert choices._values is None  # nothing read at construction
    from openndc.model.event import EVENT_COLUMNS

    assert list(choices) == list(EVENT_COLUMNS)
    assert EVENT_COLUMNS[0] in choices and "no such column" not in choices
    assert len(choices) == len(EVENT_COLUMNS)


def test_lazy_choices_still_check_and_list_the_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["bulletin", "export", "--db", "x.db", "--format", "nope", "--out", "o"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'nope'" in err and "'quakeml'" in err
    args = parser.parse_args(
        ["bulletin", "export", "--db", "x.db", "--format", "quakeml", "--out", "o"]
    )
    assert args.format == "quakeml"
    assert set(HEAVY_MODULES) >= {"scipy", "pandas", "numba"}
