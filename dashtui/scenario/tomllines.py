"""Best-effort line numbers for TOML keys: tomllib gives none, so scan the text for headers and keys."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["TomlLines"]

_KEY_PART = r"[A-Za-z0-9_-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_DOTTED = rf"(?:{_KEY_PART})(?:\s*\.\s*(?:{_KEY_PART}))*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*(\]\]?)\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PARTS = re.compile(_KEY_PART)

Path = tuple[str | int, ...]


def _split(dotted: str) -> list[str]:
    parts = []
    for raw in _PARTS.findall(dotted):
        parts.append(raw[1:-1] if raw[:1] in "\"'" else raw)
    return parts


class TomlLines:
    """Maps key paths such as ('steps', 0, 'batch', 1, 'url') to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._index: dict[Path, int] = {}
        self._headers: set[int] = set()
        self._scan()

    def _scan(self) -> None:
        arrays: dict[Path, int] = {}
        prefix: Path = ()
        in_multiline = False
        for number, line in enumerate(self._lines, start=1):
            quotes = line.count('"""') + line.count("'''")
            if in_multiline:
                in_multiline = quotes % 2 == 0
                continue
            header = _HEADER.match(line)
            if header is not None:
                self._headers.add(number)
                parts = _split(header.group(2))
                resolved: list[str | int] = []
                for part in parts[:-1]:
                    resolved.append(part)
                    if tuple(resolved) in arrays:
                        resolved.append(arrays[tuple(resolved)] - 1)
                resolved.append(parts[-1])
                if header.group(1) == "[[":
                    key = tuple(resolved)
                    self._index.setdefault(key, number)
                    arrays[key] = arrays.get(key, 0) + 1
                    resolved.append(arrays[key] - 1)
                prefix = tuple(resolved)
                self._index.setdefault(prefix, number)
                continue
            assign = _ASSIGN.match(line)
            if assign is not None:
                self._index.setdefault((*prefix, *_split(assign.group(1))), number)
            if quotes % 2 == 1:
                in_multiline = True

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of `path`, or of the nearest enclosing key found; None when nothing matches."""
        key = tuple(path)
        for cut in range(len(key), 0, -1):
            line = self._index.get(key[:cut])
            if line is not None:
                return self._search_inline(line, key[cut:])
        return None

    def _search_inline(self, line: int, rest: Path) -> int:
        """Follow the rest of the path inside inline arrays/tables that start at `line`."""
        current = line
        skip = 0
        for part in rest:
            if isinstance(part, int):
                skip = part
                continue
            found = self._find_key(current, str(part), skip)
            if found is None:
                return current
            current, skip = found, 0
        return current

    def _find_key(self, start: int, name: str, skip: int) -> int | None:
        pattern = re.compile(rf"(?:^|[\s{{,])(?:{re.escape(name)}|\"{re.escape(name)}\")\s*=")
        seen = 0
        for number in range(start, len(self._lines) + 1):
            if number > start and number in self._headers:
                return None
            text = self._lines[number - 1]
            offset = 0
            if number == start:
                assign = _ASSIGN.match(text)
                offset = assign.end() if assign is not None else 0
            for _ in pattern.finditer(text, offset):
                if seen == skip:
                    return number
                seen += 1
        return None
