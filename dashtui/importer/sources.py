"""A k6 script and the relative modules it imports, each parsed with tree-sitter's JavaScript grammar."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser, Tree

from ..scenario import display_path
from .errors import K6ImportError

__all__ = ["BUILTIN_MODULES", "JsModule", "load_modules", "node_text", "parse"]

_LANGUAGE = Language(tree_sitter_javascript.language())

BUILTIN_MODULES = frozenset(
    {
        "k6",
        "k6/http",
        "k6/metrics",
        "k6/data",
        "k6/execution",
        "k6/crypto",
        "k6/encoding",
        "k6/ws",
        "k6/timers",
        "k6/net/grpc",
        "k6/html",
        "k6/experimental/websockets",
        "k6/experimental/fs",
    }
)
_MAX_MODULES = 200


@dataclass
class JsModule:
    """One file: its source, syntax tree and what each import specifier resolves to."""

    index: int
    path: Path
    display: str
    source: bytes
    tree: Tree
    imports: dict[str, str] = field(default_factory=dict)
    """specifier → a module key: a builtin name (`k6/http`), `remote:URL`, or another module's `#index`."""

    @property
    def key(self) -> str:
        return f"#{self.index}"


def node_text(node: Node) -> str:
    """The node's source text."""
    return (node.text or b"").decode("utf-8", "replace")


def parse(source: bytes) -> Tree:
    """The syntax tree of a JavaScript source."""
    return Parser(_LANGUAGE).parse(source)


def _first_error(node: Node) -> Node | None:
    if node.is_error or node.is_missing:
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return node


def _read(path: Path, display: str, referrer: tuple[str, int] | None) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if referrer is not None:
            raise K6ImportError(
                f"cannot import {display!r}: no such file", file=referrer[0], line=referrer[1]
            ) from None
        raise K6ImportError("no such file", file=display) from None
    except OSError as exc:
        where = referrer or (display, None)
        raise K6ImportError(
            f"cannot read {display!r}: {exc.strerror or type(exc).__name__}", file=where[0], line=where[1]
        ) from None


def _import_specifiers(tree: Tree) -> list[tuple[str, int]]:
    """(specifier, line) of every static import and re-export of the module."""
    found: list[tuple[str, int]] = []
    for child in tree.root_node.children:
        if child.type in ("import_statement", "export_statement"):
            source = child.child_by_field_name("source")
            if source is not None:
                found.append((_string_value(source), source.start_point[0] + 1))
    return found


def _string_value(node: Node) -> str:
    return "".join(node_text(c) for c in node.children if c.type in ("string_fragment", "escape_sequence"))


def load_modules(entry: Path) -> list[JsModule]:
    """The entry script (first) and every relative module it imports, transitively; syntax errors fail."""
    modules: list[JsModule] = []
    by_path: dict[Path, JsModule] = {}

    def load(path: Path, referrer: tuple[str, int] | None) -> JsModule:
        resolved = path.resolve()
        if resolved in by_path:
            return by_path[resolved]
        display = display_path(path)
        source = _read(path, display, referrer)
        tree = parse(source)
        error = _first_error(tree.root_node)
        if error is not None:
            line = error.start_point[0] + 1
            snippet = node_text(error).splitlines()[0][:40] if node_text(error) else ""
            found = f"missing {error.type!r}" if error.is_missing else f"unexpected {snippet!r}"
            raise K6ImportError(f"JavaScript syntax error: {found}", file=display, line=line)
        module = JsModule(index=len(modules), path=path, display=display, source=source, tree=tree)
        modules.append(module)
        by_path[resolved] = module
        if len(modules) > _MAX_MODULES:
            raise K6ImportError(f"more than {_MAX_MODULES} modules imported", file=display)
        return module

    load(entry, None)
    index = 0
    while index < len(modules):
        module = modules[index]
        index += 1
        for specifier, line in _import_specifiers(module.tree):
            if specifier in BUILTIN_MODULES or specifier.startswith("k6/"):
                module.imports[specifier] = specifier
            elif specifier.startswith(("http://", "https://")) and "/k6-summary/" in specifier:
                module.imports[specifier] = "k6-summary"
            elif specifier.startswith(("http://", "https://")):
                module.imports[specifier] = f"remote:{specifier}"
            elif specifier.startswith(("./", "../", "/")):
                target = (
                    (module.path.parent / specifier) if not specifier.startswith("/") else Path(specifier)
                )
                module.imports[specifier] = load(target, (module.display, line)).key
            else:
                raise K6ImportError(
                    f"cannot import {specifier!r}: k6 resolves only k6/* modules, URLs and relative paths",
                    file=module.display,
                    line=line,
                )
    return modules
