"""`${VAR}` and `${VAR:-default}` in preset strings: CLI --env, then the environment, then [vars]."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..secrets import ALWAYS_SECRET, is_secret_name, redact

__all__ = ["ALWAYS_SECRET", "InterpolationError", "Interpolator", "is_secret_name"]

_REFERENCE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)
_LABELS = frozenset({"name", "group", "description", "channel"})
"""Keys whose values only label things in outputs (check, request, group names): a secret in one is redacted
when it is interpolated, so the summary, the reports and the console all show the label without it. A request
without a name is labelled by its URL: when that URL holds a secret, the redacted URL becomes its name."""


class InterpolationError(Exception):
    """A `${...}` that cannot be resolved; the loader adds file, key and line."""

    def __init__(self, message: str, *, found: str, expected: str) -> None:
        super().__init__(f"{message}: found {found}; expected {expected}")
        self.message = message
        self.found = found
        self.expected = expected


class Interpolator:
    """Resolves variables for one scenario and remembers which values are secrets.

    Lookup order for `${NAME}`: `extra` (CLI --env), then `env` (process environment), then the
    preset's `[vars]` (whose values may reference other variables). Inside the definition of a var,
    a reference to that same var skips the [vars] layer, so `TEST_EVENT_ID = "${TEST_EVENT_ID:-x}"`
    means "the environment's TEST_EVENT_ID, else x". `:-` uses the default when the variable is unset
    or empty (POSIX). `$${` is a literal `${`.
    """

    def __init__(
        self, *, env: Mapping[str, str], extra: Mapping[str, str] = {}, vars: Mapping[str, str] = {}
    ) -> None:
        self._env = env
        self._extra = extra
        self._vars = vars
        self._resolved: dict[str, str] = {}
        self._resolving: list[str] = []
        self.secrets: set[str] = set()
        for name in ALWAYS_SECRET:
            for layer in (extra, env):
                value = layer.get(name)
                if value:
                    self.secrets.add(value)

    def lookup(self, name: str) -> str | None:
        """The variable's value, or None when it is set nowhere."""
        if name in self._extra:
            value: str | None = self._extra[name]
        elif name in self._env:
            value = self._env[name]
        elif name in self._vars and name not in self._resolving:
            value = self.resolve_var(name)
        else:
            value = None
        if value and is_secret_name(name):
            self.secrets.add(value)
        return value

    def resolve_var(self, name: str) -> str:
        """The value of [vars] entry `name` after interpolation (memoised)."""
        if name not in self._resolved:
            self._resolving.append(name)
            try:
                self._resolved[name] = self.expand(self._vars[name])
            finally:
                self._resolving.pop()
        return self._resolved[name]

    def effective_vars(self) -> dict[str, str]:
        """Every [vars] name with the value a `${NAME}` reference gets (overrides included)."""
        result = {}
        for name in self._vars:
            value = self.lookup(name)
            result[name] = value if value is not None else ""
        return result

    def expand(self, text: str) -> str:
        """`text` with every `${...}` replaced; raises InterpolationError for an unset variable."""
        if "$" not in text:
            return text
        out: list[str] = []
        pos = 0
        while pos < len(text):
            if text.startswith("$${", pos):
                out.append("${")
                pos += 3
            elif text.startswith("${", pos):
                close = _closing_brace(text, pos + 2)
                if close < 0:
                    raise InterpolationError(
                        "unterminated variable reference",
                        found=repr(text[pos : pos + 40]),
                        expected="${NAME} or ${NAME:-default} closed by '}' (write $${ for a literal ${)",
                    )
                out.append(self._reference(text[pos + 2 : close]))
                pos = close + 1
            else:
                out.append(text[pos])
                pos += 1
        return "".join(out)

    def _reference(self, inner: str) -> str:
        match = _REFERENCE.fullmatch(inner)
        if match is None:
            raise InterpolationError(
                "invalid variable reference",
                found=repr("${" + inner + "}"),
                expected="${NAME} or ${NAME:-default}, NAME made of letters, digits and _",
            )
        name, default = match.group(1), match.group(2)
        value = self.lookup(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                raise InterpolationError(
                    f"variable {name} is not set",
                    found=repr("${" + name + "}") + f" with {name} unset",
                    expected=(
                        f"{name} in the environment, --env {name}=..., an entry in [vars], "
                        f"or a default such as ${{{name}:-value}}"
                    ),
                )
            return self.expand(default)
        return value

    def walk(self, value: Any, path: tuple[str | int, ...], on_error: Any) -> Any:
        """Interpolate every string inside `value`; `on_error(path, error)` must raise."""
        if isinstance(value, str):
            try:
                expanded = self.expand(value)
            except InterpolationError as exc:
                on_error(path, exc)
                raise
            if expanded != value and path and path[-1] in _LABELS:
                return redact(expanded, self.secrets)
            return expanded
        if isinstance(value, Mapping):
            walked = {key: self.walk(item, (*path, key), on_error) for key, item in value.items()}
            url = walked.get("url")
            if isinstance(url, str) and not walked.get("name") and url != value.get("url"):
                shown = redact(url, self.secrets)
                if shown != url:
                    walked["name"] = shown
            return walked
        if isinstance(value, list):
            return [self.walk(item, (*path, index), on_error) for index, item in enumerate(value)]
        return value


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing a `${` opened just before `start`, allowing nested `${...}` in defaults."""
    depth = 1
    pos = start
    while pos < len(text):
        if text.startswith("${", pos):
            depth += 1
            pos += 2
            continue
        if text[pos] == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return -1
