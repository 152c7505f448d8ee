"""``openndc seedlink serve`` and ``openndc acquire``: bad input gives one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from openndc.cli.main import main


def test_serve_rejects_a_missing_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seedlink", "serve", "--archive", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a directory" in err[0]


def test_serve_speed_needs_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seedlink", "serve", "--archive", str(tmp_path), "--speed", "20"]) == 1
    assert "--speed needs --replay" in capsys.readouterr().err


def test_acquire_rejects_bad_streams(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["acquire", "--seedlink", "127.0.0.1:1", "--streams", "MKAR", "--archive", str(tmp_path)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "NET_STA:LOC.CHA" in err[0]


def test_acquire_rejects_bad_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["acquire", "--seedlink", "host:port", "--streams", "KZ_*", "--archive", str(tmp_path)]
    assert main(argv) == 1
    assert "HOST:PORT" in capsys.readouterr().err
