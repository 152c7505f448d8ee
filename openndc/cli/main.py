"""Entry point of the ``openndc`` command.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds a
parser whose ``func`` default runs the command and returns an exit code. Only this module
configures logging; domain errors (:class:`OpenNDCError`) print one line and exit 1.

Start-up stays light (the goal: ``openndc --help`` under half a second): building the parser
imports every subcommand module, so those import the stages, the database layer, numba,
scipy, pandas and the like inside ``run()`` (or a helper it calls), never at module top;
``tests/cli/test_startup.py`` checks it and ``benchmarks/bench_cli_startup.py`` measures it.
An option whose choices live in a heavy module takes :func:`lazy_choices`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from openndc import __version__
from openndc.model.errors import DataQualityWarning, OpenNDCError

__all__ = ["HEAVY_MODULES", "LazyChoices", "build_parser", "lazy_choices", "main"]

#: Packages a parser build (``openndc --help``) must not import: each costs 0.1-1 s.
HEAVY_MODULES = (
    "scipy",
    "sqlalchemy",
    "matplotlib",
    "numba",
    "dask",
    "fastapi",
    "pandas",
    "pyarrow",
)


def _subcommands() -> tuple[str, ...]:
    """Every module of ``openndc.cli`` except this one and private ``_`` modules."""
    import openndc.cli as package

    names = (m.name for m in pkgutil.iter_modules(package.__path__))
    return tuple(sorted(n for n in names if n != "main" and not n.startswith("_")))


SUBCOMMANDS = _subcommands()

log = logging.getLogger("openndc")


class LazyChoices:
    """The ``choices`` of an option, read from ``module.name`` when first needed.

    argparse only iterates ``choices`` to check a value or to format help, so a heavy module
    is imported when the option is used, not when the parser is built. Give the option a
    ``metavar`` (argparse formats the choices into the metavar at build time otherwise) and
    write ``%(choices)s`` in its help to list them.
    """

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._values: tuple[Any, ...] | None = None

    def _load(self) -> tuple[Any, ...]:
        if self._values is None:
            self._values = tuple(getattr(importlib.import_module(self._module), self._name))
        return self._values

    def __contains__(self, value: object) -> bool:
        return value in self._load()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __repr__(self) -> str:
        return f"LazyChoices({self._module}.{self._name})"


def lazy_choices(module: str, name: str) -> LazyChoices:
    """``choices=`` for argparse from ``module.name``, imported on first use (see
    :class:`LazyChoices`)."""
    return LazyChoices(module, name)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, unless it is None/False or the help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose help shows the defaults (every subcommand uses it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="openndc",
        description="OpenNDC: National Data Center processing for CTBT verification monitoring.",
    )
    parser.add_argument("--version", action="version", version=f"openndc {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"openndc.cli.{name}")
        module.register(sub)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose > 0 else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        # Alembic's INFO lines (its plugins, each migration step) are its own bookkeeping:
        # shown with -v, not in front of a command's output or its one error line
        logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    logging.captureWarnings(True)
    # Data-quality warnings are reported once per distinct message, through logging.
    warnings.simplefilter("default", DataQualityWarning)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except OpenNDCError as exc:  # a type= function raised a domain error: a usage error
        parser.error(str(exc))
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args) or 0)
    except OpenNDCError as exc:
        print(f"openndc {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
