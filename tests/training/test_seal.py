"""Sealed truth files: round trip, tamper detection, wrong passphrase."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from openndc.model.errors import ScenarioError
from openndc.training import PASSPHRASE_ENV, is_sealed, open_sealed, read_truth, seal_files
from openndc.training.seal import MAGIC, seal

TRUTH_CSV = (
    b"event_id,time,latitude,longitude,depth,mb,ML,Ms,event_type\n"
    b"e1,2024-03-01T10:00:00.000000Z,43.0,77.0,10.0,4.5,,,earthquake\n"
)
FILES = {"truth.csv": TRUTH_CSV, "truth_arrivals.csv": b"station,phase\nMKAR,P\n" * 500}


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seal_files(FILES, tmp_path_factory.mktemp("seal") / "truth.sealed", "correct horse")


def test_round_trip_and_secrecy(sealed: Path) -> None:
    assert is_sealed(sealed)
    assert open_sealed(sealed, "correct horse") == FILES
    blob = sealed.read_bytes()
    assert blob.startswith(MAGIC)
    assert b"truth.csv" not in blob and b"earthquake" not in blob and b"MKAR" not in blob
    # Fresh salt and nonce every time: the same content never seals to the same bytes.
    assert seal(b"x" * 100, "k") != seal(b"x" * 100, "k")


def test_format_matches_its_documentation(sealed: Path) -> None:
    # Rebuild the plaintext from the documented layout with hashlib/hmac alone.
    blob = sealed.read_bytes()
    n_log2, r, p = blob[9], blob[10], blob[11]
    salt, nonce, check = blob[12:28], blob[28:44], blob[44:60]
    n = int.from_bytes(blob[60:68], "big")
    key = hashlib.scrypt(b"correct horse", salt=salt, n=2**n_log2, r=r, p=p, maxmem=2**26, dklen=64)
    enc, mac = key[:32], key[32:]
    assert check == hmac.digest(mac, b"openndc-key-check", "sha256")[:16]
    assert blob[68 + n :] == hmac.digest(mac, blob[: 68 + n], "sha256")
    stream = b"".join(
        hmac.digest(enc, nonce + i.to_bytes(8, "big"), "sha256") for i in range(n // 32 + 1)
    )
    plain = bytes(c ^ k for c, k in zip(blob[68 : 68 + n], stream, strict=False))
    assert plain.startswith(b"PK\x03\x04")  # a ZIP archive


def test_wrong_passphrase_is_a_clear_error(sealed: Path) -> None:
    with pytest.raises(ScenarioError, match="wrong passphrase"):
        open_sealed(sealed, "incorrect horse")
    with pytest.raises(ScenarioError, match="empty passphrase"):
        open_sealed(sealed, "")


@pytest.mark.parametrize("where", [70, -5, 13])  # ciphertext, tag, salt
def test_tampering_is_detected(sealed: Path, tmp_path: Path, where: int) -> None:
    blob = bytearray(sealed.read_bytes())
    blob[where] ^= 0x01
    bad = tmp_path / "bad.sealed"
    bad.write_bytes(bytes(blob))
    # A changed salt changes the derived keys, so it shows as a wrong passphrase.
    expected = "wrong passphrase" if where == 13 else "altered"
    with pytest.raises(ScenarioError, match=expected):
        open_sealed(bad, "correct horse")


def test_truncated_and_extended_files_are_rejected(sealed: Path, tmp_path: Path) -> None:
    blob = sealed.read_bytes()
    for name, data in (("short", blob[:-1]), ("long", blob + b"\0"), ("tiny", blob[:20])):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ScenarioError, match=r"altered|truncated"):
            open_sealed(path, "correct horse")


def test_read_truth_sealed_and_plain(
    sealed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    with pytest.raises(ScenarioError, match="--passphrase"):
        read_truth(sealed)
    (event,) = read_truth(sealed, "correct horse")
    assert event.id == "e1" and dict(event.magnitudes) == {"mb": 4.5}
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    assert read_truth(sealed) == [event]
    plain = tmp_path / "truth.csv"
    plain.write_bytes(TRUTH_CSV)
    assert read_truth(plain) == [event]
    empty = seal_files({"notes.txt": b"x"}, tmp_path / "e.sealed", "k")
    with pytest.raises(ScenarioError, match="no truth events"):
        read_truth(empty, "k")
