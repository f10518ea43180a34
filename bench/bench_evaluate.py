"""Benchmark of "did it work?" (issue 20): one evaluation with its placebo and
displacement on the demo data (what the Action plan page computes once per
choice, then caches), the parts of it, and `python -m swp_data evaluate` as a
fresh process (imports included).

    .venv/bin/python bench/bench_evaluate.py [--repeat 5]

Results in bench/out/evaluate.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import git_rev, machine, private_store, save, timeit  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import numpy as np

    from swp_data import store
    from swp_data.actions import evaluate

    with private_store(demo=True) as path:
        res: dict = {"machine": machine(), "git": git_rev(), "date": time.strftime("%Y-%m-%d")}
        with store.reading() as con:
            label, codes = evaluate.resolve_area(con, "Whitmore Reans")
            evaluate.evaluate_codes(con, codes, "2025-01", label=label)  # warm up

            def full():
                evaluate.evaluate_codes(con, codes, "2025-01", measure="Burglary", label=label)

            def bare():
                evaluate.evaluate_codes(
                    con, codes, "2025-01", measure="Burglary", label=label, placebo=False, displacement=False
                )

            res["full_s"], _ = timeit(full, args.repeat)
            res["no_placebo_no_displacement_s"], _ = timeit(bare, args.repeat)
            res["ring_s"], _ = timeit(lambda: evaluate.ring_of(con, codes), args.repeat)
        rng = np.random.default_rng(0)
        a, c = rng.poisson(40, 45), rng.poisson(320, 45)
        post = np.arange(45) >= 24
        res["did_model_ms"] = 1000 * timeit(lambda: evaluate.did_model(a, c, post), 50)[0]
        env = {**os.environ, "SWP_STORE": str(path)}
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "swp_data", "evaluate", "--area", "Whitmore Reans", "--start", "2025-01", "--json"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        res["cli_process_s"] = time.perf_counter() - t
    save("evaluate", res)


if __name__ == "__main__":
    main()
