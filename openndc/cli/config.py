"""``openndc config template``: print the commented configuration template."""

from __future__ import annotations

import argparse
import dataclasses

from openndc.model.config import template


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="print the commented TOML configuration template")
    p.add_argument("what", choices=["template"], help="what to print")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openndc.pipeline.process import ProcessConfig

    print("# OpenNDC configuration (TOML). Units in brackets. Every table is optional.")
    for f in dataclasses.fields(ProcessConfig):
        default = getattr(ProcessConfig(), f.name)
        print(f"\n[{f.name}]")
        print(template(type(default), f.name))
    return 0
