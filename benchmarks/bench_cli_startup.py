"""Fixed cost of the ``openndc`` command beside ``python -c "import obspy"``, as ratios.

Usage::

    python benchmarks/bench_cli_startup.py [--repeat 7]

Each command runs ``--repeat`` times in a fresh interpreter (the same Python as this
script), interleaved so that machine load hits all alike; the median wall time of each is
printed with its ratio to the peer, ``python -c "import obspy"`` (what any ObsPy-based
command pays before it does anything):

* ``openndc --help``: builds the whole parser (every subcommand module is imported);
* ``openndc stations --inventory kz``: a small command that does real work (the built-in
  Kazakh inventory, printed);
* ``openndc config template``: prints the configuration template of every stage (it imports
  every stage's configuration schema, hence today the pipeline package);
* ``python -c "import openndc.pipeline"``: what a command pays that runs the pipeline;
* while some subcommand modules still import heavy packages at their top, the parser built
  without them (:func:`offenders` names them), i.e. what ``--help`` costs once they import
  lazily too.

Also printed: the heavy packages (:data:`openndc.cli.main.HEAVY_MODULES`) each command
imported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

__all__ = ["COMMANDS", "main", "measure", "offenders"]

_RUN_CLI = "import sys; from openndc.cli.main import main; sys.exit(main(sys.argv[1:]))"
_REPORT = (
    "import atexit, json, sys\n"
    "from openndc.cli.main import HEAVY_MODULES\n"
    "def _report():\n"
    "    h = sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY_MODULES))\n"
    "    sys.stderr.write('HEAVY ' + json.dumps(h) + '\\n')\n"
    "atexit.register(_report)\n"
)

#: label -> python ``-c`` code and arguments
COMMANDS: dict[str, list[str]] = {
    'python -c "import obspy" (peer)': ["-c", "import obspy"],
    "openndc --help": ["-c", _RUN_CLI, "--help"],
    "openndc stations --inventory kz": ["-c", _RUN_CLI, "stations", "--inventory", "kz"],
    "openndc config template": ["-c", _RUN_CLI, "config", "template"],
    'python -c "import openndc.pipeline"': ["-c", "import openndc.pipeline"],
}


_OFFENDERS = """
import importlib, json, sys
from openndc.cli.main import HEAVY_MODULES, SUBCOMMANDS
def heavy():
    return {m.split(".")[0] for m in sys.modules} & set(HEAVY_MODULES)
bad = []
for name in SUBCOMMANDS:
    if name in sys.argv[1:]:
        continue
    before = heavy()
    importlib.import_module(f"openndc.cli.{name}")
    if heavy() - before:
        bad.append(name)
print(json.dumps(bad))
"""

_PARSER_WITHOUT = (
    "import importlib, sys\n"
    "from openndc.cli import main as m\n"
    "p = m.Parser(prog='openndc')\n"
    "sub = p.add_subparsers(parser_class=m.Parser)\n"
    "for n in m.SUBCOMMANDS:\n"
    "    if n not in sys.argv[1:]:\n"
    "        importlib.import_module('openndc.cli.' + n).register(sub)\n"
    "p.format_help()\n"
)


def offenders() -> list[str]:
    """Subcommand modules that import a heavy package (probed in order in one interpreter,
    again without the ones found, until none is left)."""
    bad: list[str] = []
    while True:
        out = subprocess.run(
            [sys.executable, "-c", _OFFENDERS, *bad],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        new = list(json.loads(out.stdout.strip().splitlines()[-1]))
        if not new:
            return bad
        bad += new


def measure(repeat: int, commands: dict[str, list[str]]) -> dict[str, list[float]]:
    """Wall times [s] of every command, ``repeat`` rounds, interleaved."""
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(repeat):
        for label, argv in commands.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, *argv], capture_output=True, check=False, timeout=120)
            times[label].append(time.perf_counter() - t0)
    return times


def _heavy(argv: list[str]) -> list[str]:
    code = _REPORT + argv[1] if argv[0] == "-c" else argv[1]
    out = subprocess.run(
        [sys.executable, "-c", code, *argv[2:]],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    for line in out.stderr.splitlines():
        if line.startswith("HEAVY "):
            return list(json.loads(line[6:]))
    return ["?"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7, help="rounds (median reported)")
    args = ap.parse_args(argv)
    commands = dict(COMMANDS)
    bad = offenders()
    if bad:
        label = f"parser without {', '.join(bad)} (heavy at import)"
        commands[label] = ["-c", _PARSER_WITHOUT, *bad]
    times = measure(args.repeat, commands)
    peer_label = next(iter(commands))
    peer = statistics.median(times[peer_label])
    print(f"median of {args.repeat} runs each, interleaved; peer: {peer_label}")
    if bad:
        print(f"subcommand modules importing heavy packages at their top: {', '.join(bad)}")
    print("| command | median [s] | ratio to peer | heavy packages imported |")
    print("|---|---|---|---|")
    for label, argv_ in commands.items():
        med = statistics.median(times[label])
        heavy = ", ".join(_heavy(argv_)) or "none"
        print(f"| {label} | {med:.3f} | {med / peer:.2f} | {heavy} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
