"""The shared sidebar: the geography level and area every page filters by,
and the data status under them (app.py draws it before the page runs)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from swp_data import access, config, fmt
from swp_data.analysis import reference
from swp_data.places import placenames
from ui import furniture, gateway, navigation

CITY = "Whole city"
LEVELS = {"lsoa": "LSOA", "ward": "Ward"}  # URL token -> the radio's label


@dataclass
class Filters:
    level: str = "lsoa"  # lsoa | ward (map and table level)
    area_kind: str = "city"  # city | ward | impact
    area_code: str | None = None
    area_label: str = CITY
    lsoa_codes: list[str] = field(default_factory=list)  # LSOAs in scope (all for the city)
    public_mode: bool = False

    def scope(self, df: pd.DataFrame, level: str | None = None) -> pd.DataFrame:
        """Rows of a table by ``code`` (LSOA or ward: ``level``, default the
        sidebar's) in the sidebar area; maps keep the whole city for context."""
        if self.area_kind == "city":
            return df
        if (level or self.level) == "lsoa":
            return df[df["code"].isin(self.lsoa_codes)]
        wards = set(gateway.q(reference.wards_of, tuple(self.lsoa_codes)))
        return df[df["code"].isin(wards)]


def _area_options() -> dict[str, tuple[str, str | None]]:
    opts: dict[str, tuple[str, str | None]] = {CITY: ("city", None)}
    for r in gateway.q(reference.area_choices).itertuples():
        if r.kind == "ward":
            opts[f"Ward: {r.name}"] = ("ward", r.code)
        else:
            opts[f"Impact Area: {r.name}" + (" (approximate)" if r.approximate else "")] = ("impact", r.code)
    return opts


def sidebar() -> None:
    """The shared sidebar; called by app.py before the page runs."""
    navigation.ensure_navigation()
    gateway.pin_store_version()  # this run reads the store as it is now
    with st.sidebar:
        st.markdown("### Filters")
        if not config.store_path().exists():
            st.error("The store is not built. Run `make run` (or `python -m swp_data build`).")
            return
        opts = _area_options()
        if st.session_state.get("area") not in opts:
            st.session_state["area"] = CITY
        _consistent_level(opts)
        all_opts, opts = opts, area_choices(opts, st.session_state.get("level"))
        places = gateway.q(placenames.place_table)
        st.selectbox(
            "Find a place",
            list(places["place"]),
            index=None,
            key="place_search",
            placeholder="Type a place, e.g. Whitmore Reans",
            on_change=_go_to_place,
            args=(places, all_opts),
            help="Wards, parts of ward names and the places the strategy names (Whitmore Reans, Low Hill...): "
            "choosing one sets the Area below to its Impact Area, or else its ward.",
        )
        if found := st.session_state.get("place_found"):
            st.caption(fmt.md(found))
        st.selectbox(
            "Area",
            list(opts),
            key="area",
            help="Limit figures to a ward or an Impact Area. Maps still show the whole city, "
            "with the chosen area outlined.",
        )
        st.radio(
            "Geography level",
            list(LEVELS.values()),
            key="level",
            horizontal=True,
            on_change=_level_changed,
            args=(all_opts,),
            format_func={LEVELS["lsoa"]: "Neighbourhoods", LEVELS["ward"]: "Wards"}.get,
            help="What maps and tables are drawn by, inside the Area above. Neighbourhoods (LSOAs): 161 small "
            "areas of about 1,600 residents (2021). Wards: the 20 wards of May 2023 (best-fit from LSOAs). "
            "By wards, the Area list offers wards only: an Impact Area is a set of neighbourhoods, not of wards.",
        )
        st.divider()
        _data_status()
        st.caption(config.ATTRIBUTION)


def area_choices(opts: dict[str, tuple[str, str | None]], level: str | None) -> dict[str, tuple[str, str | None]]:
    """The Area list for the geography level (issue 22, finding 4): by
    neighbourhoods, the city, the wards and the Impact Areas; by wards, the
    city and the wards only (an Impact Area is a set of neighbourhoods that
    cuts across wards: drawn by wards it would show whole wards it only
    touches)."""
    if level != LEVELS["ward"]:
        return opts
    return {label: v for label, v in opts.items() if v[0] != "impact"}


def _consistent_level(opts: dict[str, tuple[str, str | None]]) -> None:
    """An Impact Area chosen while the level is Wards (a link, "Find a
    place"): the area wins, drawn by its neighbourhoods."""
    ss = st.session_state
    if ss.get("level") == LEVELS["ward"] and opts.get(str(ss.get("area")), ("city", None))[0] == "impact":
        ss["level"] = LEVELS["lsoa"]


def _level_changed(opts: dict[str, tuple[str, str | None]]) -> None:
    """Wards chosen while an Impact Area is the Area: the whole city, by wards, and say so."""
    ss = st.session_state
    if ss.get("level") == LEVELS["ward"] and opts.get(str(ss.get("area")), ("city", None))[0] == "impact":
        ss["place_found"] = f"{ss['area']} is drawn by neighbourhoods only: showing the whole city by ward."
        ss["area"] = CITY


def _go_to_place(places: pd.DataFrame, opts: dict[str, tuple[str, str | None]]) -> None:
    """ "Find a place": set the sidebar's Area to the place's Impact Area (one
    carrying its name first), or else its ward, and say where it is."""
    ss = st.session_state
    place = ss.get("place_search")
    hit = places[places["place"] == place]
    if place is None or hit.empty:
        ss.pop("place_found", None)
        return
    row = hit.iloc[0]
    by_code = {v: k for k, v in opts.items()}
    ia = sorted(row["impact_areas"], key=lambda a: place.casefold() not in a[1].casefold())
    target = by_code.get(("impact", ia[0][0])) if ia and row["how"] != "ward" else None
    if target is None and pd.notna(row["ward_code"]):
        target = by_code.get(("ward", row["ward_code"]))
    if target is not None:
        ss["area"] = target
    ss["place_found"] = placenames.describe(row) + (f". Showing {target}." if target else ".")


def filters() -> Filters:
    ss = st.session_state
    level = "ward" if ss.get("level") == LEVELS["ward"] else "lsoa"
    label = ss.get("area", CITY)
    opts = _area_options() if config.store_path().exists() else {CITY: ("city", None)}
    kind, code = opts.get(label, ("city", None))
    codes = gateway.q(reference.area_lsoas, kind, code)
    if kind == "city":
        label = CITY
    return Filters(
        level=level,
        area_kind=kind,
        area_code=code,
        area_label=label,
        lsoa_codes=list(codes),
        public_mode=access.mode() == "public",  # the server's mode (SWP_MODE), never a control on the page
    )


def _data_status() -> None:
    ds = furniture.datasets()
    demo = ds[ds["is_demo"]]
    if len(demo):
        st.warning(
            f"**Demo data loaded** ({len(demo)} dataset(s)). Figures marked DEMO are synthetic.",
            icon=":material/science:",
        )
    crime = ds[ds["kind"] == "police_uk"]
    if len(crime):
        last = pd.to_datetime(crime["period_end"]).max()
        st.caption(f"Crime records to {last:%b %Y}." if pd.notna(last) else "")
