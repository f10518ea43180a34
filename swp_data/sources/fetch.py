"""Update police.uk street records from the police.uk API (no Streamlit here).

``python -m swp_data fetch`` and the Data page's "Update from police.uk" call
:func:`fetch`. It asks the API which months exist (``/crimes-street-dates``)
and when its crime data were last updated (``/crime-last-updated``: a date
whose month is what counts; it changes with each monthly release), then
fetches every month in range that is not loaded yet, or that was loaded from
an older release of the API (police.uk republishes every month's outcomes with
each release), and imports each month on its own, through the same import path
as API JSON files (:func:`swp_data.sources.imports.import_paths`): placed by
coordinates, one transaction per month, a month replacing whatever was loaded
for it (demo or real). An interrupted fetch keeps the months already committed;
running it again continues where it stopped.

Requests (police.uk's documentation, https://data.police.uk/docs/):

* ``POST /crimes-street/all-crime`` with ``poly=lat,lng:lat,lng:...`` and
  ``date=YYYY-MM`` (a form body, so the polygon's length is no limit). The
  area is the city boundary, buffered and simplified to about 150 points
  (:func:`city_area`), so every city record is inside it; the import keeps
  only the records in the city.
* The API answers HTTP 503 when an area holds more than 10,000 records: the
  area is then split in two across its longer side and each half asked again
  (:data:`MAX_SPLIT_DEPTH` times at most). A record on a split line comes back
  in both halves: records are de-duplicated on the API's ``id``.
* At most :data:`RATE` requests a second, bursts of :data:`BURST`
  (:class:`TokenBucket`); 429 and 5xx answers, timeouts and dropped
  connections are tried again after a growing pause (``Retry-After`` honoured
  up to :data:`MAX_WAIT` seconds), :data:`TRIES` tries at most; a timeout on
  every request; a User-Agent naming the app. Proxies come from the usual
  environment variables (``HTTPS_PROXY``...), as ``requests`` reads them.

Outcomes: each record's ``outcome_status`` (its latest outcome and the month
it was recorded) comes with the crimes and enters the crime's outcome history
on import (:mod:`swp_data.sources.policeuk.outcomes`): no request more, where
``outcomes-for-crime`` would cost one per crime (about 2,500 a month, over
three minutes at the rate limit); a later release's fetch adds the next entry.

The base address is ``SWP_POLICE_API`` (default ``https://data.police.uk/api``).
Per-month state lives in the ``police_fetch`` table (written in the month's
own transaction; its DDL is in :data:`swp_data.store.DATA_TABLES_DDL`): the
API release the month came from and the rows it left.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import queue
import re
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import requests
import shapely

from swp_data import access, periods, store
from swp_data.errors import InputError
from swp_data.sources import imports, policeuk
from swp_data.sources.policeuk.reading import api_record
from swp_data.store import audit

DEFAULT_API = "https://data.police.uk/api"
USER_AGENT = "SaferWolverhamptonInsight/1.0 (Safer Wolverhampton Partnership dashboard; police.uk monthly update)"
RATE = 15.0  # requests per second (police.uk's documented limit)
BURST = 30
TRIES = 5  # per request, the first included
BACKOFF = 0.5  # seconds before the 2nd try; doubles each try
MAX_WAIT = 30.0  # longest pause between tries, Retry-After included
TIMEOUT = (10.0, 60.0)  # connect, read (seconds)
# An area refused for too many records is halved at most this many times (16
# parts): the city has about 2,500 records a month, so a part still refused
# means the service itself is refusing (police.uk answers 503 in both cases).
MAX_SPLIT_DEPTH = 4
MAX_ANSWER_BYTES = 64 * 2**20  # 10,000 records (police.uk's most per answer) are about 6 MB
REQUEST_DEADLINE = 120.0  # seconds for one request, the whole answer read (a server dripping bytes is cut off)
RUN_DEADLINE = 30 * 60.0  # seconds for a whole update (every month, every retry)
MAX_MONTH_RECORDS = 50_000  # the city has about 2,500 records a month; checked as the parts of a month arrive
MAX_REDIRECTS = 3  # to the same host only, and only for GET: a request body is never re-sent elsewhere
AREA_TOLERANCE_M = 50.0  # city boundary buffered then simplified by this much (metres)
FETCH_FORCES = (policeuk.API_FORCE, policeuk.API_BTP_FORCE)


Progress = Callable[[float, str], None]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def api_base() -> str:
    """``SWP_POLICE_API`` without a trailing slash (read every time: tests change it)."""
    return (os.environ.get("SWP_POLICE_API") or DEFAULT_API).strip().rstrip("/")


def month_label(month: str) -> str:
    """'2018-06' -> 'Jun 2018'."""
    return periods.fmt_month(pd.Timestamp(month + "-01"))


def parse_month(text: str, what: str) -> str:
    """'YYYY-MM' checked, or InputError naming ``what``."""
    ts = periods.parse_month(text)
    if ts is None:
        raise InputError(None, f"{what} must be a month like 2024-01, not {str(text)[:40]!r}")
    return f"{ts:%Y-%m}"


class FetchError(InputError):
    """A fetch problem: ``str()`` is one line naming the month (or the request) and the problem."""


class _TooMany(Exception):
    """HTTP 503 without Retry-After on a street query: the area holds too many records."""


# ----------------------------------------------------------------------------- politeness
class TokenBucket:
    """At most ``rate`` requests a second on average, ``burst`` at once.
    Thread-safe; ``clock`` and ``sleep`` can be replaced in tests."""

    def __init__(self, rate: float = RATE, burst: int = BURST, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.burst = float(rate), float(burst)
        self.clock, self.sleep = clock, sleep
        self.tokens = float(burst)
        self.last = clock()
        self.lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting for a token

    def take(self) -> None:
        with self.lock:
            while True:
                now = self.clock()
                self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.tokens >= 1.0 - 1e-9:  # rounding must not leave a wait too small to move the clock
                    self.tokens = max(0.0, self.tokens - 1.0)
                    return
                wait = (1.0 - self.tokens) / self.rate
                self.waited += wait
                self.sleep(wait)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def _host(base: str) -> str:
    """The host (and port) of an address for messages: never a user name or password in it."""
    netloc = urllib.parse.urlsplit(base).netloc.rsplit("@", 1)[-1]
    return netloc or base.split("/")[0]


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


def _read_capped(r: requests.Response, deadline: float = math.inf) -> bytes:
    """The body, or FetchError-worthy _TooLarge past MAX_ANSWER_BYTES (a
    police.uk answer holds at most 10,000 records, a few MB), _TooSlow past
    ``deadline`` (time.monotonic(); checked as every chunk arrives: the
    read timeout only bounds the pause between two bytes)."""
    chunks, size = [], 0
    try:
        for chunk in r.iter_content(1 << 16):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _TooLarge()
            if time.monotonic() > deadline:
                raise _TooSlow()
            chunks.append(chunk)
    finally:
        r.close()
    return b"".join(chunks)


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urllib.parse.urlsplit(a), urllib.parse.urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def _network_problem(e: requests.RequestException) -> tuple[str, bool]:
    """(one-line description, worth trying again) for a failed request."""
    text = repr(e)
    if isinstance(e, requests.exceptions.ProxyError):
        return "the proxy refused the connection (check HTTPS_PROXY/HTTP_PROXY)", True
    if "NameResolutionError" in text or "getaddrinfo failed" in text or "Name or service not known" in text:
        return "the server's name could not be found (no network, or DNS failure)", False
    if isinstance(e, requests.exceptions.SSLError):
        return "the secure connection failed (certificate or proxy problem)", False
    if isinstance(e, requests.exceptions.ConnectTimeout):
        return "no connection within the time limit (no network?)", True
    if isinstance(e, requests.exceptions.Timeout):
        return "no answer within the time limit", True
    if isinstance(e, requests.exceptions.ChunkedEncodingError) or "RemoteDisconnected" in text:
        return "the connection was dropped before the answer was complete", True
    if isinstance(e, requests.exceptions.ConnectionError):
        if "Connection refused" in text:
            return "the connection was refused (is the address right?)", True
        if "reset" in text.lower() or "aborted" in text.lower():
            return "the connection was dropped before the answer was complete", True
        return "the server could not be reached (no network?)", True
    return f"the request failed ({type(e).__name__})", True


# ----------------------------------------------------------------------------- client
class Client:
    """The police.uk API: politely (rate, retries, timeouts) and strictly
    (every answer must be the JSON it should be). ``requests`` counts every
    HTTP request sent, retries included."""

    def __init__(
        self,
        base: str | None = None,
        *,
        rate: float | None = None,
        burst: int | None = None,
        tries: int | None = None,
        backoff: float | None = None,
        max_wait: float | None = None,
        timeout: tuple[float, float] | None = None,
        max_split_depth: int | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """Unset arguments take the module's constants (read when the client is made)."""
        self.base = (base or api_base()).rstrip("/")
        self.bucket = TokenBucket(RATE if rate is None else rate, BURST if burst is None else burst)
        self.tries = max(1, TRIES if tries is None else tries)
        self.backoff = BACKOFF if backoff is None else backoff
        self.max_wait = MAX_WAIT if max_wait is None else max_wait
        self.timeout = TIMEOUT if timeout is None else timeout
        self.max_split_depth = MAX_SPLIT_DEPTH if max_split_depth is None else max_split_depth
        self.session = session or requests.Session()  # trust_env: proxies from the environment
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.sleep = sleep
        self.request_deadline = REQUEST_DEADLINE
        self.run_deadline = time.monotonic() + RUN_DEADLINE  # from the client's making: one update
        self.requests = 0
        self.retries = 0
        self.splits = 0

    def close(self) -> None:
        self.session.close()

    # -- one request, tried again where that can help --------------------------------------
    def _call(self, method: str, path: str, label: str, data: dict | None = None, street: bool = False):
        url = self.base + path
        host = _host(self.base)
        problem = "no answer"
        for attempt in range(1, self.tries + 1):
            wait = self.backoff * 2 ** (attempt - 1)
            if time.monotonic() > self.run_deadline:
                minutes = f"{RUN_DEADLINE / 60:g} minutes"
                raise FetchError(label, f"the update ran for more than {minutes}; stopped, nothing was changed for it")
            self.bucket.take()
            self.requests += 1
            deadline = min(time.monotonic() + self.request_deadline, self.run_deadline)
            try:
                r = self._request(method, url, label, data, deadline)
                body = _read_capped(r, deadline)  # inside the try: a dropped connection fails here
            except _TooSlow:
                problem = f"no complete answer within {self.request_deadline:g} s"
                if time.monotonic() > self.run_deadline:
                    continue  # refused at the top of the loop
            except _TooLarge:
                raise FetchError(
                    label, f"the answer from {host} is larger than {MAX_ANSWER_BYTES // 2**20} MB: not police.uk data?"
                ) from None
            except requests.RequestException as e:
                problem, again = _network_problem(e)
                if not again:
                    raise FetchError(label, f"cannot reach {host}: {problem}") from None
            else:
                code = r.status_code
                if code == 503 and street and "Retry-After" not in r.headers:
                    raise _TooMany()
                if code == 429 or code >= 500:
                    problem = f"police.uk answered HTTP {code}" + (" (too many requests)" if code == 429 else "")
                    after = _retry_after(r.headers.get("Retry-After"))
                    if after is not None:
                        wait = after
                elif code == 404:
                    raise FetchError(label, f"the API has no such records (HTTP 404 from {host})")
                elif code == 407:
                    raise FetchError(label, f"the proxy wants a sign-in (HTTP 407 from {host}): check HTTPS_PROXY")
                elif code >= 400:
                    raise FetchError(label, f"the API refused the request (HTTP {code} from {host})")
                else:
                    ctype = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
                    head = body[:512].lstrip().lower()
                    if "html" in ctype or head.startswith((b"<!doctype", b"<html")):
                        raise FetchError(
                            label,
                            f"{host} answered with a web page, not police.uk data: is a proxy or login page "
                            "in the way? (check SWP_POLICE_API and the proxy settings)",
                        )
                    try:
                        return json.loads(body.decode("utf-8-sig"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as e:
                        problem = "the answer was not valid JSON" + (
                            f" ({e.msg} at position {e.pos})" if isinstance(e, json.JSONDecodeError) else ""
                        )
                    except RecursionError:  # nested too deep for any police.uk answer
                        raise FetchError(label, "the answer is JSON nested too deeply: not police.uk data") from None
            if attempt < self.tries:
                self.retries += 1
                self.sleep(min(max(wait, 0.0), self.max_wait))
        tries = "1 try" if self.tries == 1 else f"{self.tries} tries"
        raise FetchError(label, f"{problem}, {tries}; nothing was changed for it")

    def _request(self, method: str, url: str, label: str, data: dict | None, deadline: float) -> requests.Response:
        """One request; a redirect is followed only to the same scheme, host and
        port, only for GET (a POST's body is never sent again, anywhere), at
        most MAX_REDIRECTS times; anything else is one line."""
        for _ in range(MAX_REDIRECTS + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TooSlow()
            timeout = (min(self.timeout[0], left), min(self.timeout[1], left))
            r = self.session.request(method, url, data=data, timeout=timeout, stream=True, allow_redirects=False)
            if r.status_code not in (301, 302, 303, 307, 308):
                return r
            r.close()
            target = urllib.parse.urljoin(url, r.headers.get("Location", ""))
            if method != "GET" or not _same_origin(target, self.base):
                raise FetchError(
                    label,
                    f"{_host(self.base)} redirected the request to {_host(target)[:60]} (HTTP {r.status_code}); "
                    "not followed: check SWP_POLICE_API",
                )
            url = target
        raise FetchError(label, f"{_host(self.base)} redirected the request more than {MAX_REDIRECTS} times")

    # -- endpoints -------------------------------------------------------------------------
    def dates(self) -> list[str]:
        """The months the API offers (``/crimes-street-dates``), oldest first."""
        data = self._call("GET", "/crimes-street-dates", "police.uk API (crimes-street-dates)")
        try:
            months = sorted({parse_month(d["date"], "date") for d in data})
        except (TypeError, KeyError, InputError, AttributeError, ValueError):
            raise FetchError(
                "police.uk API (crimes-street-dates)", "unexpected answer: not a list of {date: YYYY-MM}"
            ) from None
        if not months:
            raise FetchError("police.uk API (crimes-street-dates)", "the API offers no months")
        return months

    def last_updated(self) -> dt.date:
        """police.uk's last update of its crime data (``/crime-last-updated``; its
        documentation says only the month of the date is meaningful). It moves
        with every monthly release, which republishes earlier months' outcomes."""
        label = "police.uk API (crime-last-updated)"
        data = self._call("GET", "/crime-last-updated", label)
        try:
            return dt.date.fromisoformat(str(data["date"])[:10])
        except (TypeError, KeyError, ValueError):
            raise FetchError(label, "unexpected answer: no date like 2024-01-01") from None

    def street_month(self, month: str, area: list[list[tuple[float, float]]]) -> tuple[list[dict], int, int]:
        """All records of ``month`` in ``area`` (rings of (lon, lat)), unique
        by ``id`` in the order first seen; the number of records repeated
        across split parts (dropped); the requests it took."""
        label = month_label(month)
        records: dict = {}
        repeated = 0
        before = self.requests
        todo = [(shapely.Polygon(ring), 0) for ring in area]
        while todo:
            poly, depth = todo.pop(0)
            try:
                data = self._call(
                    "POST",
                    "/crimes-street/all-crime",
                    label,
                    data={"poly": poly_param(poly), "date": month},
                    street=True,
                )
            except _TooMany:
                if depth >= self.max_split_depth:
                    raise FetchError(
                        label,
                        f"police.uk answered HTTP 503 even for the area split into {2**depth:,} parts (too many "
                        "records, or the service is unavailable: try again later); nothing was changed for it",
                    ) from None
                self.splits += 1
                todo.extend((half, depth + 1) for half in split_area(poly))
                continue
            if not isinstance(data, list):
                raise FetchError(label, "unexpected answer: not a list of crime records; nothing was changed for it")
            for k, rec in enumerate(data, start=1):
                if not isinstance(rec, dict) or rec.get("id") in (None, ""):
                    raise FetchError(label, f"record {k} of an answer has no id; nothing was changed for it")
                try:
                    api_record(label, k, rec)  # every field of the type police.uk sends, or one line now
                except InputError as e:
                    raise FetchError(label, f"{e.problem}; nothing was changed for it") from None
                if rec.get("month") != month:
                    raise FetchError(
                        label, f"record {k} is for month {str(rec.get('month'))[:20]!r}; nothing was changed for it"
                    )
                key = str(rec["id"])
                if key in records:
                    repeated += 1
                else:
                    records[key] = rec
            if len(records) > MAX_MONTH_RECORDS:  # as the parts arrive, not once all are held
                raise FetchError(
                    label,
                    f"more than {MAX_MONTH_RECORDS:,} records for the city in one month: not the police.uk "
                    "data it should be; nothing was changed for it",
                )
        return list(records.values()), repeated, self.requests - before


class _Prefetch:
    """Fetches the months in order on one daemon thread, at most one month
    ahead of the importer: the next month's requests overlap this month's
    import (a real police.uk answer takes seconds), and memory holds at most
    three months of records. A daemon, so an interrupted command line exits at
    once; a failure is handed to :meth:`next` and ends the thread."""

    def __init__(self, client: Client, months: list[str], area: list[list[tuple[float, float]]]):
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(client, months, area), name="swp-fetch", daemon=True)
        self.thread.start()

    def _run(self, client: Client, months: list[str], area) -> None:
        for m in months:
            if self.stop.is_set():
                return
            item: tuple[str, tuple[list[dict], int, int] | None, BaseException | None]
            try:
                item = (m, client.street_month(m, area), None)
            except BaseException as e:  # handed to the importer's thread
                item = (m, None, e)
            while not self.stop.is_set():
                try:
                    self.queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item[2] is not None:
                return

    def next(self) -> tuple[str, tuple[list[dict], int, int]]:
        while True:
            try:
                month, got, error = self.queue.get(timeout=0.2)
                break
            except queue.Empty:
                if not self.thread.is_alive() and self.queue.empty():
                    raise RuntimeError("the fetch thread stopped unexpectedly") from None
        if error is not None:
            raise error
        return month, got

    def close(self) -> None:
        self.stop.set()


# ----------------------------------------------------------------------------- areas
def poly_param(poly: shapely.Polygon) -> str:
    """police.uk's ``poly``: ``lat,lng:lat,lng:...`` of the exterior ring (not closed)."""
    coords = list(poly.exterior.coords)[:-1]
    return ":".join(f"{lat:.6f},{lon:.6f}" for lon, lat in coords)


def split_area(poly: shapely.Polygon) -> list[shapely.Polygon]:
    """Two halves (or more pieces, where the cut leaves several) across the
    longer side of the bounding box; each piece's exterior only."""
    minx, miny, maxx, maxy = poly.bounds
    if maxx - minx >= (maxy - miny) * 1.6:  # degrees of longitude are ~0.6 of latitude's here
        mid = (minx + maxx) / 2
        boxes = [shapely.box(minx, miny, mid, maxy), shapely.box(mid, miny, maxx, maxy)]
    else:
        mid = (miny + maxy) / 2
        boxes = [shapely.box(minx, miny, maxx, mid), shapely.box(minx, mid, maxx, maxy)]
    out = []
    for b in boxes:
        piece = shapely.intersection(poly, b)
        for part in shapely.get_parts(piece):
            if part.geom_type == "Polygon" and part.area > 0:
                out.append(shapely.Polygon(part.exterior))
    return out


def city_area(con: duckdb.DuckDBPyConnection, tolerance_m: float = AREA_TOLERANCE_M) -> list[list[tuple[float, float]]]:
    """The city boundary (union of the LSOA 2021 shapes) buffered and then
    simplified by ``tolerance_m`` so that it still holds the whole city: rings
    of (lon, lat), one per part, about 150 points for Wolverhampton."""
    import geopandas as gpd

    from geo.boundaries import BNG, WGS84, from_frame

    df = con.execute("SELECT lsoa21_code, geom FROM lsoa21").df()
    if df.empty:
        raise InputError(None, "the store has no LSOA shapes; run `python -m swp_data build` first")
    city = from_frame(df).to_crs(BNG).union_all()
    grow = tolerance_m
    while True:
        simple = city.buffer(grow).simplify(tolerance_m)
        if simple.contains(city):
            break
        grow += tolerance_m
    parts = gpd.GeoSeries(list(shapely.get_parts(simple)), crs=BNG).to_crs(WGS84)
    return [[(round(x, 6), round(y, 6)) for x, y in p.exterior.coords] for p in parts]


# ----------------------------------------------------------------------------- planning
@dataclasses.dataclass
class MonthPlan:
    month: str
    fetch: bool
    reason: str


def fetch_state(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[dt.date | None, int]]:
    """month -> (API release it was fetched from, rows it left), for months
    whose fetched records are still what the store holds for them."""
    if not store.table_exists(con, "police_fetch"):
        return {}
    rows = con.execute(
        """
        SELECT strftime(f.month, '%Y-%m'), f.api_last_update, f.rows_kept,
               (SELECT count(*) FROM crime c
                WHERE c.month = f.month AND list_contains(?, c.force) AND NOT starts_with(c.dataset_id, 'demo:'))
        FROM police_fetch f ORDER BY 1""",
        [list(FETCH_FORCES)],
    ).fetchall()
    return {m: (upd, kept) for m, upd, kept, now in rows if int(now) == int(kept)}


def plan_months(
    offered: list[str],
    state: dict[str, tuple[dt.date | None, int]],
    api_updated: dt.date,
    since: str | None = None,
    until: str | None = None,
) -> list[MonthPlan]:
    """What to do with each month in range: fetch (with why) or skip.
    A month asked for by ``since``/``until`` that the API does not offer is an
    InputError naming it (before anything is fetched)."""
    first, last = offered[0], offered[-1]
    window = f"the police.uk API offers {_span([first, last])}"
    if since and until and since > until:
        raise InputError(None, f"--since {since} is after --until {until}")
    if until and until > last:
        raise FetchError(month_label(until), f"not published yet: {window}")
    if since and since < first:
        raise FetchError(
            month_label(since), f"older than the API keeps: {window}; load older months from a data.police.uk archive"
        )
    lo, hi = since or first, until or last
    # Months asked for by name must all be there; by default, what the API offers.
    wanted = _month_range(lo, hi) if since or until else list(offered)
    have = set(offered)
    missing = [m for m in wanted if m not in have]
    if missing:
        shown = ", ".join(month_label(m) for m in missing[:6]) + (" ..." if len(missing) > 6 else "")
        raise FetchError(shown, f"the API does not offer {'this month' if len(missing) == 1 else 'these months'}")
    plans = []
    for m in wanted:
        if m not in state:
            plans.append(MonthPlan(m, True, "not loaded from the API yet"))
            continue
        upd, _ = state[m]
        if upd is None or upd < api_updated:
            was = upd.isoformat() if upd else "unknown"
            plans.append(
                MonthPlan(m, True, f"republished: police.uk updated {api_updated.isoformat()} (loaded from {was})")
            )
        else:
            plans.append(MonthPlan(m, False, "up to date"))
    return plans


def _month_range(lo: str, hi: str) -> list[str]:
    y, m = int(lo[:4]), int(lo[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= hi:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fetched_summary(con: duckdb.DuckDBPyConnection) -> dict | None:
    """What the API has given so far (for the Data page), or None."""
    if not store.table_exists(con, "police_fetch"):
        return None
    row = con.execute(
        "SELECT count(*), min(month), max(month), max(requested_at), max(api_last_update) FROM police_fetch"
    ).fetchone()
    n, first, last, requested, release = row or (0, None, None, None, None)
    if not n:
        return None
    return {
        "months": int(n),
        "first": f"{first:%b %Y}",
        "last": f"{last:%b %Y}",
        "requested": f"{requested:%d %b %Y, %H:%M}",
        "release": release.isoformat() if release else "unknown date",
    }


# ----------------------------------------------------------------------------- fetch
@dataclasses.dataclass
class FetchResult:
    months_fetched: list[str] = dataclasses.field(default_factory=list)
    months_skipped: list[str] = dataclasses.field(default_factory=list)
    requests: int = 0
    retries: int = 0
    splits: int = 0
    records: int = 0  # unique records the API returned
    rows_kept: int = 0
    api_last_update: str | None = None
    reasons: dict[str, str] = dataclasses.field(default_factory=dict)
    reports: dict[str, dict] = dataclasses.field(default_factory=dict)  # month -> ImportReport.to_dict()
    texts: dict[str, str] = dataclasses.field(default_factory=dict)  # month -> ImportReport.to_text()

    def to_dict(self) -> dict:
        """JSON-ready (``--json``); the readable reports are in :meth:`to_text`."""
        d = dataclasses.asdict(self)
        d.pop("texts")
        return d

    def to_text(self) -> str:
        lines = [
            f"police.uk's last update of its records: {self.api_last_update or 'unknown'}.",
            f"Months fetched: {len(self.months_fetched):,}"
            + (f" ({_span(self.months_fetched)})" if self.months_fetched else ""),
            f"Months already up to date: {len(self.months_skipped):,}"
            + (f" ({_span(self.months_skipped)})" if self.months_skipped else ""),
            f"Requests: {self.requests:,} ({self.retries:,} tried again, {self.splits:,} area split(s))",
            f"Records from the API: {self.records:,}; kept in Wolverhampton: {self.rows_kept:,}",
        ]
        for m in self.months_fetched:
            lines.append("")
            lines.append(f"{month_label(m)} ({self.reasons.get(m, '')}):")
            lines.extend("  " + t for t in self.texts.get(m, "").splitlines())
        return "\n".join(lines)


def _span(months: list[str]) -> str:
    """'YYYY-MM' months, first to last, as people read them."""
    return periods.month_span(pd.Timestamp(months[0] + "-01"), pd.Timestamp(months[-1] + "-01"))


def fetch(
    since: str | None = None,
    until: str | None = None,
    *,
    client: Client | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> FetchResult:
    """Fetch and import the months in range that are missing or republished.
    Raises InputError/FetchError (one line naming the month) at the first
    month that fails: the months before it stay committed (the error's
    ``partial`` attribute is the FetchResult so far), that month is
    unchanged."""
    access.require_analyst("fetching police.uk records")
    since = parse_month(since, "--since") if since else None
    until = parse_month(until, "--until") if until else None
    if not _RUNNING.acquire(blocking=False):
        raise InputError(None, "an update from police.uk is already running; try again when it has finished")
    try:
        return _fetch(since, until, client, progress, today)
    finally:
        _RUNNING.release()


_RUNNING = threading.Lock()  # one update at a time in a process (two app users pressing the button)


def _fetch(
    since: str | None, until: str | None, client: Client | None, progress: Progress | None, today: dt.date | None
) -> FetchResult:
    say = progress or (lambda f, m: None)
    own = client is None
    client = client or Client()
    result = FetchResult()
    try:
        with store.reading() as con:  # before any request: no store, no network use
            if not store.table_exists(con, "lsoa21"):
                raise InputError(None, "the store is not built; run `python -m swp_data build` first")
            area = city_area(con)
            state = fetch_state(con)
        say(0.0, "Asking police.uk which months it offers")
        offered = client.dates()
        updated = client.last_updated()
        result.api_last_update = updated.isoformat()
        plans = plan_months(offered, state, updated, since, until)
        todo = [p for p in plans if p.fetch]
        result.months_skipped = [p.month for p in plans if not p.fetch]
        ahead = _Prefetch(client, [p.month for p in todo], area) if todo else None
        try:
            for i, p in enumerate(todo):
                label = month_label(p.month)
                say(i / len(todo), f"Fetching {label} ({i + 1:,} of {len(todo):,})")
                assert ahead is not None
                month, (records, _, n_requests) = ahead.next()
                if month != p.month:  # pragma: no cover - the thread fetches in plan order
                    raise RuntimeError(f"fetched {month} while importing {p.month}")
                if not records:
                    raise FetchError(label, "the API returned no records for the city; nothing was changed for it")
                say((i + 0.5) / len(todo), f"Importing {label} ({i + 1:,} of {len(todo):,}): {len(records):,} records")
                report = _import_month(p.month, records, updated, n_requests, p.reason, today)
                _add(result, p, records, report)
        finally:
            if ahead is not None:
                ahead.close()
        say(1.0, f"Done: {len(todo):,} month(s) fetched, {len(result.months_skipped):,} up to date")
    except InputError as e:
        e.partial = result  # type: ignore[attr-defined]  # what was committed before the failure
        raise
    finally:
        result.requests, result.retries, result.splits = client.requests, client.retries, client.splits
        if own:
            client.close()
    return result


def _add(result: FetchResult, p: MonthPlan, records: list[dict], report: imports.ImportReport) -> None:
    result.months_fetched.append(p.month)
    result.reasons[p.month] = p.reason
    result.records += len(records)
    result.rows_kept += report.rows_kept
    result.reports[p.month] = report.to_dict()
    result.texts[p.month] = report.to_text()


def _import_month(
    month: str, records: list[dict], updated: dt.date, n_requests: int, reason: str, today: dt.date | None
) -> imports.ImportReport:
    """One month through the import path, in one transaction with its
    ``police_fetch`` row and audit entry."""
    label = month_label(month)
    requested = dt.datetime.now().replace(microsecond=0)
    note = f"police.uk API (requested {requested:%Y-%m-%d}; police.uk updated {updated:%Y-%m-%d})"
    with tempfile.TemporaryDirectory(prefix="swp-fetch-") as tmp:
        path = Path(tmp) / f"police-uk-api-{month}.json"
        body = json.dumps(records, separators=(",", ":")).encode()
        path.write_bytes(body)
        fingerprint = hashlib.sha256(body).hexdigest()

        def also(con: duckdb.DuckDBPyConnection) -> None:
            first = dt.date(int(month[:4]), int(month[5:7]), 1)
            kept = store.one(
                con,
                "SELECT count(*) FROM crime WHERE month = ? AND list_contains(?, force) "
                "AND NOT starts_with(dataset_id, 'demo:')",
                [first, list(FETCH_FORCES)],
            )
            con.execute("DELETE FROM police_fetch WHERE month = ?", [first])
            con.execute(
                "INSERT INTO police_fetch VALUES (?, ?, ?, ?, ?, ?)",
                [first, requested, updated, len(records), int(kept), int(n_requests)],
            )
            ids = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT dataset_id FROM crime WHERE month = ? AND list_contains(?, force) ORDER BY 1",
                    [first, list(FETCH_FORCES)],
                ).fetchall()
            ]
            audit.record(
                con,
                "fetch",
                dataset_id=",".join(ids) or None,
                rows=int(kept),
                fingerprint=fingerprint,
                detail=f"{label} from {api_base()} ({reason}): {len(records):,} records, {int(kept):,} in the city",
            )

        try:
            return imports.import_paths([path], source_note=note, also=also, today=today)
        except InputError as e:
            problem = e.problem if e.row is None else f"row {e.row}: {e.problem}"
            raise FetchError(label, f"{problem}; nothing was changed for it") from None


__all__ = [
    "BURST",
    "DEFAULT_API",
    "RATE",
    "USER_AGENT",
    "Client",
    "FetchError",
    "FetchResult",
    "MonthPlan",
    "TokenBucket",
    "api_base",
    "city_area",
    "fetch",
    "fetch_state",
    "fetched_summary",
    "plan_months",
    "poly_param",
    "split_area",
]
