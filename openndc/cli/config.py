"""``openndc config template``: print the commented configuration template."""

from __future__ import annotations

import argparse

from openndc.detection.config import DetectionConfig
from openndc.model.config import template


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="print the commented TOML configuration template")
    p.add_argument("what", choices=["template"], help="what to print")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("# OpenNDC configuration (TOML). Units in brackets.\n[detection]")
    print(template(DetectionConfig, "detection"))
    return 0
