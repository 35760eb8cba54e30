"""A fixed-delay target that is not Python: nginx + the echo module on 127.0.0.1, and wrk to measure it.

Usage: python -m bench.nginx_target [--delay 0.05] [--seconds 5] [--connections 20]
starts the target, asks it each path once, measures `/rest/v1/` with wrk, and stops it.

Locations: `/rest/v1/` answers every PostgREST path (GET, HEAD, `select=count`…) after `echo_sleep DELAY`
with a small JSON array; `/fast` answers at once (`return 200`) for CPU-bound runs; anything else is 404.
One nginx worker, keep-alive on with nginx's default 75 s, no access log, every file in a temp dir.
When nginx, its echo module or wrk are missing and this runs as root on Debian, they are installed with
apt-get (`nginx-light`, `libnginx-mod-http-echo`, `wrk`), saying so on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from ._target import free_port

BODY = '[{"id":"7d0c2a52-7e55-4a3b-9d0e-3b8a4f1f7a10","status":"paid","total_amount":42.5}]'
NGINX_PACKAGES = ("nginx-light", "libnginx-mod-http-echo")
ECHO_MODULE = "ngx_http_echo_module.so"
MODULE_DIRS = (
    Path("/usr/lib/nginx/modules"),
    Path("/usr/lib64/nginx/modules"),
    Path("/usr/share/nginx/modules"),
)
# temp-path directive → the module whose `--without-…` flag in `nginx -V` means the directive does not exist
TEMP_PATHS = (
    ("client_body_temp_path", None),
    ("proxy_temp_path", "http_proxy_module"),
    ("fastcgi_temp_path", "http_fastcgi_module"),
    ("uwsgi_temp_path", "http_uwsgi_module"),
    ("scgi_temp_path", "http_scgi_module"),
)
WRK_SCRIPT = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("DASHTUI_WRK p50_us=%d p95_us=%d p99_us=%d requests=%d errors=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


class TargetUnavailable(RuntimeError):
    """nginx, its echo module or wrk is missing and could not be installed; the message says which and why."""


@dataclass(frozen=True)
class Nginx:
    """An nginx binary, the echo module it loads, and the modules it was built without."""

    binary: Path
    echo_module: Path
    without: frozenset[str]


@dataclass(frozen=True)
class TlsFiles:
    """A certificate chain and its key, PEM files, for the target's https listener (HTTP/2 by ALPN)."""

    certificate: Path
    key: Path


@dataclass(frozen=True)
class NginxTarget:
    """A running target: its base URL (and its https one when asked for) and the master process id."""

    url: str
    port: int
    pid: int
    delay: float
    root: Path
    https_url: str | None = None


@dataclass(frozen=True)
class WrkResult:
    """The target's own latency as wrk measured it (µs), and what it counted."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int
    connections: int
    seconds: float


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def apt_install(packages: tuple[str, ...], why: str) -> None:
    """Install Debian packages, only as root and only where apt-get exists; quiet unless it fails."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise TargetUnavailable(
            f"{why}: install {' '.join(packages)} (apt-get, as root); not root or no apt-get here"
        )
    say(f"{why}: installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise TargetUnavailable(f"apt-get install {' '.join(packages)} failed: {tail[0]}")


def _nginx_binary() -> Path | None:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def find_nginx() -> Nginx | None:
    """nginx and its echo module if both are present, else None."""
    binary = _nginx_binary()
    if binary is None:
        return None
    built = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False).stderr
    dirs = [Path(m) for m in re.findall(r"--modules-path=(\S+)", built)] + list(MODULE_DIRS)
    module = next((d / ECHO_MODULE for d in dirs if (d / ECHO_MODULE).is_file()), None)
    if module is None:
        return None
    without = frozenset(re.findall(r"--without-(\S+)", built))
    return Nginx(binary=binary, echo_module=module, without=without)


def ensure_nginx(install: bool = True) -> Nginx:
    """nginx with the echo module, installed with apt-get when missing (root only)."""
    found = find_nginx()
    if found is None and install:
        apt_install(NGINX_PACKAGES, "nginx or its echo module is missing")
        found = find_nginx()
    if found is None:
        raise TargetUnavailable(f"no nginx with {ECHO_MODULE}: install {' '.join(NGINX_PACKAGES)}")
    return found


def ensure_wrk(install: bool = True) -> Path:
    """The wrk binary, installed with apt-get when missing (root only)."""
    found = shutil.which("wrk")
    if found is None and install:
        apt_install(("wrk",), "wrk is missing")
        found = shutil.which("wrk")
    if found is None:
        raise TargetUnavailable("no wrk: install the Debian package wrk")
    return Path(found)


def render_config(
    nginx: Nginx,
    *,
    root: Path,
    port: int,
    delay: float = 0.05,
    connections: int = 16384,
    tls: TlsFiles | None = None,
    tls_port: int = 0,
) -> str:
    """The whole nginx.conf: one worker, keep-alive 75 s, no access log, every path inside `root`; with
    `tls`, the same locations on `tls_port` too, over TLS with HTTP/2 offered by ALPN."""
    https = (
        f"""
        listen 127.0.0.1:{tls_port} ssl http2 backlog=65535;
        ssl_certificate {tls.certificate};
        ssl_certificate_key {tls.key};"""
        if tls is not None
        else ""
    )
    temp = "\n".join(
        f"    {directive} {root / directive.removesuffix('_temp_path')};"
        for directive, module in TEMP_PATHS
        if module is None or module not in nginx.without
    )
    return f"""\
load_module {nginx.echo_module};
daemon off;
worker_processes 1;
worker_rlimit_nofile {connections + 64};
pid {root / "nginx.pid"};
error_log {root / "error.log"} warn;

events {{
    worker_connections {connections};
}}

http {{
    access_log off;
    keepalive_timeout 75s;
    default_type application/json;
{temp}

    server {{
        listen 127.0.0.1:{port} backlog=65535;{https}
        server_name bench;

        location /rest/v1/ {{
            echo_sleep {delay:g};
            echo '{BODY}';
        }}
        location = /fast {{
            return 200 '{BODY}';
        }}
        location / {{
            return 404;
        }}
    }}
}}
"""


def write_config(
    nginx: Nginx,
    root: Path,
    port: int,
    delay: float,
    connections: int,
    *,
    tls: TlsFiles | None = None,
    tls_port: int = 0,
) -> Path:
    path = root / "nginx.conf"
    path.write_text(
        render_config(
            nginx, root=root, port=port, delay=delay, connections=connections, tls=tls, tls_port=tls_port
        )
    )
    return path


def check_config(nginx: Nginx, config: Path) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the file: returncode 0 when nginx accepts it."""
    root = config.parent
    return subprocess.run(
        [nginx.binary, "-t", "-q", "-p", f"{root}/", "-e", str(root / "error.log"), "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the master (nginx's fast shutdown); if it lingers, SIGKILL its whole process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@contextlib.contextmanager
def nginx_target(
    delay: float = 0.05, *, connections: int = 16384, install: bool = True, tls: TlsFiles | None = None
) -> Iterator[NginxTarget]:
    """Start nginx on 127.0.0.1 (a free port; with `tls`, a second one for https), its own process group;
    stop it, remove its files on exit."""
    nginx = ensure_nginx(install)
    root = Path(tempfile.mkdtemp(prefix="dashtui-nginx-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(3):
            port = free_port()
            tls_port = free_port() if tls is not None else 0
            config = write_config(nginx, root, port, delay, connections, tls=tls, tls_port=tls_port)
            process = subprocess.Popen(
                [nginx.binary, "-p", f"{root}/", "-e", str(root / "error.log"), "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_raise_fd_limit,
                start_new_session=True,
            )
            deadline = time.monotonic() + 10
            while process.poll() is None and time.monotonic() < deadline and not _accepts(port):
                time.sleep(0.05)
            if process.poll() is None and _accepts(port):
                yield NginxTarget(
                    url=f"http://127.0.0.1:{port}",
                    port=port,
                    pid=process.pid,
                    delay=delay,
                    root=root,
                    https_url=f"https://127.0.0.1:{tls_port}" if tls is not None else None,
                )
                return
            _stop(process)
        log = (root / "error.log").read_text(errors="replace").strip().splitlines()[-3:]
        raise TargetUnavailable(f"nginx did not start on 127.0.0.1: {' | '.join(log) or 'no error log'}")
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """The line our Lua `done` hook prints → p50, p95, p99 in ms, requests, errors."""
    match = re.search(
        r"DASHTUI_WRK p50_us=(\d+) p95_us=(\d+) p99_us=(\d+) requests=(\d+) errors=(\d+)", output
    )
    if match is None:
        raise TargetUnavailable(f"wrk printed no percentiles: {output.strip()[-200:]!r}")
    p50, p95, p99, requests, errors = (int(g) for g in match.groups())
    return p50 / 1000, p95 / 1000, p99 / 1000, requests, errors


def measure_with_wrk(
    url: str, *, connections: int = 20, seconds: float = 5.0, install: bool = True
) -> WrkResult:
    """The target's own latency at `url`: wrk, one thread, `connections` keep-alive connections."""
    wrk = ensure_wrk(install)
    with tempfile.TemporaryDirectory(prefix="dashtui-wrk-") as tmp:
        script = Path(tmp) / "percentiles.lua"
        script.write_text(WRK_SCRIPT)
        done = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    p50, p95, p99, requests, errors = parse_wrk(done.stdout)
    return WrkResult(p50, p95, p99, requests, errors, connections, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--delay", type=float, default=0.05, help="echo_sleep on /rest/v1/, seconds")
    parser.add_argument("--seconds", type=float, default=5.0, help="wrk duration")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections")
    args = parser.parse_args()
    try:
        with nginx_target(args.delay) as target:
            print(f"nginx {target.url} (pid {target.pid}, files in {target.root})")
            paths = [
                ("GET", "/rest/v1/events?select=*&order=date.desc&limit=10"),
                ("GET", "/rest/v1/tickets?select=count&event_id=eq.e1"),
                ("HEAD", "/rest/v1/scan_logs?select=count&event_id=eq.e1"),
                ("GET", "/fast"),
                ("GET", "/realtime/v1/websocket"),
            ]
            with httpx.Client(base_url=target.url, timeout=5) as client:
                for method, path in paths:
                    start = time.perf_counter()
                    response = client.request(method, path)
                    elapsed = (time.perf_counter() - start) * 1000
                    kind = response.headers.get("content-type", "-")
                    print(f"  {method:4} {path}: {response.status_code} {kind} {elapsed:.1f} ms")
            wrk = measure_with_wrk(
                target.url + paths[0][1], connections=args.connections, seconds=args.seconds
            )
            print(
                f"  wrk -c{wrk.connections} {wrk.seconds:g} s on /rest/v1/: p50 {wrk.p50_ms:.2f} ms, "
                f"p95 {wrk.p95_ms:.2f} ms, p99 {wrk.p99_ms:.2f} ms, "
                f"{wrk.requests:,} requests, {wrk.errors} errors"
            )
    except TargetUnavailable as exc:
        print(f"bench: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
