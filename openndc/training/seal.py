"""Sealed truth files: the truth of an exercise, unreadable without the instructor's passphrase.

Standard library only (no third-party cryptography). The format, version 1 (all integers
big-endian)::

    offset  size  field
    0       8     magic  b"ONDCSEAL"
    8       1     version (1)
    9       1     scrypt log2(N)   (15: N = 32768)
    10      1     scrypt r         (8)
    11      1     scrypt p         (1)
    12      16    salt             (random)
    28      16    nonce            (random)
    44      16    key check        HMAC-SHA256(mac_key, b"openndc-key-check")[:16]
    60      8     n = ciphertext length [bytes]
    68      n     ciphertext       plaintext XOR keystream
    68+n    32    tag              HMAC-SHA256(mac_key, bytes 0 .. 68+n)

- keys: ``hashlib.scrypt(passphrase (UTF-8), salt, N, r, p, dklen=64)`` (pass ``maxmem``
  above 128 * r * N bytes, e.g. 64 MiB: OpenSSL's default limit is 32 MiB); the first 32
  bytes are the encryption key, the last 32 the authentication key;
- keystream: block ``i`` (0, 1, ...) is ``HMAC-SHA256(enc_key, nonce || i as 8 bytes)``,
  concatenated and cut to ``n`` (HMAC-SHA256 as a pseudo-random function in counter mode);
- the tag authenticates the header and the ciphertext (encrypt-then-MAC); it is checked, in
  constant time, before anything is decrypted;
- the key check tells a wrong passphrase from a damaged or altered file;
- plaintext: a ZIP archive (deflate) of the truth files (``truth.xml``, ``truth.csv``,
  ``truth_arrivals.csv``, ``manifest.json``...).

Scrypt with N = 2**15 costs about 0.1 s and 32 MiB per try, which slows passphrase guessing;
a random passphrase (:func:`new_passphrase`, 128 bits) makes guessing hopeless.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import secrets
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path

from openndc.model.errors import ScenarioError

__all__ = ["MAGIC", "is_sealed", "new_passphrase", "open_sealed", "seal", "seal_files"]

MAGIC = b"ONDCSEAL"
_VERSION = 1
_HEADER = struct.Struct(">8sBBBB16s16s16sQ")
_TAG_LEN = 32
_CHECK_INPUT = b"openndc-key-check"
_N_LOG2, _R, _P = 15, 8, 1


def new_passphrase() -> str:
    """A random passphrase (128 bits, URL-safe text)."""
    return secrets.token_urlsafe(16)


def _keys(passphrase: str, salt: bytes, n_log2: int, r: int, p: int) -> tuple[bytes, bytes]:
    if not passphrase:
        raise ScenarioError("empty passphrase: give the instructor's passphrase")
    if not (10 <= n_log2 <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
        raise ScenarioError(f"unsupported scrypt parameters N=2**{n_log2}, r={r}, p={p}")
    key = hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=1 << n_log2,
        r=r,
        p=p,
        maxmem=256 * 1024 * 1024,
        dklen=64,
    )
    return key[:32], key[32:]


def _keystream_xor(enc_key: bytes, nonce: bytes, data: bytes) -> bytes:
    n_blocks = (len(data) + 31) // 32
    stream = b"".join(
        hmac.digest(enc_key, nonce + i.to_bytes(8, "big"), "sha256") for i in range(n_blocks)
    )[: len(data)]
    x = int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")
    return x.to_bytes(len(data), "big")


def seal(plaintext: bytes, passphrase: str) -> bytes:
    """Encrypt and authenticate ``plaintext`` with a key derived from ``passphrase``."""
    salt, nonce = os.urandom(16), os.urandom(16)
    enc_key, mac_key = _keys(passphrase, salt, _N_LOG2, _R, _P)
    check = hmac.digest(mac_key, _CHECK_INPUT, "sha256")[:16]
    body = _HEADER.pack(
        MAGIC, _VERSION, _N_LOG2, _R, _P, salt, nonce, check, len(plaintext)
    ) + _keystream_xor(enc_key, nonce, plaintext)
    return body + hmac.digest(mac_key, body, "sha256")


def _unseal(blob: bytes, passphrase: str, name: str) -> bytes:
    if len(blob) < _HEADER.size + _TAG_LEN or not blob.startswith(MAGIC):
        raise ScenarioError(f"{name}: not a sealed OpenNDC truth file (or truncated)")
    _magic, version, n_log2, r, p, salt, nonce, check, n = _HEADER.unpack_from(blob)
    if version != _VERSION:
        raise ScenarioError(
            f"{name}: sealed truth version {version} is not supported (this OpenNDC reads "
            f"version {_VERSION}); open it with the OpenNDC version that made it"
        )
    if len(blob) != _HEADER.size + n + _TAG_LEN:
        raise ScenarioError(
            f"{name}: sealed truth is damaged or was altered (length {len(blob)} bytes, "
            f"expected {_HEADER.size + n + _TAG_LEN}); get a fresh copy from the instructor"
        )
    enc_key, mac_key = _keys(passphrase, salt, n_log2, r, p)
    if not hmac.compare_digest(check, hmac.digest(mac_key, _CHECK_INPUT, "sha256")[:16]):
        raise ScenarioError(f"{name}: wrong passphrase for this sealed truth file")
    body, tag = blob[: _HEADER.size + n], blob[_HEADER.size + n :]
    if not hmac.compare_digest(tag, hmac.digest(mac_key, body, "sha256")):
        raise ScenarioError(
            f"{name}: sealed truth is damaged or was altered (authentication tag mismatch); "
            "get a fresh copy from the instructor"
        )
    return _keystream_xor(enc_key, nonce, blob[_HEADER.size : _HEADER.size + n])


def is_sealed(path: str | Path) -> bool:
    """Whether ``path`` starts like a sealed truth file."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def seal_files(files: Mapping[str, bytes], out: str | Path, passphrase: str) -> Path:
    """Zip ``files`` (archive name → content) and write them sealed to ``out``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(seal(buf.getvalue(), passphrase))
    return out


def open_sealed(path: str | Path, passphrase: str) -> dict[str, bytes]:
    """The files inside a sealed truth file (archive name → content).

    Raises :class:`ScenarioError` for a wrong passphrase, a damaged or altered file, or a file
    that is not sealed.
    """
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read sealed truth: {exc}") from exc
    plain = _unseal(blob, passphrase, str(path))
    try:
        with zipfile.ZipFile(io.BytesIO(plain)) as zf:
            return {name: zf.read(name) for name in zf.namelist()}
    except zipfile.BadZipFile as exc:  # pragma: no cover - authenticated, so only on a bug
        raise ScenarioError(f"{path}: sealed truth content is not a ZIP archive") from exc
