"""Report: k6's handleSummary JSON, --summary-export, the end-of-test text, the seed's block, safe files."""

from __future__ import annotations

from ..secrets import REDACTED, redact
from .dashboard import render_dashboard_block
from .files import (
    OutputPathError,
    ReportFile,
    ReportWrites,
    atomic_write_text,
    check_distinct,
    check_writable,
    write_report,
    write_reports,
)
from .k6json import (
    EXTRAS_KEY,
    WARNING_KEY,
    RunState,
    SummaryOptions,
    build_summary_data,
    dumps_summary_data,
    group_id,
)
from .reports import report_files
from .summary_export import dumps_summary_export, to_summary_export
from .text import render_summary

__all__ = [
    "EXTRAS_KEY",
    "OutputPathError",
    "REDACTED",
    "ReportFile",
    "ReportWrites",
    "RunState",
    "SummaryOptions",
    "atomic_write_text",
    "build_summary_data",
    "check_distinct",
    "check_writable",
    "dumps_summary_data",
    "dumps_summary_export",
    "group_id",
    "redact",
    "render_dashboard_block",
    "render_summary",
    "report_files",
    "to_summary_export",
    "write_report",
    "write_reports",
    "WARNING_KEY",
]
