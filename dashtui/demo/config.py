"""`StandInConfig`: everything that shapes one stand-in (address, data, box office, limits, faults)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .faults import Faults
from .keys import DEFAULT_JWT_SECRET
from .seed import SCALES

__all__ = ["StandInConfig"]


@dataclass(frozen=True)
class StandInConfig:
    """How to build a stand-in. The defaults suit tests: loopback, an ephemeral port, no box office."""

    host: str = "127.0.0.1"
    port: int = 0
    """0 picks a free port; `StandIn.url` tells which."""
    seed: int = 1
    scale: str = "default"
    """`small` (a few hundred rows, for tests), `default` (the dashboard's realistic size) or `large`."""
    db_path: str | None = None
    """A SQLite file to keep the data in (created and seeded if empty); None keeps it in memory."""
    box_office_rate: float = 0.0
    """Rows per second the background box office inserts (orders and scan logs); 0 is off."""
    faults: Faults = field(default_factory=Faults)
    max_rows: int | None = 1000
    """PostgREST's `db-max-rows`; 1000 is Supabase's default. None means no cap."""
    max_body_bytes: int = 1_048_576
    read_timeout: float = 30.0
    """Seconds a request may take to arrive whole (headers and body), as nginx's client_*_timeout."""
    jwt_secret: str = DEFAULT_JWT_SECRET

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"scale {self.scale!r} is not one of {', '.join(SCALES)}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is not from 0 to 65535")
        if not 0 <= self.box_office_rate <= 1000:
            raise ValueError(f"box_office_rate {self.box_office_rate} is not from 0 to 1000 rows per second")
        if self.max_rows is not None and self.max_rows < 1:
            raise ValueError(f"max_rows {self.max_rows} must be at least 1 (or None for no cap)")
        if not self.read_timeout > 0:
            raise ValueError(f"read_timeout {self.read_timeout} must be a positive number of seconds")
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes {self.max_body_bytes} must be at least 1")
        if len(self.jwt_secret) < 32:
            raise ValueError("jwt_secret must have at least 32 characters, as Supabase requires")
