"""``openndc relocate`` on the NCSN hypoDD examples: hypoDD and Hypoinverse input, a
layered model from TOML, new origin versions in the database, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from openndc.bulletin import BulletinStore
from openndc.cli.main import main

#: hypoDD 2.1b example 2 (fwaldhauser/HypoDD, examples/example2/hypoDD.inp), CONCORD-CALAVERAS.
MODEL_TOML = """
name = "CONCORD-CALAVERAS"
tops = [0.0, 0.6, 1.2, 1.8, 2.4, 3.0, 3.6, 4.2, 4.8, 5.4, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0,
        18.0, 20.0, 22.0, 24.0, 26.0]
vp = [2.5, 3.16, 3.82, 4.48, 4.7428, 4.807, 4.8712, 4.9354, 4.9996, 5.0638, 5.128, 5.342,
      5.556, 5.77, 5.8283, 5.8867, 5.945, 6.0033, 6.0617, 6.12, 7.95]
vp_vs = 1.73
max_distance_km = 120.0
max_depth_km = 25.0
"""


@pytest.fixture
def model(tmp_path: Path) -> Path:
    p = tmp_path / "calaveras.toml"
    p.write_text(MODEL_TOML)
    return p


@pytest.mark.slow
def test_relocate_hypodd_cluster(
    shared_data: Path, tmp_path: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shared_data / "ncsn_hypodd_examples/example1_hayward"
    db = f"sqlite:///{tmp_path / 'r.db'}"
    args = ["relocate", "--hypodd", str(folder / "El16.pha"), "--stations",
            str(folder / "station.dat"), "--db", db, "--model", str(model)]  # fmt: skip
    assert main([*args, "--double-difference"]) == 0
    out = capsys.readouterr().out
    assert "16 of 16 events relocated with CONCORD-CALAVERAS" in out
    assert "double difference:" in out
    assert main([*args, "--double-difference"]) == 0  # again: a second origin version
    with BulletinStore(db) as store:
        events = store.load()
        assert len(events) == 16
        assert len(store.versions(events.events[0].id)) == 2
    assert all(ev.origin.model == "CONCORD-CALAVERAS" for ev in events)


@pytest.mark.slow
def test_relocate_hypoinverse_archive(
    shared_data: Path, tmp_path: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shared_data / "ncsn_hypodd_examples/example2_calaveras"
    lines = (folder / "Calaveras.arc").read_text().splitlines(keepends=True)
    ends = [i for i, ln in enumerate(lines) if ln[:5].strip() == "" and not ln.startswith("$")]
    arc = tmp_path / "three.arc"  # the first three events of the archive
    arc.write_text("".join(lines[: ends[2] + 1]))
    db = f"sqlite:///{tmp_path / 'r.db'}"
    code = main(["relocate", "--hypoinverse", str(arc), "--stations", str(folder / "station.dat"),
                 "--db", db, "--model", str(model), "--preset", "local"])  # fmt: skip
    assert code == 0
    assert "3 of 3 events relocated" in capsys.readouterr().out
    with BulletinStore(db) as store:
        ids = [ev.id for ev in store.load()]
    assert sorted(ids) == ["16484", "16527", "17496"]


def test_relocate_bad_input_is_one_line(
    tmp_path: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    missing = str(tmp_path / "none.pha")
    assert main(["relocate", "--hypodd", missing, "--stations", missing, "--db", db]) == 1
    assert "file not found" in capsys.readouterr().err
    pha = tmp_path / "a.pha"
    pha.write_text("# 1985 1 24 2 19 58.71 37.8832 -122.2415 9.80 1.40 0.15 0.51 0.02 1\n"
                   "NCCSP 2.850 1.0 P\n")  # fmt: skip
    sta = tmp_path / "station.dat"
    sta.write_text("NCCSP 37.9 -122.3\n")
    both = ["--master", str(model), "--double-difference"]
    assert main(["relocate", "--hypodd", str(pha), "--stations", str(sta), "--db", db, *both]) == 1
    assert "choose --master or --double-difference" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("tops = [0.0, 5.0]\nvelocity = [5.0, 6.0]\n")
    code = main(["relocate", "--hypodd", str(pha), "--stations", str(sta), "--db", db,
                 "--model", str(bad)])  # fmt: skip
    assert code == 1
    assert "a layered model needs 'tops' and 'vp'" in capsys.readouterr().err
