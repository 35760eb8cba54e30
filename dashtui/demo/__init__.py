"""The embedded Supabase stand-in: PostgREST + Realtime over SQLite, with fault and latency injection.

A separate server: the engine never imports it, it only talks HTTP/WebSocket to it like to any target.
"""

from __future__ import annotations

from .app import StandInApp, create_app
from .cli import serve_main
from .config import StandInConfig
from .errors import PostgrestError
from .faults import FaultError, Faults, LatencySpec
from .keys import Keys, make_keys
from .process import StandInProcess, standin_process
from .seed import SCALES
from .server import StandIn

__all__ = [
    "FaultError",
    "Faults",
    "Keys",
    "LatencySpec",
    "PostgrestError",
    "SCALES",
    "StandIn",
    "StandInApp",
    "StandInConfig",
    "StandInProcess",
    "create_app",
    "make_keys",
    "serve_main",
    "standin_process",
]
