"""The package's public API is explicit, sorted, and every name in it exists (as httpx checks its own)."""

from __future__ import annotations

import dashtui


def test_all_is_sorted_and_complete() -> None:
    names = dashtui.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(dashtui, name), name


def test_the_library_layers_do_not_import_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dashtui, dashtui.engine.runner, dashtui.report, dashtui.thresholds, dashtui.demo;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
