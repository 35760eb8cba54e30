"""The run's report files, each rendered from the summary data only when it is written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .files import ReportFile
from .k6json import dumps_summary_data
from .summary_export import dumps_summary_export

__all__ = ["report_files"]


def report_files(
    json_path: Path | None, summary_export_path: Path | None, data: Mapping[str, Any]
) -> list[ReportFile]:
    """The `--out` JSON (handleSummary data) and the `--summary-export` JSON, those asked for."""
    files: list[ReportFile] = []
    if json_path is not None:
        files.append(ReportFile("--out", json_path, lambda: dumps_summary_data(data)))
    if summary_export_path is not None:
        files.append(ReportFile("--summary-export", summary_export_path, lambda: dumps_summary_export(data)))
    return files
