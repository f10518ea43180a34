"""The meeting pack's "how we compare" section (issue 18): the city against its most similar places and
England on the IoD2025 police recorded crime indicators and, when other districts' police.uk counts are
loaded, per priority. Worded once here; the PowerPoint, HTML/PDF and Word writers lay it out."""

from __future__ import annotations

import duckdb

from swp_data.places import benchmarks, peer_police, peers

TITLE = "How we compare: the most similar places and England"
COLUMNS = ("Indicator (IoD2025)", "City", "Peers (pooled)", "England", "Rank of 16", "Against the peers")
POLICE_COLUMNS = ("Priority (police.uk)", "City per 1,000", "Peers per 1,000", "Peers with data", "Rank", "Verdict")

NOTES = [
    "Most similar places: the 15 English districts nearest to the city on twelve context variables (never crime): "
    "IoD2025 Income, Employment, Education and Barriers domain scores, spread of deprivation, % terraced, % flats, "
    "% social rented, % aged 16-24, % households deprived in 2+ dimensions (Census 2021), population and density; "
    "standardised, weighted Euclidean distance rebased to 0-1 (match = 1 - distance). Not the Home Office's most "
    "similar group; groups are not symmetric.",
    "IoD2025 crime indicators: rates per 1,000 at-risk residents (households for burglary), averages over the "
    "index's reference years; a place's rate pools its LSOAs' rates weighted by Census 2021 residents (households "
    "for burglary), the at-risk denominators not being published. Peers' and England's rates are pooled.",
    "Verdicts (Fingertips practice; low is good): similar when the benchmark lies inside the 95% interval (Byar's "
    "method, exact Poisson below 10 events), higher or lower beyond it, significantly higher or lower beyond "
    "99.8%. Rank 1 is the highest rate of the group.",
    "police.uk: recorded crime moved to anonymised points; a district's count is the records police.uk placed "
    "in its LSOAs; rates per 1,000 Census 2021 residents over the last 12 months loaded for the city and a peer.",
]


def section(con: duckdb.DuckDBPyConnection) -> dict | None:
    """What the writers show; None when the store has no national tables (built before issue 18)."""
    if not peers.has_national(con):
        return None
    rep = benchmarks.report(con)
    g = peers.nearest(con)
    rows = [
        (
            benchmarks.LABELS[r["indicator"]],
            f"{r['area_rate']:,.2f}",
            f"{r['peer_rate']:,.2f}",
            f"{r['england_rate']:,.2f}",
            str(r["rank_in_group"]),
            r["verdict"],
        )
        for r in rep["indicators"]
    ]
    ind = benchmarks.indicators(con)
    lead = benchmarks.summary_sentence(ind, g.place.name)
    peer_names = ", ".join(f"{p['name']} ({p['match']:.2f})" for p in rep["peers"])
    police_rows: list[tuple[str, ...]] = []
    police_window = ""
    police_demo = False
    if peer_police.loaded(con):
        pol = peer_police.comparison(con)
        for r in pol.itertuples():
            police_rows.append(
                (
                    str(r.priority) + (" (DEMO)" if r.is_demo else ""),
                    f"{r.city_rate:,.2f}",
                    "–" if r.peer_rate != r.peer_rate else f"{r.peer_rate:,.2f}",
                    str(r.peers_with_data),
                    f"{r.rank_in_group} of {r.group_size}",
                    str(r.verdict),
                )
            )
            police_window = f"{r.from_month:%b %Y} to {r.to_month:%b %Y}"
            police_demo = police_demo or bool(r.is_demo)
    return {
        "title": TITLE,
        "lead": lead,
        "peers": f"Most similar places (match 0-1): {peer_names}.",
        "rows": rows,
        "police_rows": police_rows,
        "police_window": police_window,
        "police_demo": police_demo,
        "notes": NOTES,
    }
