"""Command line (stable; see README.md):

    python -m swp_data build              reference tables from the bundle
    python -m swp_data import PATH... [--json] [--confirm-replace]
    python -m swp_data demo               write and import the demo dataset
    python -m swp_data datasets [--json]  the provenance table
    python -m swp_data audit [--json]     who changed what, when
    python -m swp_data ensure             build if needed; load the demo if no crime data
    python -m swp_data fetch [--since YYYY-MM] [--until YYYY-MM] [--peers] [--json]
                                          update police.uk records from the police.uk API
    python -m swp_data pack --to YYYY-MM --format pptx,pdf,html,docx --out DIR [--public] [--template FILE.pptx]
    python -m swp_data backup OUT [--json]  a consistent copy of the store, while the app runs
    python -m swp_data restore IN [--json]  replace the store by a backup (analyst; audited)
    python -m swp_data publish LINK [--keep N] [--json]  the store to a read-only instance (link switch)
    python -m swp_data evaluate --area NAME_OR_ID --start YYYY-MM [--end YYYY-MM] [--measure NAME] [--json]
                                          did it work? the area against matched comparison LSOAs
    python -m swp_data outcomes [--area CODE_OR_NAME] [--measure NAME] [--from YYYY-MM] [--to YYYY-MM] [--json]
                                          police.uk outcomes by month of offence
    python -m swp_data compare [--area CODE] [--json]  against the most similar places and England
    python -m swp_data meeting-record AGENDA_ID --out DIR [--format html,docx] [--json]
                                          a meeting's record: its agenda, decisions and actions

Exit status 0 on success; otherwise a one-line reason on stderr, store unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from swp_data import config
from swp_data.errors import InputError


def _cmd_build(args) -> int:
    from swp_data.sources.build import build

    counts = build()
    secs = counts.pop("_seconds")
    print(f"Built {config.store_path()} in {secs:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


def _cmd_ensure(args) -> int:
    from geo.assets import ensure_static
    from swp_data.sources.build import needs_build

    ensure_static(config.PROJECT_ROOT)  # before the server starts: Streamlit serves static/ if it exists

    why = needs_build()
    if why:
        print(f"Building the store ({why})...", flush=True)
        _cmd_build(args)
    else:
        print(f"Store {config.store_path()} is up to date.")
    try:
        from swp_data import demo
    except ImportError:  # pragma: no cover - before the demo module exists
        return 0
    if not demo.crime_loaded():
        t = time.perf_counter()
        print("No crime data loaded: loading the demo dataset (labelled demo)...", flush=True)
        demo.generate_and_import()
        print(f"Demo dataset loaded in {time.perf_counter() - t:.1f} s.")
    return 0


def _cmd_import(args) -> int:
    from swp_data.sources.imports import import_paths

    report = import_paths(args.paths, confirm_replace=args.confirm_replace)
    if args.json:
        print(json.dumps(report.to_dict(), default=str))
    else:
        print(report.to_text())
    return 0


def _cmd_demo(args) -> int:
    from swp_data import demo

    report = demo.generate_and_import(seed=args.seed)
    print(report.to_text() if hasattr(report, "to_text") else report)
    return 0


def _cmd_datasets(args) -> int:
    from swp_data import store

    with store.reading() as con:
        df = con.execute(
            "SELECT dataset_id, name, kind, is_demo, period_start, period_end, row_count, source, "
            "licence, loaded_at FROM dataset ORDER BY kind, dataset_id"
        ).df()
    if args.json:
        print(df.to_json(orient="records", date_format="iso"))
    else:
        for r in df.itertuples():
            label = "DEMO" if r.is_demo else "real"
            print(f"{r.dataset_id:<40} {label:<5} {r.kind:<11} {r.row_count:>10,}  {r.name}")
    return 0


def _cmd_audit(args) -> int:
    from swp_data import store
    from swp_data.store import audit

    limit = None
    if args.limit is not None:  # one line for a bad value (argparse would print its usage too)
        text = str(args.limit).strip()
        if not text.isdigit() or int(text) < 1:
            raise InputError(None, f"--limit {text[:20]!r}: give a whole number of changes, 1 or more")
        limit = int(text)
    with store.reading() as con:
        df = audit.entries(con, limit=limit)
    if args.json:
        print(df.to_json(orient="records", date_format="iso"))
        return 0
    if df.empty:
        print("No changes recorded.")
        return 0
    import pandas as pd

    for r in df.itertuples():
        rows = "" if pd.isna(r.rows) else f"{int(r.rows):,} rows"  # publish and restore record none
        what = " ".join(str(v) for v in (r.dataset_id, rows, r.detail) if not pd.isna(v) and v)
        print(f"{r.changed_at:%Y-%m-%d %H:%M:%S}  {r.who:<32} {r.action:<12} {what}")
    return 0


def _cmd_fetch(args) -> int:
    if args.peers:  # issue 18: the city's most similar places, from the API (approximate boundaries)
        return _cmd_fetch_peers(args)
    from swp_data.sources import fetch

    progress = None
    if not args.json and sys.stderr.isatty():  # month by month at a terminal; quiet under cron

        def progress(fraction: float, message: str) -> None:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    try:
        result = fetch.fetch(args.since, args.until, progress=progress)
    except InputError as e:
        partial = getattr(e, "partial", None)
        if args.json:  # what was done before the failure, and the failure; the one-line reason on stderr too
            print(json.dumps({**(partial.to_dict() if partial else {}), "error": str(e)}, default=str))
        elif partial is not None and partial.months_fetched:
            print(partial.to_text())
        raise
    if args.json:
        print(json.dumps(result.to_dict(), default=str))
    else:
        print(result.to_text())
    return 0


def _cmd_pack(args) -> int:
    from swp_data.report.pack import build_pack

    files = build_pack(args.format, args.out, to_month=args.to, public=args.public, template=args.template)
    for f in files:
        print(f)
    return 0


def _cmd_backup(args) -> int:
    from swp_data.store.backup import backup

    report = backup(args.out)
    print(json.dumps(report.to_dict()) if args.json else report.to_text())
    return 0


def _cmd_restore(args) -> int:
    from swp_data.store.backup import restore

    report = restore(args.backup)
    print(json.dumps(report.to_dict()) if args.json else report.to_text())
    return 0


def _cmd_publish(args) -> int:
    from swp_data.store.backup import publish

    report = publish(args.link, keep=args.keep)
    print(json.dumps(report.to_dict()) if args.json else report.to_text())
    return 0


def _cmd_evaluate(args) -> int:
    from swp_data import store
    from swp_data.actions import evaluate

    with store.reading() as con:
        ev = evaluate.evaluate_area(con, args.area, args.start, args.end, args.measure)
    print(json.dumps(ev.to_dict()) if args.json else evaluate.to_text(ev))
    return 0


def _cmd_outcomes(args) -> int:
    """Outcome groups of the crimes of a measure and area (months of offence)."""
    from swp_data import store
    from swp_data.analysis import outcomes

    with store.reading() as con:
        try:
            d = outcomes.summary_json(con, args.area, args.measure, args.from_, args.to)
        except ValueError as e:
            raise InputError(None, str(e)) from None
    print(json.dumps(d) if args.json else outcomes.summary_text(d, args.measure))
    return 0


def _cmd_fetch_peers(args) -> int:
    from swp_data import store
    from swp_data.places import peers
    from swp_data.sources import peer_fetch

    with store.reading() as con:
        codes = peers.nearest(con).codes
    result = peer_fetch.fetch_peers(codes, args.since, args.until)
    print(json.dumps(result.to_dict()) if args.json else result.to_text())
    return 0


def _cmd_compare(args) -> int:
    # Issue 18: the place against its most similar places and England (swp_data.places.benchmarks).
    from swp_data import store
    from swp_data.places import benchmarks

    with store.reading() as con:
        rep = benchmarks.report(con, args.area)
    print(json.dumps(rep) if args.json else benchmarks.report_text(rep))
    return 0


def _cmd_meeting_record(args) -> int:
    from swp_data import store
    from swp_data.meetings import record

    with store.reading() as con:
        files = record.export(con, args.agenda_id, args.out, args.format.split(","))
    if args.json:
        print(json.dumps({"agenda_id": args.agenda_id, "files": [str(f) for f in files]}))
    else:
        for f in files:
            print(f)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m swp_data", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build", help="build the reference tables from the bundle").set_defaults(func=_cmd_build)
    sub.add_parser("ensure", help="build if needed; load the demo if no crime data").set_defaults(func=_cmd_ensure)
    pi = sub.add_parser("import", help="import police.uk CSV/zip/JSON, partner or engagement CSVs")
    pi.add_argument("paths", nargs="+")
    pi.add_argument("--json", action="store_true")
    pi.add_argument(
        "--confirm-replace",
        action="store_true",
        help="replace a force's month even when the new files bring far fewer records than are loaded",
    )
    pi.set_defaults(func=_cmd_import)
    pd_ = sub.add_parser("demo", help="write and import the demo dataset")
    pd_.add_argument("--seed", type=int, default=2026)
    pd_.set_defaults(func=_cmd_demo)
    pl = sub.add_parser("datasets", help="list the provenance table")
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(func=_cmd_datasets)
    pa = sub.add_parser("audit", help="who changed what, when (newest first)")
    pa.add_argument("--json", action="store_true")
    pa.add_argument("--limit", default=None, help="only the newest N changes (1 or more)")
    pa.set_defaults(func=_cmd_audit)
    pf = sub.add_parser("fetch", help="update police.uk records from the police.uk API (SWP_POLICE_API)")
    pf.add_argument("--since", metavar="YYYY-MM", help="first month (default: the oldest the API offers)")
    pf.add_argument("--until", metavar="YYYY-MM", help="last month (default: the newest the API offers)")
    pf.add_argument(
        "--json", action="store_true", help="print one JSON object (months fetched and skipped, requests...)"
    )
    pf.add_argument(
        "--peers",
        action="store_true",
        help="the most similar places' monthly counts instead (generalised boundaries: approximate); "
        "default months: the city's last 12 loaded",
    )
    pf.set_defaults(func=_cmd_fetch)
    pp = sub.add_parser("pack", help="write the meeting pack (PowerPoint, PDF, HTML, Word annex)")
    pp.add_argument("--to", help="last month of the period, YYYY-MM (default: the last month loaded)")
    pp.add_argument("--format", default="pptx,pdf,html,docx", help="comma-separated: pptx,pdf,html,docx")
    pp.add_argument("--out", required=True, help="folder to write to (created if missing)")
    pp.add_argument("--public", action="store_true", help="the public version: small numbers suppressed")
    pp.add_argument("--template", help="the partnership's own PowerPoint template (.pptx)")
    pp.set_defaults(func=_cmd_pack)
    pb = sub.add_parser("backup", help="write a consistent copy of the store (safe while the app runs)")
    pb.add_argument("out", help="a new file, or a folder for swp-YYYYMMDD-HHMMSS.duckdb")
    pb.add_argument("--json", action="store_true")
    pb.set_defaults(func=_cmd_backup)
    pr = sub.add_parser("restore", help="replace the store by a backup (keeps the replaced store beside it)")
    pr.add_argument("backup", help="a file written by `backup`")
    pr.add_argument("--json", action="store_true")
    pr.set_defaults(func=_cmd_restore)
    pu = sub.add_parser("publish", help="publish the store to a read-only instance: a copy, then a link switch")
    pu.add_argument("link", help="the read-only instance's SWP_STORE, a symbolic link")
    pu.add_argument("--keep", type=int, default=3, help="published files to keep (default 3)")
    pu.add_argument("--json", action="store_true")
    pu.set_defaults(func=_cmd_publish)
    pe = sub.add_parser("evaluate", help="did it work? an area's change against matched comparison LSOAs")
    pe.add_argument("--area", required=True, help="an Impact Area (name or id), a ward (name or code) or LSOA codes")
    pe.add_argument("--start", required=True, metavar="YYYY-MM", help="the month the action started")
    pe.add_argument("--end", metavar="YYYY-MM", help="the last month after the start (default: the last loaded)")
    pe.add_argument("--measure", help="a police.uk grouping or category (default: All crime (excluding ASB))")
    pe.add_argument("--json", action="store_true", help="print one JSON object (rate_ratio, ci_low, ci_high, ...)")
    pe.set_defaults(func=_cmd_evaluate)
    po = sub.add_parser("outcomes", help="police.uk outcomes by month of offence (groups, shares, Wilson intervals)")
    po.add_argument("--area", help="a ward or Impact Area (code or name), or city (default)")
    po.add_argument("--measure", help="a strategy grouping or police.uk category (default: all crime excluding ASB)")
    po.add_argument("--from", dest="from_", metavar="YYYY-MM", help="first month of offence")
    po.add_argument("--to", metavar="YYYY-MM", help="last month of offence")
    po.add_argument("--json", action="store_true")
    po.set_defaults(func=_cmd_outcomes)
    pc = sub.add_parser("compare", help="the place against its 15 most similar places and England (IoD2025)")
    pc.add_argument(
        "--area", metavar="CODE", help="an English district (E06-E09) or CSP (E22) code (default: the city)"
    )
    pc.add_argument("--json", action="store_true", help="one JSON object: area, peers, indicators")
    pc.set_defaults(func=_cmd_compare)
    pm = sub.add_parser("meeting-record", help="write a meeting's record (agenda, decisions, actions) as HTML or Word")
    pm.add_argument("agenda_id", type=int, help="the agenda's number (the Meetings page shows it)")
    pm.add_argument("--out", required=True, help="folder to write to (created if missing), e.g. the pack's")
    pm.add_argument("--format", default="html,docx", help="comma-separated: html,docx (default both)")
    pm.add_argument("--json", action="store_true", help="print one JSON object: agenda_id, files")
    pm.set_defaults(func=_cmd_meeting_record)
    args = p.parse_args(argv)
    from swp_data import access

    try:
        # The command line acts as the operating-system user, who controls the server.
        with access.acting_as(access.os_actor()):
            return args.func(args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # A fetch or import in progress was rolled back; committed months stay.
        print("error: interrupted; the step in progress was undone (run it again to continue)", file=sys.stderr)
        return 130
