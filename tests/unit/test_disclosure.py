"""Disclosure control of the public survey table: the attack (work the hidden
cells back from only what the public page shows) is run on a survey like the
one that broke the old rule, on generated tables, and on the demo survey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from swp_data import store
from swp_data.analysis import disclosure, public
from swp_data.places import engagement_analysis

ANSWERS = ["Very safe", "Fairly safe", "Neither", "Fairly unsafe", "Very unsafe"]


def _sub(table: np.ndarray, answers: list[str] | None = None, drop_zeros: bool = True) -> pd.DataFrame:
    """Rows as survey_by_ward gives them for one question (no row for an answer a ward never gave)."""
    answers = answers or [f"a{j}" for j in range(table.shape[1])]
    rows = []
    for i in range(table.shape[0]):
        n = int(table[i].sum())
        for j, a in enumerate(answers):
            k = int(table[i, j])
            if drop_zeros and k == 0:
                continue
            rows.append(
                {
                    "survey": "S",
                    "period": "2024",
                    "question": "Q",
                    "ward_code": f"E{i:02d}",
                    "ward_name": f"Ward {i}",
                    "answer": a,
                    "responses": k,
                    "ward_responses": n,
                    "share": k / n if n else np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                }
            )
    return pd.DataFrame(rows)


def attack(view: public.PublicSurvey, answers: list[str]) -> list[tuple[str, tuple[int, ...], float, float]]:
    """Everything the page, its CSVs and chart data show, as constraints; the
    least and most each hidden cell or hidden ward total can be."""
    cells = view.cells
    wards = list(dict.fromkeys(cells["ward_code"]))
    grid = cells.pivot(index="ward_code", columns="answer", values="responses").reindex(index=wards, columns=answers)
    row_totals = cells.groupby("ward_code", sort=False)["ward_responses"].first().reindex(wards)
    shown_total = view.respondents
    bounds = np.array(
        [
            disclosure.share_bounds(view.city_share[a], shown_total)
            if shown_total is not None and view.city_share[a] == view.city_share[a]
            else (np.nan, np.nan)
            for a in answers
        ]
    )
    shown = disclosure.Shown(
        cells=grid.to_numpy(dtype=float),
        row_totals=row_totals.to_numpy(dtype=float),
        col_bounds=bounds,
        grand_total=None if shown_total is None else float(shown_total),
    )
    return disclosure.hidden_ranges(shown)


def _issue_survey() -> np.ndarray:
    """20 wards x 5 answers, 11 small cells (1 to 4), one ward answering only once."""
    rng = np.random.default_rng(17)
    t = rng.integers(8, 60, size=(20, 5))
    small = [(0, 2), (0, 4), (1, 3), (2, 0), (4, 4), (6, 2), (9, 1), (11, 3), (13, 4), (16, 2), (19, 3)]
    for (i, j), v in zip(small, [1, 1, 4, 2, 3, 1, 2, 4, 1, 3, 2], strict=True):
        t[i, j] = v
    t[18] = [0, 0, 0, 3, 0]  # a ward with one answer row: its total would give it away
    return t


def _check(table: np.ndarray, answers: list[str]) -> public.PublicSurvey:
    view = public.public_survey(_sub(table, answers))
    ranges = attack(view, answers)
    pinned = [(k, p) for k, p, lo, hi in ranges if lo == hi]
    assert not pinned, f"pinned from what is shown: {pinned}"
    rows = [int(w[1:]) for w in dict.fromkeys(view.cells["ward_code"])]  # wards with answers, in order
    for kind, pos, lo, hi in ranges:  # the truth is one of the tables the reader cannot tell apart
        true = table[rows[pos[0]], pos[1]] if kind == "cell" else table[rows[pos[0]]].sum()
        assert lo <= true <= hi
    return view


def test_the_issue_survey_cannot_be_worked_back():
    table = _issue_survey()
    view = _check(table, ANSWERS)
    small = (table > 0) & (table < 5)
    assert small.sum() == 12  # the issue's 11 and the lone answer of ward 18
    cells = view.cells.set_index(["ward_code", "answer"])
    for i, j in zip(*np.nonzero(small), strict=True):
        assert cells.loc[(f"E{i:02d}", ANSWERS[j]), "suppressed"]
    assert "E18" in view.hidden_wards  # a ward total under 5 is not shown
    assert len(view.cells) == 100  # zero rows added before suppressing
    assert view.cells.loc[view.cells["suppressed"], ["responses", "share", "ci_low", "ci_high"]].isna().all().all()
    assert set(view.city_share.values()) <= set(range(101))  # whole percent, as shown


def test_the_old_rule_is_broken_by_the_same_attack():
    """The attack can fail a table: the previous two-way rule, with the ward totals
    and exact city shares the page showed, lets cells be pinned."""
    table = _issue_survey()
    sub = _sub(table, ANSWERS)
    old = public.suppress_table(sub, "responses", [["ward_code"], ["answer"]])
    wards = list(dict.fromkeys(sub["ward_code"]))
    grid = old.pivot(index="ward_code", columns="answer", values="responses").reindex(index=wards, columns=ANSWERS)
    grid = grid.where(
        ~(
            grid.isna()
            & ~old.pivot(index="ward_code", columns="answer", values="suppressed")
            .reindex(index=wards, columns=ANSWERS)
            .fillna(False)
            .astype(bool)
        ),
        0.0,
    )  # absent rows read as zeros
    col = table.sum(axis=0).astype(float)
    shown = disclosure.Shown(
        cells=grid.to_numpy(dtype=float),
        row_totals=table.sum(axis=1).astype(float),
        col_bounds=np.column_stack([col, col]),
        grand_total=float(table.sum()),
    )
    assert disclosure.pinned(shown)


@pytest.mark.parametrize("seed", range(10))
def test_generated_tables_cannot_be_worked_back(seed):
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(2, 14)), int(rng.integers(2, 6))
    table = rng.integers(0, 40, size=(rows, cols)) * (rng.random((rows, cols)) > 0.15)
    small = rng.random((rows, cols)) < 0.15
    table[small] = rng.integers(1, 5, size=int(small.sum()))
    _check(table, [f"a{j}" for j in range(cols)])


@pytest.mark.parametrize("seed", range(5))
def test_protect_holds_against_exact_column_totals(seed):
    """The strongest reader (every column total exact) pins nothing either."""
    rng = np.random.default_rng(100 + seed)
    table = rng.integers(5, 30, size=(int(rng.integers(3, 10)), 4))
    table[rng.random(table.shape) < 0.2] = rng.integers(1, 5)
    ch, rh, _ = disclosure.protect(table)
    col = table.sum(axis=0).astype(float)
    shown = disclosure.Shown(
        cells=np.where(ch, np.nan, table).astype(float),
        row_totals=np.where(rh, np.nan, table.sum(axis=1)).astype(float),
        col_bounds=np.column_stack([col, col]),
        grand_total=float(table.sum()),
    )
    assert not disclosure.pinned(shown)


def test_threshold_both_sides():
    """A count of 4 is hidden, 5 is shown; a ward total of 4 is hidden, of 5 shown."""
    rest = [[6, 25, 30], [20, 30, 25], [30, 20, 25]]
    ch, rh, _ = disclosure.protect(np.array([[4, 30, 20], *rest]))
    assert ch[0, 0] and not rh.any()
    ch, rh, _ = disclosure.protect(np.array([[5, 30, 20], *rest]))
    assert not ch.any() and not rh.any()
    ch, rh, _ = disclosure.protect(np.array([[0, 4, 0], *rest]))
    assert rh[0] and ch[0, 1]
    ch, rh, _ = disclosure.protect(np.array([[0, 5, 0], *rest]))
    assert not ch.any() and not rh.any()


def test_share_bounds_cover_the_rounding():
    for total in (7, 123, 2216):
        for n in range(total + 1):
            lo, hi = disclosure.share_bounds(public.shown_share(n, total), total)
            assert lo <= n <= hi


def test_the_demo_survey_as_the_page_shows_it(demo_store):
    with store.reading(demo_store) as con:
        sv = engagement_analysis.survey_by_ward(con)
        first = sv.iloc[0]
        view = engagement_analysis.public_survey_of(con, first["survey"], first["period"], first["question"])
    answers = list(dict.fromkeys(view.cells["answer"]))
    ranges = attack(view, answers)
    assert ranges and not [r for r in ranges if r[2] == r[3]]
