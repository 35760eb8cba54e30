"""Report: k6's handleSummary JSON, --summary-export, the end-of-test text, the seed's block, safe files."""

from __future__ import annotations

from .dashboard import render_dashboard_block
from .files import OutputPathError, atomic_write_text, check_writable
from .k6json import (
    EXTRAS_KEY,
    WARNING_KEY,
    RunState,
    SummaryOptions,
    build_summary_data,
    dumps_summary_data,
    group_id,
)
from .redact import REDACTED, redact
from .summary_export import dumps_summary_export, to_summary_export
from .text import render_summary

__all__ = [
    "EXTRAS_KEY",
    "OutputPathError",
    "REDACTED",
    "RunState",
    "SummaryOptions",
    "atomic_write_text",
    "build_summary_data",
    "check_writable",
    "dumps_summary_data",
    "dumps_summary_export",
    "group_id",
    "redact",
    "render_dashboard_block",
    "render_summary",
    "to_summary_export",
    "WARNING_KEY",
]
