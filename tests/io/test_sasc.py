"""The IDC's SASC files (``openndc.io.sasc``): read as the IDC's location library reads
them, written so that it (and :func:`read_sasc`) reads them back."""

from __future__ import annotations

from pathlib import Path

import pytest

from openndc.io.sasc import SascError, read_sasc, read_sasc_tables, write_sasc
from openndc.model.sasc import SascBin, SascTable

#: A table laid out as NORSAR's and the IDC's are: comment header, the default correction
#: with its modelling error (no affine transform: the identity), the number of bins, bins.
IDC_STYLE = """#
# Slowness-azimuth station correction table
#
# ARCES, test table
#
0.557 0.142 1.415
# number of bins
2
# slow_min slow_max az_min az_max slow_corr az_corr slow_err az_err
 4.0  8.0  0.0  45.0  0.35  -4.2  0.52  6.1

 8.0 12.0  0.0  45.0  0.61  -2.8  0.47  4.9
"""


def test_an_idc_style_table_is_read(tmp_path: Path) -> None:
    path = tmp_path / "sasc.ARCES"
    path.write_text(IDC_STYLE)
    t = read_sasc(path)
    assert t.station == "ARCES"
    assert (t.default_sx, t.default_sy, t.default_error) == (0.557, 0.142, 1.415)
    assert t.affine == (1.0, 0.0, 0.0, 1.0)
    assert t.bins[1] == SascBin(8.0, 12.0, 0.0, 45.0, 0.61, -2.8, 0.47, 4.9)
    assert read_sasc_tables(tmp_path / "sasc") == {"ARCES": t}
    assert read_sasc_tables(tmp_path) == {"ARCES": t}  # a directory: its sasc.* files


def test_a_written_table_reads_back(tmp_path: Path) -> None:
    table = SascTable("MKAR", 0.12, -0.05, 0.9, (0.99, 0.01, -0.01, 0.99),
                      (SascBin(0.0, 1000.0, 0.0, 360.0, 0.4, -7.5, 0.3, 2.5),))  # fmt: skip
    write_sasc(table, tmp_path / "sasc.MKAR", ["from 12 events"])
    assert (tmp_path / "sasc.MKAR").read_text().startswith("# from 12 events\n")
    assert read_sasc(tmp_path / "sasc.MKAR") == table


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty SASC file"),
        ("0.1 0.2\n0\n", ":1: the default correction needs"),
        ("0.1 0.2 0.3\n1\n1 2 3 4 5 6 7\n", ":3: a bin has 8 numbers"),
        ("0.1 0.2 0.3\n2\n1 2 3 4 5 6 7 8\n", "1 bins, the file says 2"),
        ("0.1 0.2 0.3\n1\n1 2 3 4 5 6 7 x\n", ":3: bin: not numbers"),
        ("0.1 0.2 0.3\nmany\n", ":2: expected the number of bins"),
    ],
)
def test_a_malformed_table_is_one_error_naming_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "sasc.BAD"
    path.write_text(text)
    with pytest.raises(SascError, match=message) as err:
        read_sasc(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_prefix_without_tables_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SascError, match="no SASC file"):
        read_sasc_tables(tmp_path / "sasc")
    with pytest.raises(SascError, match="no such directory"):
        read_sasc_tables(tmp_path / "missing" / "sasc")
