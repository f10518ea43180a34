"""The meeting pack as PDF: the HTML pack printed by Debian's chromium through
Playwright, A4 landscape, "Page N of M" and the attribution in the footer of
every page, the DEMO watermark on every page (a fixed element repeats on each
printed page). Every request except the local file is refused while printing,
so the PDF can only show what the file carries."""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
from html import escape
from pathlib import Path

from swp_data.errors import InputError
from swp_data.report.pack import common
from swp_data.report.pack.common import PackInput

DEFAULT_CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _footer(data: PackInput) -> str:
    r = data.report
    status = f"{common.DEMO_MARK} · " if r.is_demo else ""
    return (
        '<div style="font-size:8px;width:100%;padding:0 10mm;color:#555;display:flex;justify-content:space-between;">'
        f"<span>{escape(status + r.attribution)}</span>"
        '<span style="white-space:nowrap;padding-left:6mm">Page <span class="pageNumber"></span> of '
        '<span class="totalPages"></span></span></div>'
    )


def chromium() -> str:
    """The browser that prints the PDF (``SWP_CHROMIUM``, default Debian's); InputError if missing."""
    exe = os.environ.get("SWP_CHROMIUM", DEFAULT_CHROMIUM)
    if not Path(exe).is_file():
        raise InputError(exe, "chromium is needed to print the PDF and was not found; ask for the other formats")
    return exe


def write(html_text: str, path: Path, data: PackInput) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    exe = chromium()
    try:
        # On a thread of its own: Playwright's sync API refuses to run where an
        # asyncio loop is already running (a server, a notebook, a test session).
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="swp-pdf") as pool:
            pool.submit(_print, html_text, path, data, exe, sync_playwright).result()
    except PlaywrightError as e:
        first = (str(e).strip().splitlines() or ["unknown error"])[0][:200]
        raise InputError(None, f"chromium could not print the PDF: {first}") from None


def _print(html_text: str, path: Path, data: PackInput, exe: str, sync_playwright) -> None:
    with tempfile.TemporaryDirectory(prefix="swp-pack-") as d:
        src = Path(d) / "pack.html"
        src.write_text(html_text, encoding="utf-8")
        url = src.as_uri()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=ARGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 800})
                page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
                page.goto(url, wait_until="load")
                page.wait_for_selector("html[data-charts]", timeout=30_000)
                if page.get_attribute("html", "data-charts") != "ready":
                    raise InputError(None, "the charts could not be drawn for the PDF")
                page.emulate_media(media="print")
                page.pdf(
                    path=str(path),
                    format="A4",
                    landscape=True,
                    prefer_css_page_size=True,
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=_footer(data),
                    margin={"top": "10mm", "bottom": "14mm", "left": "10mm", "right": "10mm"},
                )
            finally:
                browser.close()
