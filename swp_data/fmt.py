"""Formatting for people, one home for each idea: whole numbers ("1,234"),
p-values ("p = 0.03"), and text from data made inert in Markdown. Pages,
reports and the command line use these; month labels and spans are in
:mod:`swp_data.periods`.
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd


def fmt_int(n: float | int | None) -> str:
    """``1234`` -> ``"1,234"`` (rounded to a whole number); missing -> ``"–"``;
    infinite -> ``"∞"``."""
    if n is None or pd.isna(n):
        return "–"
    value = float(n)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{round(value):,}"


def fmt_p(p: float | None, *, prefix: bool = True, digits: int | None = None) -> str:
    """A p-value as people read it: "p < 0.001", "p = 0.004", "p = 0.03"
    (three decimals below 0.01, else two; ``digits`` fixes them);
    ``prefix=False`` gives the figure alone ("< 0.001", "0.030"), as tables
    print it; missing -> "–"."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if p < 0.001:
        body = "< 0.001"
    else:
        d = digits if digits is not None else (3 if p < 0.01 else 2)
        body = f"{p:.{d}f}"
    if not prefix:
        return body
    return f"p {body}" if body.startswith("<") else f"p = {body}"


# Markdown punctuation, and "@" and "/" with ":" and ".": a bare web or email address
# (https://evil.example, www.evil.example, x@evil.example) is not turned into a live link.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>:=@/])")


def md(text) -> str:
    """Text from data (an area or file name) made inert in Markdown: HTML-escaped
    and every Markdown punctuation mark backslash-escaped. Quotes stay as they
    are: "&#x27;" would have its "#" escaped and show as typed ("Don&#x27;t")."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))
