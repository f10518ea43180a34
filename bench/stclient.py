"""A small client that speaks Streamlit's own websocket protocol, for load
tests: one :class:`Session` is what one browser tab costs the server (a
session, its script runs, its messages) without a browser.

It does what the frontend does: open ``/_stcore/stream`` with the
``streamlit`` subprotocol, send a ``BackMsg`` whose ``rerun_script``
``ClientState`` names the page (``page_name``, the page's URL path) and the
query string, then read ``ForwardMsg``s until ``script_finished`` (a run that
ends early for a rerun, as ``st.rerun`` does, is followed by the next run).
It keeps the last element at each delta path (what the page shows when the
run ends), the exceptions shown, and the time the run took.

Here, not under tests/, because both the bench (``make bench`` installs the
app without the test dependencies: no pytest) and the tests use it. It uses
``websockets``, which Streamlit itself depends on (no new dependency); the
Streamlit server of 1.67 runs on Starlette and uvicorn, not tornado. Loopback
only, and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
}
# A widget's fields that say where its value came from in this run (its
# default, or the session's state) rather than what the page shows.
_RUN_STATE = {"set_value", "raw_value", "default"}
# Ids the server makes afresh for each run of an element, not what it shows: a
# download whose file is written on click (the pages' CSVs) gets a new one.
_PER_RUN_IDS = {"deferred_file_id"}
MAX_MESSAGES = 50_000  # per run: a bound on the read loop, far above any page here


@dataclass
class Run:
    """One script run as a browser would have seen it when it finished."""

    page: str
    seconds: float = 0.0
    status: str = "timeout"  # ok | compile error | page not found | closed | timeout
    elements: dict[tuple[int, ...], Any] = field(default_factory=dict)  # delta path -> Element
    exceptions: list[str] = field(default_factory=list)
    reruns: int = 0  # runs that ended early for a rerun before this one

    @property
    def errors(self) -> list[str]:
        out = [] if self.status == "ok" else [f"{self.page}: {self.status}"]
        return out + [f"{self.page}: {e}" for e in self.exceptions]

    def _ordered(self, kind: str) -> list[Any]:
        return [getattr(e, kind) for _, e in sorted(self.elements.items()) if e.WhichOneof("type") == kind]

    def metrics(self) -> dict[str, str]:
        """Label -> shown value of every ``st.metric``."""
        return {m.label: m.body for m in self._ordered("metric")}

    def texts(self) -> list[str]:
        """Markdown, captions, headings and alerts, in page order."""
        out = []
        for _, e in sorted(self.elements.items()):
            kind = e.WhichOneof("type")
            if kind in ("markdown", "heading", "alert"):
                out.append(getattr(e, kind).body)
        return out

    def tables(self) -> list[Any]:
        """Every ``st.dataframe`` as a pandas DataFrame."""
        import pyarrow as pa

        frames = self._ordered("dataframe")
        return [pa.ipc.open_stream(io.BytesIO(d.arrow_data.data)).read_all().to_pandas() for d in frames]

    def element_digests(self) -> dict[tuple[int, ...], tuple[str, str]]:
        """Delta path -> (element type, hash of the element) for every element.
        A widget's ``set_value``/``raw_value``/``default`` and
        ``has_one_shot_effect`` are left out: they say whether this run took
        the widget's value from its default or from the session's state, which
        differs between a session's first run and later ones (or a run started
        again) while the page looks the same. So is a deferred download's file
        id, new in every run. A widget's label and options still count."""
        out = {}
        for path, e in self.elements.items():
            kind = e.WhichOneof("type") or ""
            inner = getattr(e, kind, None)
            fields = {f.name for f in inner.DESCRIPTOR.fields} if inner is not None else set()
            names = fields & _RUN_STATE if "set_value" in fields else set()  # widgets only
            names |= fields & _PER_RUN_IDS
            if names or e.HasField("has_one_shot_effect"):
                e = type(e).FromString(e.SerializeToString())
                e.ClearField("has_one_shot_effect")
                for name in names:
                    getattr(e, kind).ClearField(name)
            out[path] = (kind, hashlib.sha256(e.SerializeToString(deterministic=True)).hexdigest())
        return out

    def digest(self) -> str:
        """A hash of everything shown (every element, in page order): two runs
        that show the same page have the same digest."""
        h = hashlib.sha256()
        for path, (_, d) in sorted(self.element_digests().items()):
            h.update(f"{path}{d}".encode())
        return h.hexdigest()


class Session:
    """One browser tab: a websocket to the app's ``/_stcore/stream``."""

    def __init__(self, base_url: str, open_timeout: float = 30.0, origin: str | None = None):
        """``base_url``: the app on loopback, ``http://`` or (through a test
        proxy with a self-signed certificate) ``https://``. ``origin``: send
        an Origin header as a browser does (the server compares it with Host)."""
        if not base_url.startswith(tuple(f"{s}://{h}:" for s in ("http", "https") for h in ("127.0.0.1", "localhost"))):
            raise ValueError(f"loopback only, not {base_url!r}")
        self.url = base_url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
        tls = None
        if self.url.startswith("wss://"):
            tls = ssl.create_default_context()
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE  # a test certificate, on loopback only
        self.ws: ClientConnection = connect(
            self.url,
            subprotocols=["streamlit"],
            open_timeout=open_timeout,
            max_size=None,
            close_timeout=2,
            ssl=tls,
            origin=origin,
        )

    def run(self, page: str = "", query: str = "", timeout: float = 60.0) -> Run:
        """Ask for a run of ``page`` (its URL path; "" for the default page) and
        read until it has finished or ``timeout`` seconds have passed."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_name = page
        cs.page_script_hash = ""
        cs.context_info.timezone = "Europe/London"
        cs.context_info.locale = "en-GB"
        cs.context_info.url = self.url.replace("ws", "http", 1).replace("/_stcore/stream", "/" + page)
        run = Run(page=page or "(default)")
        t0 = time.perf_counter()
        deadline = t0 + timeout
        try:
            self.ws.send(msg.SerializeToString())
        except Exception as e:  # the connection is gone
            run.status = f"closed ({type(e).__name__})"
            run.seconds = time.perf_counter() - t0
            return run
        for _ in range(MAX_MESSAGES):
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            try:
                data = self.ws.recv(timeout=left)
            except TimeoutError:
                break
            except Exception as e:  # connection closed by the server
                run.status = f"closed ({type(e).__name__})"
                break
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                run.elements.clear()
                run.exceptions.clear()
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                run.elements[tuple(fwd.metadata.delta_path)] = el
                if el.WhichOneof("type") == "exception":
                    run.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:500])
            elif kind == "page_not_found":
                run.status = "page not found"
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    run.reruns += 1
                    continue
                if run.status != "page not found":
                    run.status = FINISHED.get(fwd.script_finished, f"finished ({fwd.script_finished})")
                break
        run.seconds = time.perf_counter() - t0
        return run

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        return process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        stop_process(self.proc)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc); 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate, then kill what does not stop within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def start_server(store: Path, env: dict[str, str] | None = None, wait: float = 90.0) -> Server:
    """``streamlit run app.py`` on a free loopback port against ``store``
    (the caller's private copy). Raises RuntimeError with the log's tail when
    it does not answer its health check within ``wait`` seconds."""
    from geo.assets import ensure_static

    ensure_static(ROOT)  # as `make run` does
    port = free_port()
    log_path = Path(store).with_name("streamlit.log")
    full_env = {**os.environ, "SWP_STORE": str(store), **(env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Server(url, proc, log_path)
        except OSError:
            time.sleep(0.3)
    proc.kill()
    proc.wait(10)
    raise RuntimeError(f"streamlit did not start: {log_path.read_text()[-2000:]}")
