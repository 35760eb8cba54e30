"""Errors for threshold expressions and the `thresholds` option, with messages a k6 user can act on."""

from __future__ import annotations

__all__ = ["ThresholdConfigError", "ThresholdError"]


class ThresholdError(ValueError):
    """A threshold expression or definition that k6 would reject."""


class ThresholdConfigError(ThresholdError):
    """A problem with one entry of the `thresholds` option, named by its metric key.

    `str()` is `thresholds.<key>: <message>`, so the CLI can prefix the file it read the option from.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"thresholds.{key}: {message}")
        self.key = key
        self.message = message

    def __reduce__(self) -> tuple[type[ThresholdConfigError], tuple[str, str]]:
        return (type(self), (self.key, self.message))
