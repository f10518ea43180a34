"""The data of Safer Wolverhampton Insight: its path from sources to reports.
No Streamlit here (the UI is ``ui/`` and ``pages/``); docs/architecture.md
says the same at more length, with the rules the code's comments cite.

Top-level modules, which any layer may use:
    config      where the bundle and the store live (SWP_DATA_DIR, SWP_STORE), licences, attribution
    errors      InputError: the one refusal users see (file, row, problem)
    periods     months, quarters, financial years: starts, labels, parsing
    taxonomy    police.uk categories, strategy groupings, harm weights; outcome groups (taxonomy.outcomes)
    fmt         numbers, p-values and data text formatted for people

Subpackages, lowest first; each imports only from itself, from lower layers
and from the modules above (tests/unit/test_layers.py checks it):
    access      who is acting, the server's mode, the roles file
    store       the DuckDB file (connections, schema, version), datasets and their deletion, audit,
                backup/restore/publish
    sources     what fills the store: the bundle and the build, imports (police.uk, partner, engagement, uploads,
                the shared table reader), the police.uk API fetch
    analysis    crime series and tests of change, the latest 12 months by LSOA, statistics, reference queries,
                what the public site may show
    places      Impact Areas and their files, place indicators, similar areas, clusters, priority, engagement by place
    actions     the action plan and "did it work?"
    report      performance against the strategy (priorities, targets, wording), CSV exports, the meeting pack
    meetings    agendas presented in meetings, decisions and actions noted
    demo        the reproducible demo dataset and demo Impact Areas, always labelled DEMO
and ``cli`` (``python -m swp_data``) on top of them all.
"""

LAYERS = ("access", "store", "sources", "analysis", "places", "actions", "report", "meetings", "demo")
