"""`dashtui serve`: run the stand-in in the foreground and print what a client needs, shell-ready."""

from __future__ import annotations

import argparse
import errno
import shlex
import signal
import socket
import sqlite3
import sys
import threading
import time
from types import FrameType
from typing import TextIO

import uvicorn

from .app import StandInApp, create_app
from .config import StandInConfig
from .faults import FaultError, Faults
from .seed import SCALES
from .server import bind_socket, quiet_uvicorn, uvicorn_config

__all__ = ["build_parser", "serve_main"]


class _StopOnSigterm:
    """SIGTERM asks the server to stop as Ctrl-C does, without raising from inside a signal handler.

    Raising there lands wherever the main thread happens to be (inside uvicorn's start-up, asyncio's
    callbacks, a `finally:`), where it can be swallowed or turn into exit code 1; a flag cannot.
    """

    def __init__(self) -> None:
        self.requested = False
        self.server: uvicorn.Server | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if self.server is not None:
            self.server.should_exit = True

    def serve(self, server: uvicorn.Server, sock: socket.socket) -> None:
        """Run `server`, or not at all when SIGTERM came before it existed."""
        self.server = server
        server.should_exit = self.requested
        server.run(sockets=[sock])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dashtui serve",
        description=(
            "Run the embedded Supabase stand-in (PostgREST + Realtime over SQLite). Prints SUPABASE_URL, the "
            "anon and service-role keys and TEST_EVENT_ID as shell `export` lines on stdout."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=54321, help="port (default 54321; 0 picks a free one)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the generated data (default 1)")
    parser.add_argument(
        "--scale", choices=list(SCALES), default="default", help="data size (default: default)"
    )
    parser.add_argument("--db", metavar="PATH", help="keep the data in this SQLite file (default: in memory)")
    parser.add_argument(
        "--box-office-rate",
        type=float,
        default=2.0,
        metavar="R",
        help="rows/s the box office inserts (0 = off)",
    )
    parser.add_argument("--max-rows", type=int, default=1000, help="PostgREST db-max-rows (Supabase: 1000)")
    faults = parser.add_argument_group("faults (changeable at run time through /admin/v1/faults)")
    faults.add_argument(
        "--latency", default="0", metavar="SPEC", help="added latency, ms: 50, uniform(10,50), ..."
    )
    faults.add_argument("--error-rate", type=float, default=0.0, metavar="P", help="share of 503 answers")
    faults.add_argument(
        "--reset-rate", type=float, default=0.0, metavar="P", help="share of dropped connections"
    )
    faults.add_argument("--slow-body-rate", type=float, default=0.0, metavar="P", help="share of slow bodies")
    faults.add_argument(
        "--slow-body-ms", type=float, default=200.0, metavar="MS", help="time a slow body takes"
    )
    faults.add_argument("--realtime-delay", default="0", metavar="SPEC", help="delay before each change push")
    faults.add_argument(
        "--realtime-refuse-joins", action="store_true", help="answer every join with an error"
    )
    faults.add_argument(
        "--realtime-never-subscribe", action="store_true", help="never confirm a subscription"
    )
    faults.add_argument(
        "--realtime-drop-after", type=float, metavar="S", help="close sockets after S seconds"
    )
    return parser


def _faults(args: argparse.Namespace) -> Faults:
    return Faults().updated(
        {
            "latency": args.latency,
            "error_rate": args.error_rate,
            "reset_rate": args.reset_rate,
            "slow_body_rate": args.slow_body_rate,
            "slow_body_ms": args.slow_body_ms,
            "realtime_delay": args.realtime_delay,
            "realtime_refuse_joins": args.realtime_refuse_joins,
            "realtime_never_subscribe": args.realtime_never_subscribe,
            "realtime_drop_after": args.realtime_drop_after,
        }
    )


def serve_main(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run `dashtui serve ARGS` until Ctrl-C or SIGTERM. Returns the exit code (0 after a clean stop)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    started = time.perf_counter()
    try:
        config = StandInConfig(
            host=args.host,
            port=args.port,
            seed=args.seed,
            scale=args.scale,
            db_path=args.db,
            box_office_rate=args.box_office_rate,
            max_rows=args.max_rows,
            faults=_faults(args),
        )
    except (ValueError, FaultError) as exc:
        print(f"dashtui serve: {exc}", file=err)
        return 2
    main = threading.current_thread() is threading.main_thread()
    on_sigterm = _StopOnSigterm()
    previous = signal.signal(signal.SIGTERM, on_sigterm) if main else None
    try:
        return _serve(args, config, started, out, err, on_sigterm)
    except KeyboardInterrupt:
        print("# dashtui stand-in stopped", file=err, flush=True)
        return 0
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def _serve(
    args: argparse.Namespace,
    config: StandInConfig,
    started: float,
    out: TextIO,
    err: TextIO,
    on_sigterm: _StopOnSigterm,
) -> int:
    try:
        app = create_app(config)
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"dashtui serve: cannot open the database {args.db!r}: {exc}", file=err)
        return 1
    try:
        try:
            sock = bind_socket(args.host, args.port)
        except OSError as exc:
            reason = exc.strerror
            if exc.errno == errno.EADDRINUSE:
                reason = "the address is already in use (try --port 0 for a free port)"
            print(f"dashtui serve: cannot listen on {args.host}:{args.port}: {reason}", file=err)
            return 1
        port = sock.getsockname()[1]
        host = f"[{args.host}]" if ":" in args.host else args.host
        _print_env(out, app, f"http://{host}:{port}")
        rows = app.db.row_counts()
        print(
            f"# dashtui stand-in: seed={args.seed} scale={args.scale} ({rows['events']} events, "
            f"{rows['tickets']} tickets, {rows['orders']} orders) "
            f"ready in {time.perf_counter() - started:.2f} s; "
            f"box office {args.box_office_rate:g} rows/s; Ctrl-C to stop",
            file=err,
            flush=True,
        )
        quiet_uvicorn()
        on_sigterm.serve(uvicorn.Server(uvicorn_config(app, read_timeout=app.config.read_timeout)), sock)
    finally:
        app.close()
    print("# dashtui stand-in stopped", file=err, flush=True)
    return 0


def _print_env(out: TextIO, app: StandInApp, url: str) -> None:
    lines = [
        ("SUPABASE_URL", url),
        ("SUPABASE_ANON_KEY", app.keys.anon),
        ("SUPABASE_SERVICE_ROLE_KEY", app.keys.service_role),
        ("TEST_EVENT_ID", app.test_event_id),
    ]
    for name, value in lines:
        print(f"export {name}={shlex.quote(value)}", file=out)
    out.flush()
