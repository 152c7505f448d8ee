"""IMS2.0 radionuclide pulse-height-data messages (SAMPLEPHD, BLANKPHD, DETBKPHD, ...).

Read and written after the IDC's "Formats and Protocols for Messages" (IDC 3.4.1 Rev. 6,
IMS2.0 ``DATA_TYPE *PHD``): the message opens with ``BEGIN IMS2.0``, ``MSG_TYPE DATA``,
``MSG_ID``, ``DATA_TYPE``; data blocks start with a line ``#Name`` and appear in this order::

    #Header #Comment #Collection #Processing #Sample #Acquisition #Calibration
    #g_Energy #b_Energy #g_Resolution #b_Resolution #g_Efficiency #ROI_Limits
    #b-gEfficiency #Ratios #g_Spectrum #b_Spectrum #Histogram #Certificate

and the message ends with ``STOP``. Block contents (one record per line, blank separated):

============== ===================================================================
#Header        station, detector, system type (P/G/B), geometry, qualifier (PREL/FULL);
               sample reference id; measurement id, detector-bk id, gas-bk id; transmit time
#Collection    collection start, stop (``yyyy/mm/dd hh:mm:ss.s``), air volume [m3]
#Processing    Xe volume [cm3] + unc.; Xe yield + unc.; archive bottle id
#Sample        dimension 1, dimension 2 [mm]
#Acquisition   acquisition start, real time [s], live time [s]
#Calibration   time of the last calibration
#g_Energy      energy [keV], centroid [channel], uncertainty [channel]
#b_Energy      electron energy [keV], decay mode (B/C), channel, uncertainty
#g_Resolution  energy [keV], FWHM [keV], uncertainty;  #b_Resolution likewise
#g_Efficiency  energy [keV], efficiency, uncertainty
#ROI_Limits    ROI, beta low, beta high, gamma low, gamma high [keV]
#b-gEfficiency nuclide, ROI, efficiency, uncertainty
#Ratios        ratio id, upper ROI, lower ROI, count ratio, uncertainty
#g_Spectrum    channels, energy span [keV]; rows ``first-channel c c c c c`` (from 1)
#b_Spectrum    likewise for the beta spectrum
#Histogram     gamma channels G, beta channels B, gamma span, beta span [keV];
               G rows of B counts (row: gamma channel, column: beta channel)
#Certificate   kept line by line (QC source certificate)
============== ===================================================================

Reading is strict: a truncated message, a block out of order, a missing calibration or
a short spectrum raise :class:`~openndc.radionuclide.errors.PHDFormatError` naming the
file and block. Writing produces text that reads back to an equal :class:`PHDMessage`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from obspy import UTCDateTime

from openndc.model.radionuclide import GammaSpectrum, SampleTimes
from openndc.radionuclide.errors import PHDFormatError, RadionuclideError

__all__ = [
    "BLOCK_ORDER",
    "DATA_TYPES",
    "PHDHeader",
    "PHDMessage",
    "energy_polynomial",
    "from_spectrum",
    "read_phd",
    "read_phd_text",
    "to_spectrum",
    "write_phd",
    "write_phd_text",
]

DATA_TYPES = ("SAMPLEPHD", "BLANKPHD", "DETBKPHD", "GASBKPHD", "CALIBPHD", "QCPHD", "SPIKEPHD")
BLOCK_ORDER = (
    "Header",
    "Comment",
    "Collection",
    "Processing",
    "Sample",
    "Acquisition",
    "Calibration",
    "g_Energy",
    "b_Energy",
    "g_Resolution",
    "b_Resolution",
    "g_Efficiency",
    "ROI_Limits",
    "b-gEfficiency",
    "Ratios",
    "g_Spectrum",
    "b_Spectrum",
    "Histogram",
    "Certificate",
)
_TIME = re.compile(r"^(\d{4})/(\d{2})/(\d{2})$")


@dataclass(frozen=True)
class PHDHeader:
    """The ``#Header`` block."""

    station: str
    detector: str
    system_type: str  # P particulate, G gas (gamma only), B beta-gamma
    geometry: str
    qualifier: str  # PREL or FULL
    sample_reference_id: str
    measurement_id: str
    detector_background_id: str = "0"
    gas_background_id: str = "0"
    transmit_time: UTCDateTime | None = None


@dataclass(frozen=True)
class PHDMessage:
    """One IMS2.0 PHD message. Arrays are ``float`` rows as in the blocks; counts ``int64``."""

    data_type: str
    header: PHDHeader
    acquisition_start: UTCDateTime
    real_time: float
    live_time: float
    msg_id: str = "0"
    comment: tuple[str, ...] = ()
    collection: tuple[UTCDateTime, UTCDateTime, float] | None = None
    processing: tuple[float, float, float, float, str] | None = None
    sample: tuple[float, float] | None = None
    calibration_time: UTCDateTime | None = None
    g_energy: np.ndarray | None = None  # (n, 3)
    b_energy: tuple[tuple[float, str, float, float], ...] = ()
    g_resolution: np.ndarray | None = None
    b_resolution: np.ndarray | None = None
    g_efficiency: np.ndarray | None = None
    roi_limits: np.ndarray | None = None  # (n, 5)
    bg_efficiency: tuple[tuple[str, int, float, float], ...] = ()
    ratios: tuple[tuple[str, int, int, float, float], ...] = ()
    g_spectrum: np.ndarray | None = None
    g_energy_span: float = 0.0
    g_first_channel: int = 1  # channel number of the first count (IMS2.0: 1)
    b_spectrum: np.ndarray | None = None
    b_energy_span: float = 0.0
    b_first_channel: int = 1
    histogram: np.ndarray | None = None  # (gamma channels, beta channels)
    histogram_spans: tuple[float, float] = (0.0, 0.0)  # gamma, beta [keV]
    certificate: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    source: str = ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PHDMessage):
            return NotImplemented
        for name in self.__dataclass_fields__:
            if name == "source":
                continue
            a, b = getattr(self, name), getattr(other, name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]


# -- reading -----------------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.source = source or "<text>"
        self.lines = text.splitlines()

    def fail(self, block: str, problem: str, fix: str = "") -> PHDFormatError:
        where = f"{self.source}: block #{block}" if block else self.source
        return PHDFormatError(f"{where}: {problem}" + (f"; {fix}" if fix else ""))

    def split(self) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
        preamble: dict[str, str] = {}
        blocks: list[tuple[str, list[str]]] = []
        stopped = False
        lines = [ln.rstrip() for ln in self.lines]
        if not lines or not lines[0].strip().upper().startswith("BEGIN"):
            raise self.fail("", "does not start with 'BEGIN IMS2.0'", "is it an IMS2.0 message?")
        for line in lines[1:]:
            stripped = line.strip()
            if stripped.upper() == "STOP":
                stopped = True
                break
            if stripped.startswith("#"):
                blocks.append((stripped[1:].split()[0], []))
            elif blocks:
                if stripped:
                    blocks[-1][1].append(stripped)
            elif stripped:
                key, _, value = stripped.partition(" ")
                preamble[key.upper()] = value.strip()
        if not stopped:
            last = f"#{blocks[-1][0]}" if blocks else "the preamble"
            raise self.fail(
                blocks[-1][0] if blocks else "",
                f"message truncated: no STOP line (last block {last})",
                "the file was cut off; fetch it again",
            )
        return preamble, blocks

    def time(self, block: str, date: str, clock: str) -> UTCDateTime:
        m = _TIME.match(date)
        if m is None:
            raise self.fail(block, f"bad date {date!r}", "expected yyyy/mm/dd")
        try:
            return UTCDateTime(f"{m[1]}-{m[2]}-{m[3]}T{clock}")
        except Exception as exc:
            raise self.fail(block, f"bad time {date} {clock!r}: {exc}") from exc

    def floats(self, block: str, lines: list[str], ncol: int) -> np.ndarray:
        rows = []
        for line in lines:
            parts = line.split()
            if len(parts) < ncol:
                raise self.fail(block, f"line {line!r} has {len(parts)} values, expected {ncol}")
            try:
                rows.append([float(p) for p in parts[:ncol]])
            except ValueError as exc:
                raise self.fail(block, f"line {line!r} is not numeric") from exc
        if not rows:
            raise self.fail(block, "block is empty")
        return np.asarray(rows, dtype=float)

    def spectrum(self, block: str, lines: list[str]) -> tuple[np.ndarray, float, int]:
        if not lines:
            raise self.fail(block, "block is empty")
        head = lines[0].split()
        try:
            n = int(head[0])
            span = float(head[1]) if len(head) > 1 else 0.0
        except (ValueError, IndexError) as exc:
            raise self.fail(
                block, f"first line {lines[0]!r} must be 'channels energy-span'"
            ) from exc
        values: list[int] = []
        start: int | None = None
        for line in lines[1:]:
            parts = line.split()
            try:
                ch = int(parts[0])
                counts = [int(float(p)) for p in parts[1:]]
            except (ValueError, IndexError) as exc:
                raise self.fail(block, f"row {line!r} is not 'channel counts...'") from exc
            if start is None:
                start = ch
            if ch != start + len(values):
                raise self.fail(
                    block,
                    f"row starts at channel {ch}, expected {start + len(values)}",
                    "rows are missing or out of order (truncated file?)",
                )
            values.extend(counts)
        if len(values) != n:
            raise self.fail(
                block,
                f"{len(values)} channel counts, the block declares {n}",
                "the spectrum is truncated or malformed",
            )
        return np.asarray(values, dtype=np.int64), span, 1 if start is None else start

    def histogram(self, lines: list[str]) -> tuple[np.ndarray, tuple[float, float]]:
        block = "Histogram"
        if not lines:
            raise self.fail(block, "block is empty")
        try:
            g, b, gspan, bspan = lines[0].split()[:4]
            ng, nb = int(g), int(b)
            spans = (float(gspan), float(bspan))
        except ValueError as exc:
            raise self.fail(
                block, f"first line {lines[0]!r} must be 'G B gamma-span beta-span'"
            ) from exc
        rows = lines[1:]
        if len(rows) != ng:
            raise self.fail(
                block, f"{len(rows)} rows, the block declares {ng} gamma channels", "truncated?"
            )
        out = np.zeros((ng, nb), dtype=np.int64)
        for i, row in enumerate(rows):
            parts = row.split()
            if len(parts) != nb:
                raise self.fail(block, f"row {i} holds {len(parts)} counts, expected {nb}")
            try:
                out[i] = [int(float(v)) for v in parts]
            except ValueError as exc:
                raise self.fail(block, f"row {i} must hold integer counts") from exc
        return out, spans


def read_phd_text(text: str, source: str = "") -> PHDMessage:
    """Parse an IMS2.0 PHD message (see the module doc); ``source`` names it in errors."""
    r = _Reader(text, source)
    pre, blocks = r.split()
    data_type = pre.get("DATA_TYPE", "").split()[0] if pre.get("DATA_TYPE") else ""
    if data_type not in DATA_TYPES:
        raise r.fail("", f"DATA_TYPE {data_type or '(missing)'} is not one of {DATA_TYPES}")
    seen: dict[str, list[str]] = {}
    extra: list[tuple[str, tuple[str, ...]]] = []
    last = -1
    for name, lines in blocks:
        if name not in BLOCK_ORDER:
            extra.append((name, tuple(lines)))
            continue
        pos = BLOCK_ORDER.index(name)
        if name in seen:
            raise r.fail(name, "block appears twice")
        if pos < last:
            raise r.fail(
                name,
                f"wrong block order: #{name} after #{BLOCK_ORDER[last]}",
                "blocks must follow " + " ".join("#" + b for b in BLOCK_ORDER),
            )
        last = pos
        seen[name] = lines
    for required in ("Header", "Acquisition"):
        if required not in seen:
            raise r.fail(required, "required block is missing")
    header = _header(r, seen["Header"])
    acq = seen["Acquisition"]
    parts = acq[0].split() if acq else []
    if len(parts) < 4:
        raise r.fail("Acquisition", "expected 'date time real-time live-time'")
    try:
        real, live = float(parts[2]), float(parts[3])
    except ValueError as exc:
        raise r.fail("Acquisition", f"real/live time not numeric in {acq[0]!r}") from exc
    msg = PHDMessage(
        data_type=data_type,
        header=header,
        acquisition_start=r.time("Acquisition", parts[0], parts[1]),
        real_time=real,
        live_time=live,
        msg_id=pre.get("MSG_ID", "0"),
        comment=tuple(seen.get("Comment", ())),
        extra=tuple(extra),
        source=source,
    )
    msg = _optional_blocks(r, msg, seen)
    _check_complete(r, msg)
    return msg


def _header(r: _Reader, lines: list[str]) -> PHDHeader:
    if len(lines) < 3:
        raise r.fail("Header", f"{len(lines)} lines, expected 4", "the header is truncated")
    first = lines[0].split()
    if len(first) < 5:
        raise r.fail("Header", f"first line {lines[0]!r} needs 5 fields")
    ids = [*lines[2].split(), "0", "0", "0"]
    t = lines[3].split() if len(lines) > 3 else []
    transmit = r.time("Header", t[0], t[1]) if len(t) >= 2 else None
    return PHDHeader(
        first[0],
        first[1],
        first[2],
        first[3],
        first[4],
        lines[1].strip(),
        ids[0],
        ids[1],
        ids[2],
        transmit,
    )


def _optional_blocks(r: _Reader, msg: PHDMessage, seen: dict[str, list[str]]) -> PHDMessage:
    changes: dict[str, object] = {}
    if "Collection" in seen:
        p = " ".join(seen["Collection"]).split()
        if len(p) < 5:
            raise r.fail("Collection", "expected 'start-date time stop-date time air-volume'")
        try:
            volume = float(p[4])
        except ValueError as exc:
            raise r.fail("Collection", f"air volume {p[4]!r} not numeric") from exc
        changes["collection"] = (
            r.time("Collection", p[0], p[1]),
            r.time("Collection", p[2], p[3]),
            volume,
        )
    if "Processing" in seen:
        lines = seen["Processing"]
        if len(lines) < 2:
            raise r.fail("Processing", "expected Xe volume and yield lines")
        vol = r.floats("Processing", lines[:1], 2)[0]
        yld = r.floats("Processing", lines[1:2], 2)[0]
        bottle = lines[2] if len(lines) > 2 else ""
        changes["processing"] = (vol[0], vol[1], yld[0], yld[1], bottle)
    if "Sample" in seen:
        s = r.floats("Sample", seen["Sample"][:1], 2)[0]
        changes["sample"] = (s[0], s[1])
    if "Calibration" in seen:
        c = seen["Calibration"][0].split() if seen["Calibration"] else []
        if len(c) < 2:
            raise r.fail("Calibration", "expected 'date time' of the last calibration")
        changes["calibration_time"] = r.time("Calibration", c[0], c[1])
    for name, attr, ncol in (
        ("g_Energy", "g_energy", 3),
        ("g_Resolution", "g_resolution", 3),
        ("b_Resolution", "b_resolution", 3),
        ("g_Efficiency", "g_efficiency", 3),
        ("ROI_Limits", "roi_limits", 5),
    ):
        if name in seen:
            changes[attr] = r.floats(name, seen[name], ncol)
    if "b_Energy" in seen:
        rows = []
        for line in seen["b_Energy"]:
            p = line.split()
            if len(p) < 4:
                raise r.fail("b_Energy", f"line {line!r}: expected 'energy mode channel unc'")
            try:
                rows.append((float(p[0]), p[1], float(p[2]), float(p[3])))
            except ValueError as exc:
                raise r.fail("b_Energy", f"line {line!r} is not numeric") from exc
        changes["b_energy"] = tuple(rows)
    if "b-gEfficiency" in seen:
        eff = []
        for line in seen["b-gEfficiency"]:
            p = line.split()
            try:
                eff.append((p[0], int(p[1]), float(p[2]), float(p[3])))
            except (ValueError, IndexError) as exc:
                raise r.fail(
                    "b-gEfficiency", f"line {line!r}: expected 'nuclide ROI eff unc'"
                ) from exc
        changes["bg_efficiency"] = tuple(eff)
    if "Ratios" in seen:
        rat = []
        for line in seen["Ratios"]:
            p = line.split()
            try:
                rat.append((p[0], int(p[1]), int(p[2]), float(p[3]), float(p[4])))
            except (ValueError, IndexError) as exc:
                raise r.fail(
                    "Ratios", f"line {line!r}: expected 'id upper lower ratio unc'"
                ) from exc
        changes["ratios"] = tuple(rat)
    if "g_Spectrum" in seen:
        g = r.spectrum("g_Spectrum", seen["g_Spectrum"])
        changes["g_spectrum"], changes["g_energy_span"], changes["g_first_channel"] = g
    if "b_Spectrum" in seen:
        b = r.spectrum("b_Spectrum", seen["b_Spectrum"])
        changes["b_spectrum"], changes["b_energy_span"], changes["b_first_channel"] = b
    if "Histogram" in seen:
        changes["histogram"], changes["histogram_spans"] = r.histogram(seen["Histogram"])
    if "Certificate" in seen:
        changes["certificate"] = tuple(seen["Certificate"])
    return replace(msg, **changes)  # type: ignore[arg-type]


def _check_complete(r: _Reader, msg: PHDMessage) -> None:
    """Calibrations needed to interpret the spectra must be there."""
    if msg.g_spectrum is None and msg.histogram is None and msg.b_spectrum is None:
        raise r.fail("g_Spectrum", "no spectrum: neither #g_Spectrum nor #Histogram")
    needs_gamma = msg.g_spectrum is not None or msg.histogram is not None
    if needs_gamma and (msg.g_energy is None or len(msg.g_energy) < 2):
        raise r.fail(
            "g_Energy",
            "missing calibration: #g_Energy needs at least 2 (energy, channel) pairs",
            "add the energy calibration of the detector",
        )
    needs_beta = msg.b_spectrum is not None or msg.histogram is not None
    if needs_beta and len(msg.b_energy) < 2:
        raise r.fail(
            "b_Energy",
            "missing calibration: #b_Energy needs at least 2 (energy, channel) pairs",
            "add the beta energy calibration",
        )
    if msg.data_type == "SAMPLEPHD" and msg.header.system_type in "PGB" and msg.collection is None:
        raise r.fail("Collection", "a SAMPLEPHD needs #Collection (start, stop, air volume)")
    if msg.live_time <= 0 or msg.real_time < msg.live_time:
        raise r.fail(
            "Acquisition",
            f"live time {msg.live_time} s must be > 0 and <= real time {msg.real_time} s",
        )


def read_phd(path: str | Path) -> PHDMessage:
    """Read an IMS2.0 PHD file (see :func:`read_phd_text`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="latin-1")
    except OSError as exc:
        raise PHDFormatError(f"{p}: cannot read: {exc}") from exc
    return read_phd_text(text, str(p))


# -- writing -----------------------------------------------------------------------------


def _t(t: UTCDateTime) -> str:
    frac = f"{t.microsecond:06d}".rstrip("0") or "0"
    return t.strftime("%Y/%m/%d %H:%M:%S") + "." + frac


def _num(x: float) -> str:
    return repr(float(x))


def _rows(arr: np.ndarray) -> list[str]:
    return [" ".join(_num(v) for v in row) for row in np.asarray(arr, dtype=float)]


def _spectrum_lines(counts: np.ndarray, span: float, first: int) -> list[str]:
    out = [f"{counts.size} {_num(span)}"]
    for i in range(0, counts.size, 5):
        out.append(f"{i + first} " + " ".join(str(int(c)) for c in counts[i : i + 5]))
    return out


def write_phd_text(msg: PHDMessage) -> str:
    """The message as IMS2.0 text (reads back to an equal message)."""
    h = msg.header
    out = ["BEGIN IMS2.0", "MSG_TYPE DATA", f"MSG_ID {msg.msg_id}", f"DATA_TYPE {msg.data_type}"]
    out += [
        "#Header 3",
        f"{h.station} {h.detector} {h.system_type} {h.geometry} {h.qualifier}",
        h.sample_reference_id,
        f"{h.measurement_id} {h.detector_background_id} {h.gas_background_id}",
        _t(h.transmit_time) if h.transmit_time is not None else "",
    ]
    if msg.comment:
        out += ["#Comment", *msg.comment]
    if msg.collection is not None:
        a, b, v = msg.collection
        out += ["#Collection", f"{_t(a)} {_t(b)} {_num(v)}"]
    if msg.processing is not None:
        v, dv, y, dy, bottle = msg.processing
        out += ["#Processing", f"{_num(v)} {_num(dv)}", f"{_num(y)} {_num(dy)}"]
        out += [bottle] if bottle else []
    if msg.sample is not None:
        out += ["#Sample", f"{_num(msg.sample[0])} {_num(msg.sample[1])}"]
    out += [
        "#Acquisition",
        f"{_t(msg.acquisition_start)} {_num(msg.real_time)} {_num(msg.live_time)}",
    ]
    if msg.calibration_time is not None:
        out += ["#Calibration", _t(msg.calibration_time)]
    if msg.g_energy is not None:
        out += ["#g_Energy", *_rows(msg.g_energy)]
    if msg.b_energy:
        out += ["#b_Energy"] + [f"{_num(e)} {m} {_num(c)} {_num(u)}" for e, m, c, u in msg.b_energy]
    for name, arr in (
        ("g_Resolution", msg.g_resolution),
        ("b_Resolution", msg.b_resolution),
        ("g_Efficiency", msg.g_efficiency),
        ("ROI_Limits", msg.roi_limits),
    ):
        if arr is not None:
            out += [f"#{name}", *_rows(arr)]
    if msg.bg_efficiency:
        out += ["#b-gEfficiency"] + [
            f"{n} {i} {_num(e)} {_num(u)}" for n, i, e, u in msg.bg_efficiency
        ]
    if msg.ratios:
        out += ["#Ratios"] + [f"{n} {a} {b} {_num(q)} {_num(u)}" for n, a, b, q, u in msg.ratios]
    if msg.g_spectrum is not None:
        out += [
            "#g_Spectrum",
            *_spectrum_lines(msg.g_spectrum, msg.g_energy_span, msg.g_first_channel),
        ]
    if msg.b_spectrum is not None:
        out += [
            "#b_Spectrum",
            *_spectrum_lines(msg.b_spectrum, msg.b_energy_span, msg.b_first_channel),
        ]
    if msg.histogram is not None:
        g, b = msg.histogram.shape
        out += [
            "#Histogram",
            f"{g} {b} {_num(msg.histogram_spans[0])} {_num(msg.histogram_spans[1])}",
        ]
        out += [" ".join(str(int(v)) for v in row) for row in msg.histogram]
    if msg.certificate:
        out += ["#Certificate", *msg.certificate]
    for name, lines in msg.extra:
        out += [f"#{name}", *lines]
    out += ["STOP", ""]
    return "\n".join(out)


def write_phd(msg: PHDMessage, path: str | Path) -> None:
    Path(path).write_text(write_phd_text(msg), encoding="latin-1")


# -- spectra ---------------------------------------------------------------------------


def energy_polynomial(
    points: np.ndarray, degree: int = 2, first_channel: int = 1
) -> tuple[float, ...]:
    """Polynomial ``E(i)`` [keV] of the 0-based channel index through ``#g_Energy`` rows.

    Rows are (energy, channel, unc) with channels numbered like the spectrum block (IMS2.0:
    the first channel is 1), so index ``i`` is channel ``i + first_channel``.
    """
    pts = np.asarray(points, dtype=float)
    deg = min(degree, len(pts) - 1)
    coef = np.polynomial.polynomial.polyfit(pts[:, 1] - first_channel, pts[:, 0], deg)
    return tuple(float(c) for c in coef)


def to_spectrum(msg: PHDMessage) -> GammaSpectrum:
    """The gamma spectrum of a message (energy calibration fitted to ``#g_Energy``)."""
    if msg.g_spectrum is None or msg.g_energy is None:
        raise PHDFormatError(f"{msg.source or 'message'}: block #g_Spectrum: no gamma spectrum")
    coll = msg.collection
    times = SampleTimes(
        acquisition_start=msg.acquisition_start,
        real_time=msg.real_time,
        live_time=msg.live_time,
        collection_start=coll[0] if coll else None,
        collection_stop=coll[1] if coll else None,
        air_volume=coll[2] if coll else float("nan"),
    )
    return GammaSpectrum(
        counts=msg.g_spectrum,
        energy_coefficients=energy_polynomial(msg.g_energy, first_channel=msg.g_first_channel),
        times=times,
        name=msg.header.sample_reference_id,
        detector=msg.header.detector,
        source=msg.source,
    )


def from_spectrum(
    spectrum: GammaSpectrum,
    *,
    station: str = "XXX00",
    data_type: str = "SAMPLEPHD",
    efficiency: np.ndarray | None = None,
    resolution: np.ndarray | None = None,
    comment: Sequence[str] = (),
    collection: tuple[UTCDateTime, UTCDateTime, float] | None = None,
    n_points: int = 8,
) -> PHDMessage:
    """A SAMPLEPHD (or other type) holding a gamma spectrum.

    The energy calibration is written as ``n_points`` (energy, channel) pairs of the
    spectrum's polynomial; ``efficiency`` and ``resolution`` are ``(n, 3)`` rows.
    """
    t = spectrum.times
    ch = np.linspace(0, spectrum.n_channels - 1, n_points)
    energies = spectrum.energies(ch)
    g_energy = np.column_stack([energies, ch + 1.0, np.zeros_like(ch)])  # channels from 1
    if collection is None and t.collection_start is not None and t.collection_stop is not None:
        collection = (t.collection_start, t.collection_stop, float(t.air_volume))
    if collection is None and data_type == "SAMPLEPHD":
        raise RadionuclideError(
            f"{spectrum.source or spectrum.name}: a SAMPLEPHD needs the collection "
            "(start, stop, air volume); pass collection= or write a DETBKPHD/QCPHD"
        )
    name = spectrum.name or "UNKNOWN"
    header = PHDHeader(
        station=station,
        detector=(spectrum.detector or station + "_001").replace(" ", "_"),
        system_type="P",
        geometry="UNKNOWN",
        qualifier="FULL",
        sample_reference_id=name.replace(" ", "_"),
        measurement_id=name.replace(" ", "_"),
        transmit_time=t.acquisition_start + t.real_time,
    )
    return PHDMessage(
        data_type=data_type,
        header=header,
        acquisition_start=t.acquisition_start,
        real_time=float(t.real_time),
        live_time=float(t.live_time),
        comment=tuple(comment),
        collection=collection,
        g_energy=g_energy,
        g_resolution=resolution,
        g_efficiency=efficiency,
        g_spectrum=np.asarray(spectrum.counts, dtype=np.int64),
        g_energy_span=float(np.ceil(energies[-1])),
    )
