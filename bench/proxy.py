"""The reverse proxy of docs/deploy.md, as written there, in front of a
running app: Debian's nginx with a self-signed certificate on loopback ports.
Used by tests/e2e/test_proxy.py and bench/bench_browser.py (here, not under
tests/, because `make bench` installs no test dependencies)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit

from bench.stclient import free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = "/etc/nginx/mime.types"
STATIC_IN_DOC = "/opt/swp-insight/.venv/lib/python3.11/site-packages/streamlit/static/static/"


def doc_config() -> str:
    """The nginx block of docs/deploy.md."""
    blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / "docs" / "deploy.md").read_text(), re.S)
    assert len(blocks) == 1, "docs/deploy.md should hold exactly one nginx block"
    return blocks[0]


def available() -> bool:
    return Path(NGINX).exists()


@dataclass
class Proxy:
    url: str  # https://localhost:PORT
    http_port: int
    proc: subprocess.Popen

    def stop(self) -> None:
        stop_process(self.proc)


def start_proxy(app_url: str, workdir: Path, wait: float = 30.0, replace: dict[str, str] | None = None) -> Proxy:
    """nginx with the block of docs/deploy.md in front of ``app_url``: its
    names, ports, certificate and front-end path replaced by this machine's
    (and any text of ``replace``, each of which must be in the block)."""
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    http_port, https_port = free_port(), free_port()
    site = (
        doc_config()
        .replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{app_url.rsplit(':', 1)[1]};")
        .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
        .replace("/etc/letsencrypt/live/insight.example.org/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/insight.example.org/privkey.pem", str(key))
        .replace("insight.example.org", "localhost")
        .replace(STATIC_IN_DOC, str(Path(streamlit.__file__).parent / "static" / "static") + "/")
    )
    for old, new in (replace or {}).items():
        assert old in site, f"{old!r} is not in the nginx block of docs/deploy.md"
        site = site.replace(old, new)
    temp = "".join(f"{k}_temp_path {workdir / k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"daemon off;\npid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'};\nevents {{}}\n"
        # as Debian's /etc/nginx/nginx.conf, which includes the site file: the
        # front end's scripts load only with their MIME type
        f"http {{\ninclude {MIME_TYPES};\ndefault_type application/octet-stream;\naccess_log off;\n{temp}{site}\n}}\n"
    )
    check = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(workdir)], capture_output=True, text=True, timeout=30
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration of docs/deploy.md: {check.stderr}")
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(workdir)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            subprocess.run(
                ["openssl", "s_client", "-connect", f"127.0.0.1:{https_port}"],
                input="",
                capture_output=True,
                timeout=5,
                check=True,
            )
            break
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            time.sleep(0.2)
    return Proxy(f"https://localhost:{https_port}", http_port, proc)
