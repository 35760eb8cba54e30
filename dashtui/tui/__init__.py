"""The live console: a Textual app that runs a session and shows it as it happens."""

from __future__ import annotations

from .app import DashApp, run_console

__all__ = ["DashApp", "run_console"]
