"""Disclosure control for a published two-way table (no Streamlit here).

A public table of counts (survey answers by ward) is shown with some cells
hidden. What a reader sees besides the shown cells — each row's total, each
column's city share (rounded as published), the grand total — are linear
constraints on the hidden cells. This module runs the reader's attack: for
every hidden cell (and every hidden row total) it minimises and maximises the
value over all non-negative integer tables that agree with everything shown
(a small integer programme, :func:`scipy.optimize.milp`). A cell whose
minimum equals its maximum is *pinned*: shown, in effect.

:func:`protect` adds complementary suppression (cells, then row totals) until
no hidden value is pinned. The attacker is given the rules: a hidden cell is
never zero (zeros are shown), so every hidden cell is at least 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["Shown", "hidden_ranges", "pinned", "protect", "share_bounds"]


@dataclass(frozen=True)
class Shown:
    """What a reader sees of an ``r x c`` table of counts.

    ``cells``: float array, NaN where hidden. ``row_totals``: float, NaN
    where hidden. ``col_bounds``: ``(c, 2)`` inclusive bounds on each
    column's total (equal for an exact total; from a rounded share see
    :func:`share_bounds`; ``-inf``/``inf`` when nothing is shown).
    ``grand_total``: None when not shown. ``hidden_min``: the least a hidden
    cell can hold (1: zeros are never hidden)."""

    cells: np.ndarray
    row_totals: np.ndarray
    col_bounds: np.ndarray
    grand_total: float | None = None
    hidden_min: int = 1
    _index: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", np.argwhere(np.isnan(self.cells)))


def share_bounds(share_shown: float, total: float, decimals: int = 0) -> tuple[float, float]:
    """Inclusive bounds on a count ``n`` from ``round(100 * n / total, decimals)`` shown as ``share_shown`` (%)."""
    half = 0.5 * 10.0 ** (-decimals)
    lo = max(0.0, (share_shown - half) * total / 100.0)
    hi = (share_shown + half) * total / 100.0
    return float(np.ceil(lo - 1e-9)), float(np.floor(hi + 1e-9))


def _system(s: Shown) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The linear constraints ``lb <= A x <= ub`` on the hidden cells ``x``."""
    idx = s._index
    rows, cols = s.cells.shape
    shown = np.nan_to_num(s.cells, nan=0.0)
    a_rows, lbs, ubs = [], [], []
    for i in range(rows):
        if np.isnan(s.row_totals[i]):
            continue
        a_rows.append((idx[:, 0] == i).astype(float))
        v = float(s.row_totals[i] - shown[i].sum())
        lbs.append(v)
        ubs.append(v)
    for j in range(cols):
        lo, hi = s.col_bounds[j]
        if not (np.isfinite(lo) or np.isfinite(hi)):
            continue
        a_rows.append((idx[:, 1] == j).astype(float))
        rest = float(shown[:, j].sum())
        lbs.append(lo - rest)
        ubs.append(hi - rest)
    if s.grand_total is not None:
        a_rows.append(np.ones(len(idx)))
        v = float(s.grand_total - shown.sum())
        lbs.append(v)
        ubs.append(v)
    if not a_rows:
        return np.zeros((0, len(idx))), np.zeros(0), np.zeros(0)
    return np.vstack(a_rows), np.asarray(lbs), np.asarray(ubs)


def _extreme(s: Shown, objective: np.ndarray, system: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[float, float]:
    a, lb, ub = system
    n = len(objective)
    cons = [LinearConstraint(a, lb, ub)] if len(a) else []
    bounds = Bounds(np.full(n, float(s.hidden_min)), np.full(n, np.inf))
    low = milp(objective, constraints=cons, integrality=np.ones(n), bounds=bounds)
    high = milp(-objective, constraints=cons, integrality=np.ones(n), bounds=bounds)
    if low.status != 0 or high.status not in (0, 3):  # the shown figures contradict the rules
        raise ValueError(f"the shown figures admit no table ({low.message}; {high.message})")
    hi = np.inf if high.status == 3 else round(-float(high.fun), 6)
    return round(float(low.fun), 6), hi


def hidden_ranges(s: Shown) -> list[tuple[str, tuple[int, ...], float, float]]:
    """For every hidden cell ``("cell", (i, j), min, max)`` and every hidden row
    total ``("row", (i,), min, max)``: the least and most it can be, given only what is shown."""
    idx = s._index
    system = _system(s)
    out: list[tuple[str, tuple[int, ...], float, float]] = []
    if len(idx) == 0:
        return out
    for k, (i, j) in enumerate(idx):
        obj = np.zeros(len(idx))
        obj[k] = 1.0
        lo, hi = _extreme(s, obj, system)
        out.append(("cell", (int(i), int(j)), lo, hi))
    shown = np.nan_to_num(s.cells, nan=0.0)
    for i in np.flatnonzero(np.isnan(s.row_totals)):
        obj = (idx[:, 0] == i).astype(float)
        base = float(shown[i].sum())
        if not obj.any():
            out.append(("row", (int(i),), base, base))
            continue
        lo, hi = _extreme(s, obj, system)
        out.append(("row", (int(i),), lo + base, hi + base))
    return out


def pinned(s: Shown) -> list[tuple[str, tuple[int, ...]]]:
    """The hidden cells and hidden row totals that what is shown narrows to one value.

    Same answer as reading :func:`hidden_ranges` (min == max), faster: every
    table the programmes find is kept, and a value that two kept tables
    disagree on is free without solving for it."""
    idx = s._index
    if len(idx) == 0:
        return []
    a, lb, ub = _system(s)
    n = len(idx)
    cons = [LinearConstraint(a, lb, ub)] if len(a) else []
    bounds = Bounds(np.full(n, float(s.hidden_min)), np.full(n, np.inf))
    pool: list[np.ndarray] = []
    targets: list[tuple[str, tuple[int, ...], np.ndarray]] = [
        ("cell", (int(i), int(j)), (np.arange(n) == k).astype(float)) for k, (i, j) in enumerate(idx)
    ]
    targets += [("row", (int(i),), (idx[:, 0] == i).astype(float)) for i in np.flatnonzero(np.isnan(s.row_totals))]
    out: list[tuple[str, tuple[int, ...]]] = []
    for kind, pos, obj in targets:
        if not obj.any():
            out.append((kind, pos))  # a hidden row total whose cells are all shown
            continue
        if len({round(float(obj @ x)) for x in pool}) > 1:
            continue
        values = []
        for sign in (1.0, -1.0):
            res = milp(sign * obj, constraints=cons, integrality=np.ones(n), bounds=bounds)
            if res.status == 3:  # unbounded above: free
                values.append(np.inf)
                continue
            if res.status != 0:
                raise ValueError(f"the shown figures admit no table ({res.message})")
            pool.append(np.round(res.x))
            values.append(round(float(obj @ res.x), 6))
        if values[0] == values[1]:
            out.append((kind, pos))
    return out


def _shown(
    counts: np.ndarray,
    cell_hidden: np.ndarray,
    row_hidden: np.ndarray,
    col_bounds: np.ndarray,
    grand_total: bool,
) -> Shown:
    return Shown(
        cells=np.where(cell_hidden, np.nan, counts).astype(float),
        row_totals=np.where(row_hidden, np.nan, counts.sum(axis=1)).astype(float),
        col_bounds=col_bounds,
        grand_total=float(counts.sum()) if grand_total else None,
    )


def _range_of(s: Shown, kind: str, pos: tuple[int, ...]) -> tuple[float, float]:
    """The least and most one hidden cell or row total can be (as in :func:`hidden_ranges`)."""
    idx = s._index
    shown = np.nan_to_num(s.cells, nan=0.0)
    if kind == "cell":
        obj = ((idx[:, 0] == pos[0]) & (idx[:, 1] == pos[1])).astype(float)
        base = 0.0
    else:
        obj = (idx[:, 0] == pos[0]).astype(float)
        base = float(shown[pos[0]].sum())
    if not obj.any():
        return base, base
    lo, hi = _extreme(s, obj, _system(s))
    return lo + base, hi + base


def _free(kind, pos, counts, cell_hidden, row_hidden, row_tot, frees) -> bool:
    """Hide one more cell or row total (in place) to free a pinned one; False if nothing is left to hide."""
    if kind == "cell":
        i, j = pos
        cand = [(int(counts[i, k]), (i, k)) for k in range(counts.shape[1]) if not cell_hidden[i, k]]
        cand += [(int(counts[k, j]), (k, j)) for k in range(counts.shape[0]) if not cell_hidden[k, j]]
        cand = sorted({c for c in cand if c[0] > 0})
        row_alone = bool(not row_hidden[i] and cell_hidden[i, :].sum() == 1)
        col_alone = bool(cell_hidden[:, j].sum() == 1)
        for alone, on_line in (
            (row_alone, [c for c in cand if c[1][0] == i]),
            (col_alone, [c for c in cand if c[1][1] == j]),
        ):
            if alone and on_line:  # the only hidden cell of a line with a shown total: hide the line's smallest
                cell_hidden[on_line[0][1]] = True
                return True
        for _n, (a, b) in cand:
            trial = cell_hidden.copy()
            trial[a, b] = True
            if frees(kind, pos, trial, row_hidden):
                cell_hidden[a, b] = True
                return True
        if cand:
            cell_hidden[cand[0][1]] = True
            return True
        if not row_hidden[i]:
            row_hidden[i] = True
            return True
        return False
    others = [(int(row_tot[k]), k) for k in range(len(row_tot)) if not row_hidden[k] and row_tot[k] > 0]
    if not others:
        return False
    row_hidden[min(others)[1]] = True
    return True


def protect(
    counts: np.ndarray,
    threshold: int = 5,
    col_bounds: np.ndarray | None = None,
    grand_total: bool = True,
    max_rounds: int = 500,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Which cells and which row totals of ``counts`` (non-negative integers,
    ``r x c``) to hide so that no hidden value is pinned by what stays shown.

    Primary: cells with ``0 < n < threshold`` and row totals with
    ``0 < total < threshold`` (and every non-zero cell of such a row).
    Complementary, one at a time until :func:`pinned` finds nothing: for a
    pinned cell, the smallest shown non-zero cell of its row or column whose
    hiding frees it (else the smallest of them; else its row's total); for a
    pinned row total, the smallest other shown non-zero row total. If nothing
    is left to hide, everything is hidden and ``withheld`` is True: the
    caller must then not show the column totals either. ``col_bounds`` as in
    :class:`Shown` (default: column totals shown exactly, the strongest
    reader). Returns ``(cell_hidden, row_hidden, withheld)``."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2 or (counts < 0).any():
        raise ValueError("counts must be a two-way table of non-negative integers")
    col_tot = counts.sum(axis=0).astype(float)
    bounds = np.column_stack([col_tot, col_tot]) if col_bounds is None else np.asarray(col_bounds, dtype=float)
    row_tot = counts.sum(axis=1)
    row_hidden = (row_tot > 0) & (row_tot < threshold)
    cell_hidden = ((counts > 0) & (counts < threshold)) | (row_hidden[:, None] & (counts > 0))

    def frees(kind: str, pos: tuple[int, ...], ch: np.ndarray, rh: np.ndarray) -> bool:
        lo, hi = _range_of(_shown(counts, ch, rh, bounds, grand_total), kind, pos)
        return lo != hi

    for _ in range(max_rounds):
        found = pinned(_shown(counts, cell_hidden, row_hidden, bounds, grand_total))
        if not found:
            return cell_hidden, row_hidden, False
        stuck = False
        for kind, pos in found:  # free each in turn; the next round checks them all again
            if not frees(kind, pos, cell_hidden, row_hidden):
                stuck = not _free(kind, pos, counts, cell_hidden, row_hidden, row_tot, frees)
                if stuck:
                    break
        if stuck:
            break  # nothing left that could free it: withhold the table
    return counts > 0, row_tot > 0, True
