"""The IDC's slowness-azimuth station correction (SASC) files.

One text file per station, named ``PREFIX.STA`` (the IDC keeps them as e.g.
``/prj/idc/ops/static/SASC/sasc.ARCES``; the location library is given the path prefix
``.../SASC/sasc``). Lines starting with ``#`` and blank lines are comments. The format is
that read by the IDC's location library (libloc ``read_sasc`` / ``load_single_sasc``,
SAIC, W. Nagy 1997-2003):

1. the default correction: ``sx sy error`` [s/deg] (the slowness vector's default
   correction and its modelling error), optionally followed by the affine transform
   ``a11 a12 a21 a22`` (all four, else the identity);
2. the number of bins;
3. one line per bin: ``slow_min slow_max az_min az_max slow_corr az_corr slow_err
   az_err`` (s/deg, deg).

The corrections themselves are :class:`openndc.model.sasc.SascTable`. A file that does not
follow the format is one error naming the file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from openndc.model.errors import OpenNDCError
from openndc.model.sasc import SascBin, SascTable

__all__ = ["SascError", "read_sasc", "read_sasc_tables", "write_sasc"]


class SascError(OpenNDCError):
    """A SASC file that cannot be read."""


def _data_lines(path: Path) -> Iterable[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SascError(f"{path}: cannot read the SASC file: {exc.strerror or exc}") from exc
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        yield lineno, line.split()


def _numbers(path: Path, lineno: int, fields: list[str], what: str) -> list[float]:
    try:
        return [float(x) for x in fields]
    except ValueError:
        raise SascError(f"{path}:{lineno}: {what}: not numbers: {' '.join(fields)}") from None


def read_sasc(path: str | Path, station: str | None = None) -> SascTable:
    """The SASC table in file ``path`` (module docstring); its station is ``station``, else
    the file name's last suffix (``sasc.ARCES`` -> ``ARCES``)."""
    path = Path(path)
    code = station or path.suffix.lstrip(".")
    if not code:
        raise SascError(f"{path}: a SASC file is named PREFIX.STA (no station in its name)")
    lines = iter(_data_lines(path))
    first = next(lines, None)
    if first is None:
        raise SascError(f"{path}: empty SASC file (no default correction line)")
    lineno, fields = first
    values = _numbers(path, lineno, fields, "default correction 'sx sy error [a11 a12 a21 a22]'")
    if len(values) < 3:
        raise SascError(f"{path}:{lineno}: the default correction needs 'sx sy error'")
    affine = (1.0, 0.0, 0.0, 1.0)
    if len(values) >= 7:
        affine = (values[3], values[4], values[5], values[6])
    count = next(lines, None)
    n_bins = 0
    if count is not None:
        lineno, fields = count
        if len(fields) != 1 or not fields[0].isdigit():
            raise SascError(f"{path}:{lineno}: expected the number of bins, got {' '.join(fields)}")
        n_bins = int(fields[0])
    bins = []
    for lineno, fields in lines:
        v = _numbers(path, lineno, fields, "bin")
        if len(v) != 8:
            raise SascError(
                f"{path}:{lineno}: a bin has 8 numbers (slow_min slow_max az_min az_max "
                f"slow_corr az_corr slow_err az_err), this line {len(v)}"
            )
        bins.append(SascBin(*v))
    if len(bins) != n_bins:
        raise SascError(f"{path}: {len(bins)} bins, the file says {n_bins}")
    return SascTable(code, values[0], values[1], values[2], affine, tuple(bins))


def read_sasc_tables(prefix: str | Path) -> dict[str, SascTable]:
    """Every station's table ``PREFIX.STA`` (``prefix`` as the IDC gives it, e.g.
    ``.../SASC/sasc``; a directory means its ``sasc.*`` files), by station code."""
    prefix = Path(prefix)
    if prefix.is_dir():
        prefix = prefix / "sasc"
    if not prefix.parent.is_dir():
        raise SascError(f"{prefix.parent}: no such directory of SASC files")
    files = sorted(p for p in prefix.parent.glob(f"{prefix.name}.*") if p.is_file())
    if not files:
        raise SascError(f"{prefix}: no SASC file {prefix.name}.STA in {prefix.parent}")
    tables = [read_sasc(p) for p in files]
    return {t.station: t for t in tables}


def write_sasc(table: SascTable, path: str | Path, comments: Iterable[str] = ()) -> None:
    """Write ``table`` to ``path`` in the format :func:`read_sasc` reads (and libloc), with
    ``comments`` as ``#`` lines at the top."""
    lines = [f"# {c}" for c in comments]
    lines.append("# default sx, sy corrections and modelling error [s/deg]; affine a11 a12 a21 a22")
    a11, a12, a21, a22 = table.affine
    lines.append(f"{table.default_sx:.4f} {table.default_sy:.4f} {table.default_error:.4f} "
                 f"{a11:.6f} {a12:.6f} {a21:.6f} {a22:.6f}")  # fmt: skip
    lines.append("# number of bins")
    lines.append(str(len(table.bins)))
    lines.append("# slow_min slow_max az_min az_max slow_corr az_corr slow_err az_err")
    for b in table.bins:
        lines.append(f"{b.slowness_min:.3f} {b.slowness_max:.3f} {b.azimuth_min:.2f} "
                     f"{b.azimuth_max:.2f} {b.slowness_correction:.4f} "
                     f"{b.azimuth_correction:.3f} {b.slowness_error:.4f} "
                     f"{b.azimuth_error:.3f}")  # fmt: skip
    try:
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise SascError(f"{path}: cannot write the SASC file: {exc.strerror or exc}") from exc
