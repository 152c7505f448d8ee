"""Exercise packages: synthesized data for the trainees, the truth sealed for the instructor.

:func:`make_exercise` runs the scenario synthesizer (:func:`openndc.scenario.make_scenario`)
and splits its output::

    DIR/sds/            SDS miniSEED archive            (trainees)
    DIR/inventory.xml   StationXML                      (trainees)
    DIR/exercise.json   network, time window, format    (trainees; no seed, no truth)
    DIR/truth.sealed    everything else, sealed         (opened with the passphrase)

The sealed file (:mod:`openndc.training.seal`) holds the synthesizer's truth files
(``truth.xml``, ``truth.csv``, ``truth_arrivals.csv``, and any other file it wrote beside the
data) plus ``manifest.json``: the scenario parameters *including the seed* (anyone with the
seed can regenerate the truth with the open-source synthesizer, so the seed is part of the
secret) and the SHA-256 of every data file handed to trainees.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from obspy import UTCDateTime

from openndc import __version__
from openndc.model.errors import ScenarioError
from openndc.model.inventory import MonitoringNetwork
from openndc.training.events import ScoredEvent, read_scored_events
from openndc.training.seal import is_sealed, new_passphrase, open_sealed, seal_files

if TYPE_CHECKING:
    from openndc.scenario import ScenarioEvent

__all__ = [
    "PASSPHRASE_ENV",
    "SEALED_NAME",
    "TRAINEE_FILES",
    "Exercise",
    "make_exercise",
    "read_truth",
]

log = logging.getLogger(__name__)

#: Environment variable read when no passphrase is given (keeps it off the command line).
PASSPHRASE_ENV = "OPENNDC_EXERCISE_PASSPHRASE"
#: File name of the sealed truth inside an exercise folder.
SEALED_NAME = "truth.sealed"
#: What the synthesizer writes that trainees get; everything else is sealed.
TRAINEE_FILES = ("sds", "inventory.xml")
#: Truth files tried, in order, when scoring against a sealed truth.
_TRUTH_EVENTS = ("truth.xml", "truth.csv")


@dataclass(frozen=True, slots=True)
class Exercise:
    """What :func:`make_exercise` made: the folder, the sealed truth and its passphrase."""

    directory: Path
    sealed: Path
    passphrase: str
    passphrase_generated: bool
    n_events: int
    sealed_files: tuple[str, ...]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()):
        raise ScenarioError(f"{out}: folder is not empty; choose a new --out for the exercise")


def make_exercise(
    network: str | Path | MonitoringNetwork,
    start: UTCDateTime,
    duration_s: float,
    out_dir: str | Path,
    *,
    seed: int | None = None,
    events_csv: str | Path | None = None,
    passphrase: str | None = None,
    sampling_rate: float = 40.0,
    progress: Callable[[int, int, str], None] | None = None,
    dprk_explosion: bool = False,
    events: Sequence[ScenarioEvent] | None = None,
    public_extra: Mapping[str, Any] | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
) -> Exercise:
    """Synthesize an exercise into ``out_dir`` and seal its truth.

    ``network``: ``kz``, a StationXML or a CSS3.0 ``.site`` file (as ``openndc scenario
    make``) or a network already read; ``start`` [UTC]; ``duration_s`` [s]; ``seed``: drawn
    at random when None (it is stored only inside the sealed file); ``events_csv``: a
    prescribed event list instead of drawing one (without it, as ``openndc scenario make``:
    the built-in Kazakh day for ``kz`` and 24 h, else events drawn from the seed);
    ``passphrase``: a random one (:func:`new_passphrase`) when None, returned in
    :attr:`Exercise.passphrase`; ``progress(done, total, site)`` is called as sites finish;
    ``dprk_explosion`` adds an explosion at the DPRK test site to drawn events
    (:class:`openndc.scenario.ScenarioConfig`); ``events``: a prescribed event list given
    in memory (e.g. an aftershock sequence, :mod:`openndc.training.osi`), instead of
    ``events_csv``; ``public_extra`` / ``manifest_extra``: keys added to (or replacing keys
    of) ``exercise.json`` and the sealed ``manifest.json``.
    """
    # Tools imported on use: scoring never loads the synthesizer or the inventory readers.
    from openndc.inventory import read_inventory
    from openndc.scenario import (
        ScenarioConfig,
        kazakh_day_events,
        make_scenario,
        read_events_csv,
    )

    out = Path(out_dir)
    _check_out_dir(out)
    generated = passphrase is None
    key = passphrase if passphrase is not None else new_passphrase()
    if not key:
        raise ScenarioError("empty passphrase; give one or leave it out to get a random one")
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    net = network if isinstance(network, MonitoringNetwork) else read_inventory(network)
    if events is not None:
        if events_csv is not None:
            raise ScenarioError("give the exercise's events as a list or as a CSV, not both")
        events = list(events)
    elif events_csv is not None:
        events = read_events_csv(events_csv)
    elif str(network).lower() == "kz" and duration_s == 86400.0:
        events = kazakh_day_events(UTCDateTime(start), seed)
    else:
        events = None  # drawn by the synthesizer from the seed
    label = network.name if isinstance(network, MonitoringNetwork) else str(network)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".exercise-", dir=out.parent))
    try:
        make_scenario(
            net,
            start,
            duration_s,
            seed,
            staging,
            events=events,
            sampling_rate=sampling_rate,
            progress=progress,
            config=ScenarioConfig(dprk_explosion=dprk_explosion),
        )
        out.mkdir(parents=True, exist_ok=True)
        for name in TRAINEE_FILES:
            if (staging / name).exists():
                os.replace(staging / name, out / name)
            else:
                log.warning("synthesizer wrote no %s for the exercise", name)
        hashes = {
            str(p.relative_to(out)): _sha256(p) for p in sorted(out.rglob("*")) if p.is_file()
        }
        secret: dict[str, bytes] = {}
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                secret[str(path.relative_to(staging))] = path.read_bytes()
        n_events = _count_events(secret)
        end = UTCDateTime(start) + duration_s
        manifest = {
            "format": "openndc exercise truth",
            "version": 1,
            "network": label,
            "start": str(UTCDateTime(start)),
            "end": str(end),
            "duration_s": float(duration_s),
            "seed": seed,
            "sampling_rate_hz": sampling_rate,
            "events_csv": str(events_csv) if events_csv is not None else None,
            "n_events": n_events,
            "openndc_version": __version__,
            "created": str(UTCDateTime()),
            "data_sha256": hashes,
            **dict(manifest_extra or {}),
        }
        secret["manifest.json"] = json.dumps(manifest, indent=2).encode("utf-8")
        sealed = seal_files(secret, out / SEALED_NAME, key)
        public = {
            "exercise": "OpenNDC training exercise",
            "network": label,
            "start": str(UTCDateTime(start)),
            "end": str(end),
            "duration_s": float(duration_s),
            "sampling_rate_hz": sampling_rate,
            "archive": "sds",
            "inventory": "inventory.xml",
            "truth": SEALED_NAME,
            "openndc_version": __version__,
            "instructions": "Process the archive, write your bulletin (QuakeML, IMS1.0 or the "
            "bulletin CSV) and score it with: openndc exercise score BULLETIN --truth "
            f"{SEALED_NAME} --passphrase <the instructor's passphrase>",
            **dict(public_extra or {}),
        }
        (out / "exercise.json").write_text(json.dumps(public, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("exercise %s: %d events sealed in %s", out, n_events, sealed)
    return Exercise(
        directory=out,
        sealed=sealed,
        passphrase=key,
        passphrase_generated=generated,
        n_events=n_events,
        sealed_files=tuple(sorted(secret)),
    )


def _count_events(files: Mapping[str, bytes]) -> int:
    for name in _TRUTH_EVENTS:
        if name in files:
            try:
                return len(read_scored_events(files[name], name))
            except ScenarioError as exc:
                log.warning("cannot count events in %s: %s", name, exc)
    return 0


def read_truth(path: str | Path, passphrase: str | None = None) -> list[ScoredEvent]:
    """The truth events of a sealed truth file or of a plain truth/bulletin file.

    A sealed file needs ``passphrase`` (or the environment variable :data:`PASSPHRASE_ENV`);
    the events are read from its ``truth.xml`` (QuakeML), else ``truth.csv``.
    """
    path = Path(path)
    if not is_sealed(path):
        return read_scored_events(path)
    key = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    if not key:
        raise ScenarioError(
            f"{path}: the truth is sealed; give the instructor's passphrase with --passphrase "
            f"or the environment variable {PASSPHRASE_ENV}"
        )
    files = open_sealed(path, key)
    for name in _TRUTH_EVENTS:
        if name in files:
            return read_scored_events(files[name], f"{path}:{name}")
    raise ScenarioError(
        f"{path}: sealed file holds no truth events ({', '.join(_TRUTH_EVENTS)}); "
        f"it has {sorted(files)}"
    )
