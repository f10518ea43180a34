"""Files uploaded on the Data page, written to a temporary folder before the
import reads them: safe base names, streamed in chunks, never whole in memory.
No Streamlit here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

# --------------------------------------------------------------------------- uploads (Data page)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


def safe_upload_name(name: str) -> str:
    """The base name of an uploaded file, safe to create in a temporary folder:
    any folder part (either slash) dropped, control and reserved characters
    replaced by "_", no leading dots; "upload" when nothing is left."""
    base = str(name).replace("\\", "/").split("/")[-1]
    base = _UNSAFE.sub("_", base).strip().lstrip(".").strip()
    return base[:200] or "upload"


UPLOAD_CHUNK = 1024 * 1024  # bytes copied at a time when an upload is written to disk


def save_uploads(files: list[tuple[str, bytes | BinaryIO]], folder: Path) -> list[Path]:
    """Write uploaded files (name, content: bytes or a binary file object, read
    from its start in UPLOAD_CHUNK pieces, never whole) into ``folder`` under
    their safe base names (a repeated name gets a "-2", "-3"... before its
    extension)."""
    folder = Path(folder)
    out: list[Path] = []
    used: set[str] = set()
    for name, data in files:
        base = safe_upload_name(name)
        stem, dot, ext = base.rpartition(".")
        if not dot:
            stem, ext = base, ""
        cand, k = base, 1
        while cand.lower() in used:
            k += 1
            cand = f"{stem}-{k}.{ext}" if ext else f"{stem}-{k}"
        used.add(cand.lower())
        p = folder / cand
        if isinstance(data, (bytes, bytearray, memoryview)):
            p.write_bytes(data)
        else:
            data.seek(0)
            with open(p, "wb") as fh:
                while chunk := data.read(UPLOAD_CHUNK):
                    fh.write(chunk)
        out.append(p)
    return out
