"""The console's screens: the live main screen, the results screen and the help screen."""

from __future__ import annotations

from .help import HelpScreen
from .main import MainScreen
from .results import ResultsScreen, RunErrorScreen

__all__ = ["HelpScreen", "MainScreen", "ResultsScreen", "RunErrorScreen"]
