"""The one error type users see: it names the file, the row and the problem."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input. ``str(err)`` is a one-line message: ``file: row N: problem``."""

    def __init__(self, file: str | Path | None, problem: str, row: int | None = None):
        self.file = str(file) if file is not None else None
        self.row = row
        self.problem = problem
        parts = []
        if self.file:
            parts.append(Path(self.file).name if len(self.file) > 80 else self.file)
        if row is not None:
            parts.append(f"row {row}")
        parts.append(problem)
        super().__init__(": ".join(parts))
