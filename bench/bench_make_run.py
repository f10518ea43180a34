"""Time from `make run` on a fresh clone to the Overview page on screen.

    .venv/bin/python bench/bench_make_run.py

Clones this repository into a temporary folder (no .venv, no store), runs
`make run PORT=<free>` there with the bundle beside it, and polls with Debian's
chromium until the Overview page shows its headline figure. Includes creating
the virtual environment, installing, building the store and loading the demo.
Target (issue 2): under 90 s on the 2-core machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ROOT, machine, save  # noqa: E402


def main() -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = Path(tempfile.mkdtemp(prefix="swp-clone-"))
    clone = tmp / "main"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {**os.environ, "SWP_DATA_DIR": str((ROOT / "../shared/data").resolve())}
    env.pop("SWP_STORE", None)
    log = open(tmp / "make-run.log", "w")  # noqa: SIM115 - the server writes to it until stopped
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    from playwright.sync_api import sync_playwright

    shown = None
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = b.new_page()
        while time.perf_counter() - t0 < 300 and proc.poll() is None:
            try:
                page.goto(f"http://127.0.0.1:{port}/", timeout=5000)
                page.get_by_text("Residents (Census 2021)").first.wait_for(timeout=15000)
                shown = time.perf_counter() - t0
                break
            except Exception:
                time.sleep(1)
        b.close()
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(20)
    log.close()
    result = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "make_run_to_overview_s": None if shown is None else round(shown, 1),
        "log_tail": (tmp / "make-run.log").read_text()[-1500:],
    }
    return save("make_run", result)


if __name__ == "__main__":
    main()
