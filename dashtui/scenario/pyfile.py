"""Python scenario files: a module that defines `scenario: Scenario` or `def build(env) -> Scenario`."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType, ModuleType

from pydantic import ValidationError

from ..secrets import redact
from ..stopping import SignalExit
from .errors import ScenarioError, ScriptError
from .interpolate import ALWAYS_SECRET, is_secret_name
from .model import Scenario
from .problems import problems_from_validation

__all__ = ["load_python_scenario"]

_EXPECTED = "a module-level `scenario = Scenario(...)` or `def build(env) -> Scenario`"


def load_python_scenario(
    path: Path, *, display: str, env: Mapping[str, str], extra_vars: Mapping[str, str]
) -> Scenario:
    """Import the file (as a fresh module) and take its scenario; errors name the file, never a traceback."""
    merged = {**env, **extra_vars}
    secrets = frozenset(
        value for name, value in merged.items() if value and (name in ALWAYS_SECRET or is_secret_name(name))
    )
    module = _import(path, display, secrets)
    build = getattr(module, "build", None)
    if callable(build):
        try:
            result = build(MappingProxyType(merged))
        except SignalExit:
            raise
        except (Exception, SystemExit, KeyboardInterrupt) as exc:
            raise _failure(exc, display, secrets, "build(env) failed") from None
        origin = "build(env) returned"
    elif hasattr(module, "scenario"):
        result = module.scenario
        origin = "`scenario` is"
    else:
        raise ScenarioError(
            "no scenario", file=display, found="neither `scenario` nor `build`", expected=_EXPECTED
        )
    if not isinstance(result, Scenario):
        raise ScenarioError(
            "not a Scenario", file=display, found=f"{origin} a {type(result).__name__}", expected=_EXPECTED
        )
    if not result.source:
        result = result.model_copy(update={"source": display})
    return result.with_secrets(secrets)


def _import(path: Path, display: str, secrets: frozenset[str]) -> ModuleType:
    digest = hashlib.sha1(str(path.resolve()).encode(), usedforsecurity=False).hexdigest()[:12]
    name = f"dashtui_user_scenario_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ScenarioError(
            "cannot import", file=display, found="an unloadable file", expected="a Python module"
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ScriptError(
            f"Python syntax error: {exc.msg}", file=display, line=exc.lineno, column=exc.offset
        ) from None
    except SignalExit:
        sys.modules.pop(name, None)
        raise
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        sys.modules.pop(name, None)
        raise _failure(exc, display, secrets, "importing the scenario failed") from None
    return module


def _failure(exc: BaseException, display: str, secrets: frozenset[str], what: str) -> ScenarioError:
    if isinstance(exc, ScenarioError):
        if exc.file is None:
            exc.file = display
        return exc
    if isinstance(exc, ValidationError):
        return problems_from_validation(exc, file=display, redact=lambda text: redact(text, secrets))
    line = _user_line(exc, display)
    message = redact(f"{what}: {type(exc).__name__}: {exc}", secrets)
    return ScriptError(message, file=display, line=line)


def _user_line(exc: BaseException, display: str) -> int | None:
    """The line in the scenario file where the exception passed last, if it did."""
    target = Path(display).resolve()
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve() == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
