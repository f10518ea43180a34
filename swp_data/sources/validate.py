"""Reading CSV input safely: encoding, truncation, columns and schema checks.

Every problem becomes an :class:`~swp_data.errors.InputError` naming the file,
the row (1 = header, 2 = first data row, as a spreadsheet shows it) and the
problem. Used for the bundle and for user imports alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from swp_data.errors import InputError


def read_text(path: Path, data: bytes | None = None) -> str:
    """Decode a file as UTF-8 (a BOM is allowed); a bad byte names its line."""
    if data is None:
        if not path.exists():
            raise InputError(path, "file not found")
        data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            path,
            f"not UTF-8 text (byte 0x{data[e.start]:02x} at position {e.start}); "
            "save the file as UTF-8 CSV and try again",
            row=line,
        ) from None


def check_not_truncated(path: Path, text: str) -> None:
    if not text.strip():
        raise InputError(path, "the file is empty")
    if not text.endswith(("\n", "\r")):
        # A last line without a newline is fine if it is a whole row; check its fields.
        lines = text.splitlines()
        header = next(csv.reader([lines[0]]))
        try:
            last = next(csv.reader([lines[-1]]))
        except csv.Error:
            last = []
        if len(lines) > 1 and (len(last) != len(header) or text.count('"') % 2):
            raise InputError(
                path,
                f"the last row has {len(last)} of {len(header)} fields: the file looks truncated",
                row=len(lines),
            )


def parse_csv(path: Path, text: str, dtype=None, usecols=None) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text),
            dtype=dtype,
            usecols=usecols,
            on_bad_lines="error",
            keep_default_na=True,
        )
    except pd.errors.ParserError as e:
        msg = str(e)
        row = None
        import re

        m = re.search(r"line (\d+)", msg)
        if m:
            row = int(m.group(1))
        raise InputError(path, f"malformed CSV ({msg.splitlines()[0]})", row=row) from None
    except ValueError as e:  # usecols not found, etc.
        raise InputError(path, f"unreadable CSV: {e}") from None


def require_columns(path: Path, df: pd.DataFrame, required: Iterable[str]) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns[:12]))
        raise InputError(
            path,
            f"missing column(s) {', '.join(missing)}; found: {found}",
            row=1,
        )


def validate(path: Path, df: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Validate with pandera; the first failure names its row and column."""
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as e:
        fc = e.failure_cases
        first = fc.iloc[0]
        idx = first.get("index")
        row = int(idx) + 2 if idx is not None and pd.notna(idx) else None
        col = first.get("column")
        check = first.get("check")
        case = first.get("failure_case")
        n = len(fc)
        more = f" ({n - 1} more problem(s))" if n > 1 else ""
        if col is None or (isinstance(col, float) and pd.isna(col)):
            problem = f"{check}: {case}"
        else:
            problem = f"column '{col}': value {case!r} fails {check}"
        raise InputError(path, problem + more, row=row) from None
    except pa.errors.SchemaError as e:
        raise InputError(path, str(e).splitlines()[0]) from None


def read_csv_checked(
    path: Path,
    schema: pa.DataFrameSchema,
    *,
    dtype=None,
    usecols=None,
    data: bytes | None = None,
) -> pd.DataFrame:
    """Decode, check truncation, parse, check columns, validate."""
    text = read_text(path, data)
    check_not_truncated(path, text)
    df = parse_csv(path, text, dtype=dtype)
    require_columns(path, df, list(schema.columns))
    if usecols is not None:
        df = df[[c for c in usecols if c in df.columns]]
    return validate(path, df, schema)


def code_check(prefix: str) -> pa.Check:
    return pa.Check.str_matches(rf"^{prefix}\d{{6}}$", error=f"a {prefix} code like {prefix}000001")
