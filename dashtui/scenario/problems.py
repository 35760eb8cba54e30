"""Turn pydantic's ValidationError into ScenarioErrors a person can act on: key path, found, expected."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .errors import ScenarioError, SpecError
from .interpolate import is_secret_name
from .model import EXECUTOR_NAMES

__all__ = ["KeyPath", "format_key", "format_value", "problems_from_validation"]

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_STEP_TAGS = frozenset(
    {"group-step", "batch-step", "request-step", "sleep-step", "realtime-step", "call-step"}
)
_THRESHOLD_TAGS = frozenset({"expression", "object"})
_SECRET_HEADERS = re.compile(r"authorization|apikey|api-key|cookie|key|token|secret|password", re.IGNORECASE)

_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "callable_type": "an async function",
    "finite_number": "a finite number",
    "string_too_short": "a non-empty string",
}


def format_key(path: Sequence[str | int]) -> str:
    """('steps', 0, 'batch', 1, 'url') → 'steps[0].batch[1].url'; odd keys are quoted as TOML does."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        shown = part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
        text += f".{shown}" if text else shown
    return text


def format_value(value: Any, limit: int = 80, redact: Callable[[str], str] = lambda text: text) -> str:
    """A short, TOML-like rendering of what was found, redacted before it is cut short."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "a table {" + ", ".join(str(k) for k in value) + "}"
    elif isinstance(value, list | tuple):
        text = (
            "["
            + ", ".join(format_value(v, 24, redact) for v in value[:6])
            + (", …]" if len(value) > 6 else "]")
        )
    else:
        text = repr(value)
    text = redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_loc(loc: Sequence[str | int]) -> list[str | int]:
    """Drop the union tags pydantic puts in locations (executor names, step kinds, threshold forms)."""
    cleaned: list[str | int] = []
    for index, part in enumerate(loc):
        previous = loc[index - 1] if index else None
        if isinstance(part, str) and isinstance(previous, int):
            if part in _STEP_TAGS or part in _THRESHOLD_TAGS:
                continue
        if index == 2 and loc[0] == "scenarios" and part in EXECUTOR_NAMES:
            continue
        cleaned.append(part)
    return cleaned


def _spec_key(key: str | int | None) -> list[str | int]:
    if key is None:
        return []
    if isinstance(key, int):
        return [key]
    return [int(p) if p.isdigit() else p for p in key.split("\x00")]


def _expected_for(
    error: ErrorDetails, redact: Callable[[str], str] = lambda text: text
) -> tuple[str | None, str, str]:
    """(message, found, expected) for a pydantic error that is not one of ours."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    found = format_value(value, redact=redact)
    if kind == "missing":
        return "missing key", "no value", "a value for this required key"
    if kind == "extra_forbidden":
        return None, f"unknown key {error['loc'][-1]!r}", "no such key here"
    if kind == "union_tag_not_found":
        return (
            "missing executor",
            "no executor key",
            "executor = one of " + ", ".join(map(repr, EXECUTOR_NAMES)),
        )
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        close = difflib.get_close_matches(tag, EXECUTOR_NAMES, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (
            "unknown executor",
            f"executor = {tag!r}",
            "one of " + ", ".join(map(repr, EXECUTOR_NAMES)) + hint,
        )
    if kind == "literal_error":
        return None, found, "one of " + str(ctx.get("expected", ""))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[
            kind
        ]
        bound = next(iter(ctx.values()), "")
        return None, found, f"a number {op} {bound}"
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        return None, found, f"at least {minimum} item{'s' if minimum != 1 else ''}"
    if kind in _TYPE_WORDS:
        return None, found, _TYPE_WORDS[kind]
    message = str(error.get("msg", "invalid value"))
    return None, found, message[0].lower() + message[1:]


def problems_from_validation(
    exc: ValidationError,
    *,
    file: str | None,
    rename: Callable[[list[str | int]], list[str | int]] = lambda loc: loc,
    locate: Callable[[list[str | int]], tuple[str | None, int | None]] = lambda loc: (None, None),
    redact: Callable[[str], str] = lambda text: text,
    prefix: Sequence[str | int] = (),
) -> ScenarioError:
    """One ScenarioError for a ValidationError (all of its problems listed when there are several)."""
    problems: list[ScenarioError] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors():
        loc = [*prefix, *_clean_loc(error["loc"])]
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, SpecError):
            loc += _spec_key(cause.key)
            message, found, expected = None, cause.found, cause.expected
        else:
            message, found, expected = _expected_for(error, redact)
            if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
                loc.append(str((error.get("ctx") or {}).get("discriminator", "executor")).strip("'"))
        loc = rename(loc)
        if any(isinstance(p, str) and p.lower() == "headers" for p in loc[:-1]) and _SECRET_HEADERS.search(
            str(loc[-1])
        ):
            found = "[redacted]"
        elif loc and isinstance(loc[-1], str) and is_secret_name(loc[-1]) and message != "missing key":
            found = "[redacted]"
        key = format_key(loc)
        if (key, expected) in seen:
            continue
        seen.add((key, expected))
        where, line = locate(loc)
        problems.append(
            ScenarioError(
                None if message in (None, "missing key") else message,
                file=where or file,
                key=key or None,
                line=line,
                found=redact(found),
                expected=redact(expected),
            )
        )
    return combine(problems)


def combine(problems: Sequence[ScenarioError]) -> ScenarioError:
    """The single problem itself, or one error listing several (attributes taken from the first)."""
    if len(problems) == 1:
        return problems[0]
    first = problems[0]
    return ScenarioError(
        first.message,
        file=first.file,
        key=first.key,
        line=first.line,
        found=first.found,
        expected=first.expected,
        problems=problems,
    )
