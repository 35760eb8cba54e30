"""What an import reports: a fatal K6ImportError (file:line, exit 104) or notes on what was left out."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EXIT_PARTIAL", "ImportNote", "K6ImportError"]

EXIT_PARTIAL = 3
"""`dashtui import` wrote a preset but left constructs out (outside k6's exit code range, 97–110)."""


class K6ImportError(Exception):
    """A script that cannot be imported at all: a syntax error, a missing module, an unreadable file."""

    def __init__(self, message: str, *, file: str, line: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ImportNote:
    """One construct the preset does not reproduce (`partial`), or one dropped on purpose (console.log)."""

    file: str
    line: int
    what: str
    why: str
    partial: bool = True

    def __str__(self) -> str:
        kind = "not translated" if self.partial else "note"
        return f"{self.file}:{self.line}: {kind}: {self.what}: {self.why}"
