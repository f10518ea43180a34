"""``python -m swp_data fetch --peers``: other districts' monthly counts from the police.uk API.

For each district asked for (the command line passes the city's most similar places) and each month,
the records police.uk returns for the district's **generalised** boundary (the bundle's
``lad2024_england_wales_generalised.geojson``, simplified to about 100 points), counted by category,
replace that district's API counts for the month in ``crime_lad_month`` (force
:data:`API_FORCE_LABEL`). The boundaries are coarse: records near a district's edge may be counted in
the wrong district or missed, so these counts are labelled approximate; counts from imported police.uk
files (placed by police.uk's own LSOA codes) take precedence wherever both exist. One transaction per
district (its months), audited; analysts only. The requests go through the same polite client as
``fetch`` (:class:`swp_data.sources.fetch.Client`: rate limit, retries, splitting an area with too many
records).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence

import geopandas as gpd
import pandas as pd
import shapely

from swp_data import access, config, store, taxonomy
from swp_data.errors import InputError
from swp_data.sources import bundle
from swp_data.sources.fetch import Client, month_label, parse_month
from swp_data.store import audit

API_FORCE_LABEL = "police.uk API (approximate boundary)"
SIMPLIFY_DEG = 0.002  # about 150-200 m: the boundaries are generalised already


@dataclasses.dataclass
class PeerFetchResult:
    districts: list[str] = dataclasses.field(default_factory=list)
    months: list[str] = dataclasses.field(default_factory=list)
    records: int = 0
    requests: int = 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self) | {"approximate": True}

    def to_text(self) -> str:
        return (
            f"Fetched {len(self.months)} month(s) for {len(self.districts)} district(s) from police.uk "
            f"({self.records:,} records, {self.requests:,} requests); counted within generalised boundaries: "
            "approximate."
        )


def district_areas(codes: Sequence[str]) -> dict[str, list[list[tuple[float, float]]]]:
    """Rings of (lon, lat) of each district's generalised boundary, simplified."""
    p = bundle.path(bundle.FILES["nat_lad_geo"])
    try:
        g = gpd.read_file(p)
    except Exception as e:  # pyogrio raises several types
        raise InputError(p, f"unreadable GeoJSON ({str(e).splitlines()[0][:200]})") from None
    g = g.set_index(g["ltla24_code"].astype(str))
    out = {}
    for c in codes:
        if c not in g.index:
            raise InputError(p, f"no boundary for district {c}")
        geom = g.loc[c, "geometry"].simplify(SIMPLIFY_DEG)
        out[c] = [[(round(x, 6), round(y, 6)) for x, y in part.exterior.coords] for part in shapely.get_parts(geom)]
    return out


def default_months(con) -> list[str]:
    """The 12 months ending at the city's last month of records."""
    last = store.one(con, "SELECT max(month) FROM crime") if store.table_exists(con, "crime") else None
    if last is None:
        raise InputError(None, "no police.uk records are loaded for the city: give --since and --until")
    y, m = last.year, last.month
    out = []
    for _ in range(12):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _months(since: str, until: str) -> list[str]:
    a, b = dt.date(int(since[:4]), int(since[5:]), 1), dt.date(int(until[:4]), int(until[5:]), 1)
    if a > b:
        raise InputError(None, f"--since {since} is after --until {until}")
    out = []
    while a <= b:
        out.append(f"{a:%Y-%m}")
        a = dt.date(a.year + (a.month == 12), a.month % 12 + 1, 1)
    if len(out) > 36:
        raise InputError(None, f"{len(out)} months asked for: at most 36 at a time")
    return out


def fetch_peers(
    codes: Sequence[str],
    since: str | None = None,
    until: str | None = None,
    *,
    client: Client | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> PeerFetchResult:
    """Fetch and store the districts' monthly counts (analysts only). One line on any failure; the
    districts committed before it stay."""
    access.require_analyst("fetching other places' police.uk figures")
    codes = [c for c in dict.fromkeys(codes) if c != config.CITY_LAD]
    if not codes:
        raise InputError(None, "no district to fetch")
    with store.reading() as con:
        if since or until:
            if not (since and until):
                raise InputError(None, "give both --since and --until, or neither")
            months = _months(parse_month(since, "--since"), parse_month(until, "--until"))
        else:
            months = default_months(con)
    areas = district_areas(codes)
    say = progress or (lambda f, m: None)
    own = client is None
    client = client or Client()
    result = PeerFetchResult(months=months)
    try:
        for i, code in enumerate(codes):
            rows = []
            n_records = 0
            for j, month in enumerate(months):
                say((i * len(months) + j) / (len(codes) * len(months)), f"{code}: {month_label(month)}")
                records, _, _ = client.street_month(month, areas[code])
                n_records += len(records)
                cats = Counter(taxonomy.canonical(str(r.get("category"))) or str(r.get("category")) for r in records)
                first = dt.date(int(month[:4]), int(month[5:]), 1)
                rows += [(API_FORCE_LABEL, first, code, cat, n, False) for cat, n in cats.items()]
            df = pd.DataFrame(rows, columns=["force", "month", "lad24_code", "category", "n", "is_demo"])
            with store.transaction() as con:
                con.execute(
                    "DELETE FROM crime_lad_month WHERE force = ? AND lad24_code = ? AND list_contains(?, month)",
                    [API_FORCE_LABEL, code, [dt.date(int(m[:4]), int(m[5:]), 1) for m in months]],
                )
                if len(df):
                    con.register("_peer_rows", df)
                    try:
                        con.execute("INSERT INTO crime_lad_month SELECT * FROM _peer_rows")
                    finally:
                        con.unregister("_peer_rows")
                audit.record(
                    con,
                    "fetch",
                    dataset_id=f"peers:{code}",
                    rows=len(df),
                    detail=f"police.uk counts for {code}, {month_label(months[0])} to {month_label(months[-1])}: "
                    f"{n_records:,} records within its generalised boundary (approximate)",
                )
            result.districts.append(code)
            result.records += n_records
    finally:
        result.requests = client.requests
        if own:
            client.close()
    say(1.0, "Done")
    return result
