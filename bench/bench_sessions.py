"""Twenty people at once (issue 10): sessions over Streamlit's websocket on the
Overview, Trends and Crime map while the month's data is imported.

    .venv/bin/python bench/bench_sessions.py [--sessions 20] [--rounds 3]

Starts ``streamlit run app.py`` on a free loopback port with a private demo
store. First one session alone runs each page (warm-up, then ``--single``
timed runs): the reference. Then N sessions (bench/stclient.py: what a
browser tab costs the server, without the browser) each run the three pages
``--rounds`` times, starting together; when a third of those runs have
finished, another process imports a new Sep 2026 month (the demo generator's
month with another seed, imported labelled demo, so the figures of the last
12 months change) as the analyst would from the command line.

Checked: no session errors (exception shown, run not finished); every run
shows exactly the page as it was before the import or as it is after it,
never a mix (metrics and texts compared whole); afterwards every session shows
the new figures. Reported: p50/p95 seconds until each page's script has
finished, alone and under load; the server's CPU seconds during the load.
Target: p95 under 5 s for 20 sessions on 2 cores, no errors.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stclient import Run, Session, start_server  # noqa: E402

PAGES = {"": "Overview", "trends": "Trends", "crime_map": "Crime map"}
MONTH = "2026-09"  # the demo's last month: in every page's last 12 months

# The import, in another process, as the analyst's command line would run it;
# labelled demo because the file is generated (never a made-up figure as real).
IMPORT_CODE = (
    "import sys\n"
    "from pathlib import Path\n"
    "from swp_data import access\n"
    "from swp_data.sources import imports\n"
    "with access.acting_as(access.os_actor()):\n"
    "    imports.import_paths([Path(sys.argv[1])], is_demo=True)\n"
)


def month_file(folder: Path, store: Path, seed: int = 7) -> Path:
    """The demo's Sep 2026 street file drawn with another seed (other counts)."""
    from swp_data import demo

    cfg = dataclasses.replace(demo.DEMO_CONFIG, start=MONTH, end=MONTH)
    (path,) = demo.write_police_uk(folder, seed=seed, cfg=cfg, ref=demo.load_reference(store))
    return path


def signature(run: Run) -> tuple:
    """What the page shows: its metrics and texts (readable), and a digest of
    every element (charts, tables and maps too)."""
    return tuple(sorted(run.metrics().items())), tuple(run.texts()), tuple(sorted(run.element_digests().items()))


@dataclass
class Record:
    session: int
    page: str
    start: float
    end: float
    seconds: float
    errors: list[str]
    sig: tuple
    round: int = 0  # 0: every session's first page at once (people opening the app); then back to back


@dataclass
class Outcome:
    single: dict[str, list[float]]
    before: dict[str, tuple]
    after: dict[str, tuple]
    records: list[Record]
    final: list[Record]
    import_start: float
    import_end: float
    import_error: str | None
    cpu_seconds: float
    wall_seconds: float
    hung: int = 0
    notes: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        out = [e for r in self.records + self.final for e in r.errors]
        if self.import_error:
            out.append(f"import: {self.import_error}")
        if self.hung:
            out.append(f"{self.hung} session thread(s) did not finish")
        return out

    def mixed(self) -> list[Record]:
        """Runs that showed neither the page before the import nor after it."""
        return [r for r in self.records if not r.errors and r.sig not in (self.before[r.page], self.after[r.page])]

    def explain(self, r: Record) -> str:
        """Which parts of a run's page were as before the import, and which as after."""
        parts = []
        for i, name in enumerate(("metrics", "texts", "elements")):
            side = "old" if r.sig[i] == self.before[r.page][i] else "new" if r.sig[i] == self.after[r.page][i] else "?"
            parts.append(f"{name} {side}")
        old, new = dict(self.before[r.page][2]), dict(self.after[r.page][2])
        odd = [f"{k}:{v[0]}" for k, v in r.sig[2] if v != old.get(k) and v != new.get(k)]
        mixed = [f"{k}:{v[0]}={'old' if v == old.get(k) else 'new'}" for k, v in r.sig[2] if old.get(k) != new.get(k)]
        parts.append(f"elements as neither {odd[:5]}, changed by the import {mixed[:12]}")
        mine = {k for k, _ in r.sig[2]}
        parts.append(f"missing {sorted(set(old) - mine)[:5]}, extra {sorted(mine - set(old) - set(new))[:5]}")
        window = f"{r.start:.1f}-{r.end:.1f} s, import {self.import_start:.1f}-{self.import_end:.1f} s"
        return f"session {r.session} {PAGES[r.page]} ({window}): " + ", ".join(parts)

    def stale_after(self) -> list[Record]:
        """Runs that began after the import had committed yet showed old figures,
        and the final runs that did not show the new ones."""
        late = [r for r in self.records if r.start > self.import_end and r.sig != self.after[r.page]]
        return late + [r for r in self.final if r.sig != self.after[r.page]]

    def changed_pages(self) -> list[str]:
        return [p for p in self.before if self.before[p] != self.after[p]]


def run_load(
    url: str,
    month_path: Path,
    store_path: Path,
    *,
    sessions: int,
    rounds: int,
    single_runs: int = 3,
    timeout: float = 120.0,
    cpu=lambda: 0.0,
) -> Outcome:
    import os

    pages = list(PAGES)
    single: dict[str, list[float]] = {p: [] for p in pages}
    before: dict[str, tuple] = {}
    with Session(url) as s:
        for p in pages:
            s.run(p, timeout=timeout)  # warm-up: imports, first queries, caches
            for _ in range(single_runs):
                r = s.run(p, timeout=timeout)
                if r.errors:
                    raise RuntimeError(f"single session: {r.errors}")
                single[p].append(r.seconds)
                before[p] = signature(r)

    conns = [Session(url) for _ in range(sessions)]
    records: list[Record] = []
    lock = threading.Lock()
    total = sessions * rounds * len(pages)
    third_done = threading.Event()
    go = threading.Barrier(sessions + 1, timeout=timeout)
    t0 = time.perf_counter()

    def session_loop(i: int) -> None:
        s = conns[i]
        order = pages[i % len(pages) :] + pages[: i % len(pages)]
        go.wait()
        for rnd in range(rounds):
            for j, p in enumerate(order):
                start = time.perf_counter() - t0
                try:
                    r = s.run(p, timeout=timeout)
                    rec = Record(
                        i, p, start, start + r.seconds, r.seconds, r.errors, signature(r), rnd * len(pages) + j
                    )
                except Exception as e:  # the connection failed: an error of this session, not of the bench
                    end = time.perf_counter() - t0
                    err = [f"{PAGES[p]}: {type(e).__name__}: {e}"[:300]]
                    rec = Record(i, p, start, end, end - start, err, (), rnd * len(pages) + j)
                with lock:
                    records.append(rec)
                    if len(records) >= total // 3:
                        third_done.set()

    imp: dict = {"start": 0.0, "end": 0.0, "error": None}

    def importer() -> None:
        third_done.wait(timeout)
        imp["start"] = time.perf_counter() - t0
        env = {**os.environ, "SWP_STORE": str(store_path)}
        root = Path(__file__).resolve().parents[1]
        p = subprocess.run(
            [sys.executable, "-c", IMPORT_CODE, str(month_path)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        imp["end"] = time.perf_counter() - t0
        if p.returncode != 0:
            imp["error"] = (p.stderr.strip().splitlines() or [f"exit status {p.returncode}"])[-1]

    threads = [threading.Thread(target=session_loop, args=(i,), daemon=True) for i in range(sessions)]
    threads.append(threading.Thread(target=importer, daemon=True))
    for t in threads:
        t.start()
    cpu0 = cpu()
    go.wait()
    deadline = time.monotonic() + timeout * rounds * len(pages)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    hung = sum(t.is_alive() for t in threads)
    wall = time.perf_counter() - t0
    cpu_used = cpu() - cpu0

    final: list[Record] = []
    for i, s in enumerate(conns):
        if threads[i].is_alive():  # still in a run (counted as hung): leave its connection alone
            continue
        for p in pages:
            r = s.run(p, timeout=timeout)
            final.append(Record(i, p, 0.0, r.seconds, r.seconds, r.errors, signature(r)))
        s.close()
    after: dict[str, tuple] = {}
    with Session(url) as s:
        for p in pages:
            after[p] = signature(s.run(p, timeout=timeout))
    return Outcome(single, before, after, records, final, imp["start"], imp["end"], imp["error"], cpu_used, wall, hung)


def percentile(xs: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(xs, q)) if xs else float("nan")


def summary(o: Outcome, sessions: int) -> dict:
    res: dict = {"sessions": sessions, "pages": {}}
    for p, name in PAGES.items():
        load = [r.seconds for r in o.records if r.page == p and not r.errors]
        res["pages"][name] = {
            "single_p50_s": round(percentile(o.single[p], 50), 3),
            "load_p50_s": round(percentile(load, 50), 3),
            "load_p95_s": round(percentile(load, 95), 3),
            "load_max_s": round(max(load, default=float("nan")), 3),
            "runs": len(load),
            "changed_by_import": o.before[p] != o.after[p],
        }
    first = [r.seconds for r in o.records if r.round == 0 and not r.errors]
    res["opening_at_once"] = {  # each session's first run, all started together
        "p50_s": round(percentile(first, 50), 3),
        "p95_s": round(percentile(first, 95), 3),
        "max_s": round(max(first, default=float("nan")), 3),
    }
    all_load = [r.seconds for r in o.records if not r.errors]
    res["all_pages_load_p95_s"] = round(percentile(all_load, 95), 3)
    res["errors"] = o.errors()[:20]
    res["error_count"] = len(o.errors())
    res["mixed_runs"] = len(o.mixed())
    res["stale_after_commit"] = len(o.stale_after())
    res["import_s"] = round(o.import_end - o.import_start, 2)
    res["runs_overlapping_import"] = sum(r.end > o.import_start and r.start < o.import_end for r in o.records)
    res["server_cpu_s"] = round(o.cpu_seconds, 1)
    res["server_cpu_s_per_run"] = round(o.cpu_seconds / max(1, len(o.records)), 3)
    res["wall_s"] = round(o.wall_seconds, 1)
    res["target_p95_under_5s"] = res["all_pages_load_p95_s"] < 5.0 and not o.errors()
    return res


def main() -> None:
    from bench.common import machine, private_store, save

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--single", type=int, default=3, help="timed runs per page for the one-session reference")
    ap.add_argument("--store", type=Path, help="copy this demo store instead of building one (about 1 min)")
    a = ap.parse_args()
    with contextlib.nullcontext(a.store) if a.store else private_store(demo=True) as built:
        d = Path(tempfile.mkdtemp(prefix="swp-sessions-"))
        try:
            store = d / "swp.duckdb"
            shutil.copy(built, store)
            month = month_file(d / "month", store)
            srv = start_server(store)
            try:
                o = run_load(
                    srv.url,
                    month,
                    store,
                    sessions=a.sessions,
                    rounds=a.rounds,
                    single_runs=a.single,
                    cpu=srv.cpu_seconds,
                )
            finally:
                srv.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)
    res = summary(o, a.sessions)
    res["machine"] = machine()
    res["rounds"] = a.rounds
    save("sessions", res)


if __name__ == "__main__":
    main()
