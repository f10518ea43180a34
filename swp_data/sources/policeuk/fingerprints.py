"""Fingerprints of the files an import read, for provenance (``dataset.file_hash``)."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def content_fingerprint(crc: int, size: int) -> str:
    """A street file's fingerprint for provenance (``dataset.file_hash``): from
    the CRC-32 and size of its content, the checksum a zip archive already
    records for each member. Files on disk get theirs from
    :func:`file_fingerprint`, so a file has the same fingerprint loose or in
    an archive.

    CRC-32 is not a cryptographic hash: it tells which content was loaded and
    that it changed (any edit of a published file changes it, barring a
    deliberate forgery), which is what provenance needs, at half the CPU of
    sha256 (0.10 s for 231 MB here, reading included, against 0.19 s; on two
    cores that CPU is taken from DuckDB). Reading the content, rather than
    trusting size and modification time, keeps the fingerprint the same for the
    same file wherever and whenever it was copied."""
    return hashlib.sha256(f"{crc & 0xFFFFFFFF:08x}:{size}".encode()).hexdigest()


def file_fingerprint(path: Path) -> str:
    """:func:`content_fingerprint` of a file on disk (file reads and zlib
    release the GIL, so this runs in a background thread)."""
    crc = size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return content_fingerprint(crc, size)
