"""Static ward choropleths for the pack, drawn without a browser (geopandas +
matplotlib's Agg backend): one PNG per priority, rate per 1,000 residents over
the last 12 months, suppressed wards hatched grey, ward names on the map."""

from __future__ import annotations

import io

import duckdb
import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # no display, no browser

import matplotlib.patheffects as pe  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from geo.boundaries import BNG, from_frame  # noqa: E402
from swp_data.report import performance  # noqa: E402
from swp_data.report.pack import common  # noqa: E402

CMAP = "YlOrRd"  # sequential, colour-blind-safe (ColorBrewer)


def _plain(text: object) -> str:
    """Data text as matplotlib shows it literally: no mathtext ($), no control characters."""
    return common.xml_safe(text).replace("$", r"\$")


def ward_shapes(con: duckdb.DuckDBPyConnection) -> gpd.GeoDataFrame:
    """The 20 May 2023 wards (display geometry, best-fit), in British National Grid."""
    df = con.execute("SELECT ward_code, ward_name, geom_display AS geom FROM ward ORDER BY ward_code").df()
    return from_frame(df).to_crs(BNG)


def ward_map_png(
    shapes: gpd.GeoDataFrame,
    key: str,
    label: str,
    *,
    report: performance.PerformanceReport,
    is_demo: bool,
    dpi: int = 110,
) -> bytes:
    """A PNG of one priority's ward rates (width 9 in, height 6.2 in)."""
    w = report.wards
    w = w[w["priority"] == key][["ward_code", "rate_per_1000", "suppressed"]] if w is not None and len(w) else None
    g = shapes.merge(w, on="ward_code", how="left") if w is not None else shapes.assign(rate_per_1000=float("nan"))
    if "suppressed" not in g:
        g["suppressed"] = False
    g["suppressed"] = g["suppressed"].fillna(False).astype(bool)
    # A bare Figure (no pyplot), on the base canvas whose draw_idle does nothing: drawn once, by savefig (Agg);
    # fixed axes instead of tight_layout (another draw).
    fig = Figure(figsize=(9, 6.2), dpi=dpi)
    ax = fig.add_axes((0.01, 0.04, 0.84, 0.88))
    cax = fig.add_axes((0.87, 0.2, 0.022, 0.6))
    ax.set_axis_off()
    shown = g[~g["suppressed"] & g["rate_per_1000"].notna()]
    hidden = g[g["suppressed"] | g["rate_per_1000"].isna()]
    if len(shown):
        shown.plot(
            column="rate_per_1000",
            cmap=CMAP,
            linewidth=0.6,
            edgecolor="#444444",
            ax=ax,
            legend=True,
            cax=cax,
            legend_kwds={"label": f"per 1,000 residents, {report.window}"},
        )
    else:
        cax.set_axis_off()
    if len(hidden):
        hidden.plot(color="#dddddd", hatch="///", edgecolor="#888888", linewidth=0.6, ax=ax)
        ax.legend(
            handles=[Patch(facecolor="#dddddd", hatch="///", edgecolor="#888888", label="suppressed or no figure")],
            loc="lower left",
            fontsize=8,
        )
    for r in g.itertuples(index=False):
        p = r.geometry.representative_point()
        ax.annotate(
            _plain(r.ward_name),
            (p.x, p.y),
            ha="center",
            va="center",
            fontsize=6.5,
            color="#111111",
            path_effects=[pe.withStroke(linewidth=2.2, foreground="white")],
        )
    ax.set_aspect("equal")
    ax.set_title(f"{_plain(label)}: rate per 1,000 residents by ward (best-fit ward boundaries)", fontsize=11)
    if is_demo:
        fig.text(0.5, 0.5, "DEMO DATA", fontsize=60, color="#C00000", alpha=0.18, ha="center", va="center", rotation=25)
    fig.text(0.01, 0.01, "Contains OS data © Crown copyright and database right.", fontsize=6, color="#555555")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def priority_maps(con: duckdb.DuckDBPyConnection, report: performance.PerformanceReport) -> dict[str, bytes]:
    """priority key -> PNG, for the priorities with ward figures to show."""
    if report.wards is None or report.wards.empty:
        return {}
    shapes = ward_shapes(con)
    w = report.wards
    shown = w[~w["suppressed"].astype(bool) & w["rate_per_1000"].notna()]
    keys = set(shown["priority"])  # a priority withheld in every ward (public version) gets no map
    return {
        r.priority.key: ward_map_png(
            shapes, r.priority.key, r.priority.label, report=report, is_demo=report.is_demo or r.is_demo
        )
        for r in report.rows
        if r.priority.key in keys
    }
