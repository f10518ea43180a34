"""data.police.uk archives: which members are street files, member names that
would land outside the archive's folder, and the limits that keep a hostile
archive (a "zip bomb", a header that lies about sizes, thousands of made-up
forces) from filling the disk or the import's time.

Limits, checked from the zip directory before anything is extracted and
again while a member is inflated (:func:`copy_member`):

* MAX_MEMBER_BYTES per street member, uncompressed: a force's month of street
  records is 7-9 MB for West Midlands (about 30,000 rows), about 30 MB for the
  Metropolitan Police, the largest force;
* MAX_ARCHIVE_BYTES of street members per archive: 36 months of every force
  are about 4 GB; a force's multi-year archive a few hundred MB;
* MAX_RATIO, uncompressed to compressed size of a member (and of the whole):
  police.uk CSVs deflate about 4-8 times; 100 times is no CSV of records;
* MAX_MEMBERS in the directory (every member since Dec 2010 of every force,
  street, outcomes and stop and search, is about 26,000);
* a street member's name must be YYYY-MM-<force>-street.csv with a month
  police.uk publishes and one of its forces (schema.FORCES), once per archive.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from swp_data.errors import InputError
from swp_data.sources.policeuk.classifying import month_problem
from swp_data.sources.policeuk.reading import header_of, is_street_header, show_header
from swp_data.sources.policeuk.schema import FORCES, OUTCOMES_MEMBER, POLICE_COLUMNS, STREET_MEMBER, is_force

MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 50_000
HEADER_BYTES = 64 * 1024  # read from a member to check its header before extracting it


def member_label(archive: str, name: str) -> str:
    """'archive.zip!member' for messages; the archive's bare name when the
    whole would be long (InputError shows only the last part of long paths)."""
    label = f"{archive}!{name}"
    return label if len(label) <= 80 else f"{Path(archive).name}!{name}"


def check_member_name(archive: str, name: str) -> None:
    """Reject member names that would land outside the archive's folder."""
    p = name.replace("\\", "/")
    parts = PurePosixPath(p).parts
    if p.startswith("/") or re.match(r"^[A-Za-z]:", p) or ".." in parts or "\x00" in p:
        raise InputError(archive, f"member {name!r}: path escapes the archive; refusing to read it")


def archive_members(
    path: Path, label: str | None = None, today: dt.date | None = None
) -> tuple[list[zipfile.ZipInfo], int]:
    """The street-CSV members of a police.uk archive (sorted by name) and the
    number of other members skipped. Every member name, and the street
    members' forces, months and sizes, are checked first."""
    label = label or str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(label, f"not a readable zip archive ({e})") from None
    if len(infos) > MAX_MEMBERS:
        raise InputError(label, f"{len(infos):,} members: more than the {MAX_MEMBERS:,} a police.uk archive can hold")
    for info in infos:
        check_member_name(label, info.filename)
    files = [i for i in infos if not i.is_dir()]
    street = [i for i in files if STREET_MEMBER.match(PurePosixPath(i.filename).name)]
    if not street and any(OUTCOMES_MEMBER.match(PurePosixPath(i.filename).name) for i in files):
        return [], len(files)  # an archive of outcomes files only (sources.policeuk.outcomes reads them)
    if not street:
        raise InputError(
            label,
            "no police.uk street files in this archive (expected members like "
            "2024-01/2024-01-west-midlands-street.csv)",
        )
    street.sort(key=lambda i: i.filename)
    check_street_members(label, street, today or dt.date.today())
    return street, len(files) - len(street)


def check_street_members(label: str, street: list[zipfile.ZipInfo], today: dt.date) -> None:
    """Refuse, from the zip directory alone, a street member that is encrypted,
    names no police.uk force or month, or is too big (module docstring)."""
    total = compressed = 0
    seen: dict[tuple[str, str], str] = {}
    for info in street:
        mlabel = member_label(label, info.filename)
        if info.flag_bits & 0x1:
            raise InputError(mlabel, "encrypted; cannot read it")
        m = STREET_MEMBER.match(PurePosixPath(info.filename).name)
        assert m is not None
        slug = m.group(3).lower()
        if slug not in FORCES:
            raise InputError(mlabel, f"{slug[:60]!r} is not one of police.uk's forces (e.g. west-midlands)")
        month = f"{m.group(1)}-{m.group(2)}"
        problem = month_problem(month, today)
        if problem:
            raise InputError(mlabel, problem)
        first = seen.setdefault((slug, month), info.filename)
        if first != info.filename:  # police.uk publishes one street file per force and month
            raise InputError(mlabel, f"a second street file for {slug}, {month} in this archive (the first: {first})")
        _check_size(mlabel, info.file_size, info.compress_size)
        total += info.file_size
        compressed += info.compress_size
        if total > MAX_ARCHIVE_BYTES:
            raise InputError(
                mlabel,
                f"the archive's street files inflate to more than {_mb(MAX_ARCHIVE_BYTES)}, "
                "the most one import takes; import it in parts",
            )
    if total > 1024 * 1024 and total > MAX_RATIO * max(compressed, 1):
        raise InputError(label, f"its street files inflate more than {MAX_RATIO} times: not police.uk CSVs")


def _check_size(mlabel: str, size: int, compressed: int) -> None:
    if size > MAX_MEMBER_BYTES:
        raise InputError(
            mlabel, f"inflates to {_mb(size)}, more than the {_mb(MAX_MEMBER_BYTES)} a police.uk street file can be"
        )
    if size > 1024 * 1024 and size > MAX_RATIO * max(compressed, 1):
        raise InputError(
            mlabel,
            f"inflates {size / max(compressed, 1):,.0f} times ({_mb(compressed)} to {_mb(size)}): "
            "not a police.uk CSV; refusing to extract it",
        )


def _first_force(head: bytes) -> str | None:
    """The "Reported by" of the first data row in a member's first bytes, if whole there."""
    lines = head.split(b"\n", 2)
    if len(lines) < 3:
        return None  # the first row may be cut: the full read checks it
    try:
        row = next(csv.reader([lines[1].decode("utf-8").rstrip("\r")]), [])
    except (UnicodeDecodeError, csv.Error):
        return None  # the full read says what is wrong, with its row
    return row[2].strip() if len(row) == len(POLICE_COLUMNS) and row[2].strip() else None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: IO[bytes], mlabel: str, stop=None) -> None:
    """Extract one street member to ``dest``, checking its header first (the
    first HEADER_BYTES) and counting what it inflates to: more than its
    directory entry says, or than MAX_MEMBER_BYTES, is refused (a header that
    lies), whatever the zip library would do."""
    limit = min(info.file_size, MAX_MEMBER_BYTES)
    written = 0
    with zf.open(info) as fin:
        head = fin.read(HEADER_BYTES)
        header = header_of(head, mlabel)
        if not is_street_header(header):
            raise InputError(
                mlabel, "named like a police.uk street file but its header is: " + show_header(header), row=1
            )
        force = _first_force(head)
        if force is not None and not is_force(force):
            # Refused here, before thousands of members are extracted and read.
            shown = " ".join(force.split())[:60]
            raise InputError(
                mlabel, f"'Reported by' {shown!r} is not one of police.uk's forces (e.g. 'West Midlands Police')", row=2
            )
        chunk = head
        while chunk:
            written += len(chunk)
            if written > limit:
                raise InputError(
                    mlabel,
                    f"inflates to more than the {_mb(limit)} its directory entry says; refusing to extract it",
                )
            dest.write(chunk)
            if stop is not None and stop.is_set():
                return
            chunk = fin.read(1 << 20)
