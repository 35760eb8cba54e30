"""The console packages export an explicit, sorted and complete public API."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["dashtui.tui", "dashtui.tui.views", "dashtui.tui.widgets", "dashtui.tui.screens"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute} is in __all__ but missing"


def test_console_api() -> None:
    import dashtui.tui as tui

    assert tui.__all__ == ["DashApp", "run_console"]


def test_metrics_layers_stay_free_of_textual() -> None:
    """engine/, metrics/, thresholds/ and report/ never import textual; the console is one consumer."""
    import subprocess
    import sys

    code = (
        "import sys, dashtui.engine, dashtui.metrics, dashtui.thresholds, dashtui.report;"
        "print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
