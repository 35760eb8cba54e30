"""The stand-in's public API: explicit, sorted and importable; and it never pulls in textual."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import dashtui.demo

MODULES = ["dashtui.demo"] + [
    f"dashtui.demo.{m.name}" for m in pkgutil.iter_modules(dashtui.demo.__path__) if m.name != "__main__"
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute} is in __all__ but missing"


def test_the_package_api() -> None:
    assert dashtui.demo.__all__ == [
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


def test_the_stand_in_never_imports_textual() -> None:
    code = "import sys, dashtui.demo; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
