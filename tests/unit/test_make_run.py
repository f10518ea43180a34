"""`make run` listens on the loopback interface unless told otherwise (issue 11)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_line(*args: str) -> str:
    """The streamlit command `make run` would execute (dry run: nothing runs)."""
    out = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "run", *args], capture_output=True, text=True, check=True
    ).stdout
    return next(line for line in out.splitlines() if "streamlit run app.py" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_listens_on_loopback_by_default_and_on_what_it_is_told():
    assert "--server.address 127.0.0.1" in run_line()
    assert "--server.address 0.0.0.0" in run_line("ADDRESS=0.0.0.0")
