"""``openndc osi``: on-site-inspection aftershock monitoring.

One module of this package per sub-command (``plan``, ``templates``, ``detect``,
``bulletin``, ...), each exposing ``register(subparsers)`` like the top-level commands; they
are discovered here, so adding one needs no edit of this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil

__all__ = ["register"]


def _modules() -> tuple[str, ...]:
    names = (m.name for m in pkgutil.iter_modules(__path__))
    return tuple(sorted(n for n in names if not n.startswith("_")))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "osi",
        help="on-site inspection: network planning, template matching, the daily bulletin",
        description="On-site-inspection aftershock monitoring with a temporary network: plan "
        "the layout, build templates from located events, scan continuous data by template "
        "matching, and make the inspection's daily bulletin.",
    )
    osi = p.add_subparsers(dest="osi_command", metavar="OSI_COMMAND", parser_class=type(p))
    osi.required = True
    for name in _modules():
        importlib.import_module(f"{__name__}.{name}").register(osi)
