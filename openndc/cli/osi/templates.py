"""``openndc osi templates``: templates from located events with picks.

Contract (other tools rely on it)::

    openndc osi templates --catalog QUAKEML --archive DIR --inventory FILE --out DIR

For each event of the catalogue with an origin and P/S picks, the waveforms around the
picks are read from the archive (SDS folder or CSS3.0 wfdisc), band-passed, resampled and
cut (:func:`openndc.osi.templates.build_templates`); each template is written to ``--out``
as ``NAME.ms`` (miniSEED), ``NAME.xml`` (QuakeML) and ``NAME.json`` (parameters).
``--config`` takes a TOML file whose ``[templates]`` table sets
:class:`~openndc.osi.config.TemplateConfig` (and ``[match]`` the matching, for
``openndc osi detect``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any, TypeVar

from openndc.cli._args import check_archive, check_out_dir
from openndc.model.errors import ConfigError

__all__ = ["load_section", "register", "run"]

log = logging.getLogger(__name__)
C = TypeVar("C")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "templates",
        help="build templates from located events with picks",
        description="Cut template waveforms around the P (vertical) and S (horizontal) picks of "
        "located events, band-passed and resampled, and write them as miniSEED + QuakeML + "
        "JSON per template.",
    )
    p.add_argument("--catalog", required=True, help="QuakeML file of events with picks")
    p.add_argument("--archive", required=True, help="SDS folder or CSS3.0 .wfdisc file")
    p.add_argument("--inventory", required=True, help="StationXML, CSS3.0 .site, or 'kz'")
    p.add_argument("--out", required=True, help="folder the templates are written to")
    p.add_argument("--config", help="TOML file with a [templates] table (TemplateConfig)")
    p.set_defaults(func=run)


def load_section(path: str | None, section: str, cls: type[C]) -> C:
    """``cls`` from the ``[section]`` table of the TOML file ``path`` (defaults without one)."""
    import tomllib

    from openndc.model.config import from_mapping

    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"--config {p} does not exist: give a TOML file")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8")).get(section, {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"--config {p}: cannot read it as TOML ({exc})") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"--config {p}: [{section}] must be a table")
    return from_mapping(cls, data, f"{path or 'defaults'} [{section}]")


def run(args: argparse.Namespace) -> int:
    from obspy import read_events

    from openndc.inventory import read_inventory
    from openndc.osi.config import TemplateConfig
    from openndc.osi.templates import build_templates, write_templates
    from openndc.pipeline.sources import open_source

    config = load_section(args.config, "templates", TemplateConfig)
    catalog = Path(args.catalog)
    if not catalog.is_file():
        raise ConfigError(f"--catalog {catalog} does not exist: give a QuakeML file")
    check_archive(args.archive)
    check_out_dir(args.out)
    network = read_inventory(args.inventory)
    try:
        events = read_events(str(catalog))
    except Exception as exc:  # ObsPy raises TypeError/ValueError/lxml errors on bad files
        raise ConfigError(f"--catalog {catalog} cannot be read as QuakeML ({exc})") from exc
    templates, problems = build_templates(events, open_source(args.archive), network, config)
    for prob in problems:
        log.info("%s", prob)
    if not templates:
        raise ConfigError(
            f"no template could be made from the {len(events)} events of {catalog} "
            f"({len(problems)} problems; -v lists them): check that the events have P/S picks "
            "on stations of the inventory with data in the archive"
        )
    paths = write_templates(templates, args.out)
    n_ch = sum(len(t.info.channels) for t in templates)
    print(
        f"{len(templates)} templates ({n_ch} channel windows) from {len(events)} events "
        f"written to {args.out} ({len(paths)} files); {len(problems)} data problems"
    )
    return 0
