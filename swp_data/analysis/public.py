"""What the public site (``SWP_MODE=public``) may show of partner data (no Streamlit here).

Partner returns (domestic abuse, hate crime by ward or LSOA, from police and
council systems) are shared with the partnership, not published. The public
site shows partner measures only as the partnership has published them: the
``published:`` datasets of the bundle, whole city, financial years. Small
numbers elsewhere (survey answers by ward) are suppressed with
:func:`swp_data.analysis.stats.suppress_small`, always on in public mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from swp_data.analysis import disclosure
from swp_data.analysis.stats import _secondary_position

PUBLISHED_SOURCE = "Published (real)"  # crime.partner_series' source of published: datasets

NOTE = (
    "On the public site, domestic abuse and hate crime figures are shown only as the partnership publishes "
    "them: for the whole city, by financial year."
)


def published_partner(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`swp_data.analysis.crime.partner_series` result that come
    from published figures (whole city); partner returns are left out."""
    if frame.empty or "source" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["source"] == PUBLISHED_SOURCE].reset_index(drop=True)


def suppress_table(
    df: pd.DataFrame,
    count_col: str,
    dimensions: Sequence[Sequence[str]],
    threshold: int = 5,
) -> pd.DataFrame:
    """Small-number suppression of a table whose totals are shown along several
    ``dimensions`` (e.g. ``[["ward_code"], ["answer"]]``: each ward's total and
    each answer's city total are public). Returns a copy.

    Primary: 0 < count < ``threshold`` becomes NaN. Secondary, repeated until
    nothing changes: in any group of any dimension holding exactly one
    suppressed cell, the smallest other non-zero cell (else a zero) is
    suppressed too, so no shown total minus the shown cells reveals a small
    count. (:func:`swp_data.analysis.stats.suppress_small` protects one dimension; a
    survey answer by ward needs both.) A boolean column ``suppressed`` marks both kinds.
    """
    out = df.reset_index(drop=True).copy()
    counts = pd.to_numeric(out[count_col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    suppressed = (counts > 0) & (counts < threshold)
    groups = [
        np.asarray(g) for dim in dimensions for g in out.groupby(list(dim), dropna=False, sort=False).indices.values()
    ]
    changed = bool(suppressed.any())
    while changed:
        changed = False
        for positions in groups:
            if suppressed[positions].sum() != 1:
                continue
            extra = _secondary_position(counts[positions], suppressed[positions])
            if extra is not None:
                suppressed[positions[extra]] = True
                changed = True
    out[count_col] = np.where(suppressed, np.nan, counts)
    out["suppressed"] = suppressed
    return out


@dataclass(frozen=True)
class PublicSurvey:
    """What the public Engagement page shows of one survey question.

    ``cells``: one row per ward and answer (answers a ward never gave are
    added as zeros before suppressing), columns of
    :func:`swp_data.places.engagement_analysis.survey_by_ward` plus ``suppressed``
    (the cell is hidden) and ``ward_suppressed`` (the ward's total is
    hidden: its shares and intervals are hidden too, as they would give the
    total away). ``city_share``: each answer's city share in whole percent,
    as shown. ``respondents``: the city total, as shown."""

    cells: pd.DataFrame
    city_share: dict[str, float]
    respondents: int | None

    @property
    def hidden_wards(self) -> set[str]:
        return set(self.cells.loc[self.cells["ward_suppressed"], "ward_code"])


def shown_share(n: float, total: float) -> float:
    """A city share as the public page shows it: whole percent."""
    return float(f"{100.0 * n / total:.0f}") if total else float("nan")


def public_survey(sub: pd.DataFrame, threshold: int = 5) -> PublicSurvey:
    """Disclosure control for one survey question by ward (``sub``: the rows of
    :func:`swp_data.places.engagement_analysis.survey_by_ward` for one survey, period
    and question).

    The reader sees the shown cells, each shown ward total (hover text,
    representativeness), each answer's city share rounded to whole percent and
    the city total; :func:`swp_data.analysis.disclosure.protect` hides cells
    and ward totals until none of the hidden ones can be worked back to one value
    from those (an integer programme per hidden value). Ward totals under
    ``threshold`` are hidden."""
    keys = ["survey", "period", "question"]
    if sub.empty:
        return PublicSurvey(sub.assign(suppressed=False, ward_suppressed=False), {}, 0)
    head = sub.iloc[0]
    wards = sub.drop_duplicates("ward_code")[["ward_code", "ward_name"]]
    answers = list(dict.fromkeys(sub["answer"]))
    grid = wards.merge(pd.DataFrame({"answer": answers}), how="cross")
    full = grid.merge(sub.drop(columns=["ward_name"]), on=["ward_code", "answer"], how="left")
    for k in keys:
        full[k] = head[k]
    full["responses"] = full["responses"].fillna(0).astype("int64")
    full["ward_responses"] = full.groupby("ward_code")["responses"].transform("sum").astype("int64")
    counts = full.pivot(index="ward_code", columns="answer", values="responses").reindex(
        index=list(wards["ward_code"]), columns=answers
    )
    table = counts.to_numpy(dtype="int64")
    total = int(table.sum())
    col = table.sum(axis=0)
    shares = {a: shown_share(n, total) for a, n in zip(answers, col, strict=True)}
    bounds = np.array([disclosure.share_bounds(shares[a], total, 0) for a in answers])
    cell_hidden, row_hidden, withheld = disclosure.protect(table, threshold=threshold, col_bounds=bounds)
    respondents: int | None = total
    if withheld:  # too small to show by ward: no city shares either, and the total only if it pins nothing
        shares = dict.fromkeys(answers, float("nan"))
        nothing = disclosure.Shown(
            cells=np.where(cell_hidden, np.nan, table).astype(float),
            row_totals=np.where(row_hidden, np.nan, table.sum(axis=1)).astype(float),
            col_bounds=np.full((len(answers), 2), np.nan),
            grand_total=float(total),
        )
        if disclosure.pinned(nothing):
            respondents = None
    ward_pos = {w: i for i, w in enumerate(counts.index)}
    ans_pos = {a: j for j, a in enumerate(answers)}
    i = full["ward_code"].map(ward_pos).to_numpy()
    j = full["answer"].map(ans_pos).to_numpy()
    full["suppressed"] = cell_hidden[i, j]
    full["ward_suppressed"] = row_hidden[i]
    full["responses"] = full["responses"].astype("float64").mask(full["suppressed"])
    full["ward_responses"] = full["ward_responses"].astype("float64").mask(full["ward_suppressed"])
    # zero rows: share 0 with the Wilson interval of 0 of n
    zero = full["share"].isna() & full["ward_responses"].gt(0)
    if zero.any():
        from statsmodels.stats.proportion import proportion_confint

        n = full.loc[zero, "ward_responses"].to_numpy()
        lo, hi = proportion_confint(np.zeros(len(n)), n, alpha=0.05, method="wilson")
        full.loc[zero, ["share", "ci_low", "ci_high"]] = np.column_stack([np.zeros(len(n)), lo, hi])
    full.loc[full["suppressed"] | full["ward_suppressed"], ["share", "ci_low", "ci_high"]] = np.nan
    return PublicSurvey(full[[*sub.columns, "suppressed", "ward_suppressed"]], shares, respondents)


def public_representativeness(rep: pd.DataFrame, hidden_wards: set[str]) -> pd.DataFrame:
    """The representativeness table with the hidden wards' respondents (and
    everything computed from them) blank: see :func:`public_survey`."""
    out = rep.copy()
    hide = out["ward_code"].isin(hidden_wards)
    cols = [c for c in ("respondents", "respondent_share", "difference", "ratio") if c in out.columns]
    out[cols] = out[cols].astype("float64")
    out.loc[hide, cols] = np.nan
    return out


__all__ = [
    "NOTE",
    "PUBLISHED_SOURCE",
    "PublicSurvey",
    "public_representativeness",
    "public_survey",
    "published_partner",
    "shown_share",
    "suppress_table",
]
