"""data.police.uk archives: which members are street files, and member names
that would land outside the archive's folder."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from ..errors import InputError
from .schema import STREET_MEMBER


def check_member_name(archive: str, name: str) -> None:
    """Reject member names that would land outside the archive's folder."""
    p = name.replace("\\", "/")
    parts = PurePosixPath(p).parts
    if p.startswith("/") or re.match(r"^[A-Za-z]:", p) or ".." in parts or "\x00" in p:
        raise InputError(archive, f"member {name!r}: path escapes the archive; refusing to read it")


def archive_members(path: Path, label: str | None = None) -> tuple[list[zipfile.ZipInfo], int]:
    """The street-CSV members of a police.uk archive (sorted by name) and the
    number of other members skipped. Every member name is checked first."""
    label = label or str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(label, f"not a readable zip archive ({e})") from None
    for info in infos:
        check_member_name(label, info.filename)
    files = [i for i in infos if not i.is_dir()]
    street = [i for i in files if STREET_MEMBER.match(PurePosixPath(i.filename).name)]
    if not street:
        raise InputError(
            label,
            "no police.uk street files in this archive (expected members like "
            "2024-01/2024-01-west-midlands-street.csv)",
        )
    for info in street:
        if info.flag_bits & 0x1:
            raise InputError(label, f"member {info.filename}: encrypted; cannot read it")
    return sorted(street, key=lambda i: i.filename), len(files) - len(street)
