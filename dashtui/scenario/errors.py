"""Scenario errors: what was wrong, where (file, line, key), what was found and what was expected."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ScenarioError", "SpecError"]


class SpecError(ValueError):
    """Raised inside model validators: carries `found`/`expected` so the loader can build a ScenarioError.

    `key` optionally names a sub-key below the validated value (an unknown key, for instance).
    """

    def __init__(self, message: str, *, found: str, expected: str, key: str | int | None = None) -> None:
        shown = message if found in message else f"{message}: found {found}"
        super().__init__(f"{shown}; expected {expected}")
        self.message = message
        self.found = found
        self.expected = expected
        self.key = key


class ScenarioError(Exception):
    """A scenario that cannot run, described for a person: never a traceback, never a secret.

    str() reads like `presets/dashboard.toml:12: scenarios.dashboard_viewers.duration: found
    '3 minutes'; expected a number of seconds or a k6 duration such as '3m', '90s', '1m30s', '500ms'`.
    When several problems were found, `problems` holds each one and str() lists them all.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
        column: int | None = None,
        found: str | None = None,
        expected: str | None = None,
        problems: Sequence[ScenarioError] = (),
    ) -> None:
        self.message = message
        self.file = file
        self.key = key
        self.line = line
        self.column = column
        self.found = found
        self.expected = expected
        self.problems: tuple[ScenarioError, ...] = tuple(problems)
        super().__init__(self._text())

    def location(self) -> str:
        """`file:line: key` (the parts that are known), without a trailing colon."""
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.key) if p]
        return ": ".join(parts)

    def detail(self) -> str:
        """What was wrong, without the location."""
        body = []
        if self.message:
            body.append(self.message)
        if self.found is not None and self.expected is not None:
            body.append(f"found {self.found}; expected {self.expected}")
        elif self.expected is not None:
            body.append(f"expected {self.expected}")
        return ": ".join(body) if body else "invalid scenario"

    def _text(self) -> str:
        if self.problems:
            head = f"{len(self.problems)} problems in {self.file}" if self.file else "problems"
            return "\n".join([head + ":"] + [f"  {p}" for p in self.problems])
        where = self.location()
        return f"{where}: {self.detail()}" if where else self.detail()

    def __str__(self) -> str:
        return self._text()


class ScriptError(ScenarioError):
    """A Python scenario's own code failed (a syntax error, an exception on import or in `build`).

    k6 exits 107 for an exception in a script, not 104 as for options it rejects; so does dashtui.
    """
