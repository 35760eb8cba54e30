"""`dashtui init`: read a Supabase project's PostgREST description and write a starting preset."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import httpx

from ..session import EXIT_CONFIG
from .errors import UsageError, fail

__all__ = ["choose", "init"]

_DEFAULT_URL = "http://127.0.0.1:54321"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dashtui init",
        description="Scaffold a dashboard preset from the tables a Supabase project's REST API (PostgREST) "
        "describes at /rest/v1/. Needs SUPABASE_SERVICE_ROLE_KEY, which stays a reference in the preset.",
    )
    parser.add_argument("--url", help="the project URL (else SUPABASE_URL, else the local Supabase default)")
    parser.add_argument("-o", "--output", type=Path, help="the preset to write (default: stdout)")
    parser.add_argument("--tables", help="tables to read, comma-separated (default: the first three)")
    parser.add_argument("--realtime", metavar="TABLE", help="subscribe each VU to this table's changes")
    parser.add_argument("--vus", type=int, default=10, help="viewers (default 10)")
    parser.add_argument("--duration", default="1m", help="k6 duration (default 1m)")
    return parser


def _fetch(url: str, key: str) -> dict[str, Any]:
    headers = {"apikey": key, "Authorization": f"Bearer {key}", "Accept": "application/openapi+json"}
    target = f"{url.rstrip('/')}/rest/v1/"
    try:
        response = httpx.get(target, headers=headers, timeout=15)
    except httpx.HTTPError as exc:
        raise UsageError(f"{target}: cannot read the schema description: {type(exc).__name__}") from None
    if response.status_code in (401, 403):
        raise UsageError(
            f"{target}: HTTP {response.status_code}: the schema description needs the service-role key "
            "(SUPABASE_SERVICE_ROLE_KEY)"
        )
    if response.status_code != 200:
        raise UsageError(f"{target}: HTTP {response.status_code}; expected 200 with the OpenAPI description")
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise UsageError(f"{target}: not a JSON object; expected PostgREST's OpenAPI description")
    return cast(dict[str, Any], document)


def choose(
    names: Sequence[str], tables: str | None, realtime: str | None, ask: Callable[[str], str] | None
) -> tuple[list[str], str | None]:
    """The tables to read and the Realtime table: from the options, else asked (`ask`), else defaults."""
    from ..importer.scaffold import DEFAULT_TABLE_COUNT

    def pick(text: str) -> list[str]:
        chosen = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            name = names[int(part) - 1] if part.isdigit() and 0 < int(part) <= len(names) else part
            if name not in names:
                raise UsageError(f"--tables: no table {part!r}; expected some of {', '.join(names)}")
            chosen.append(name)
        return chosen

    default = list(names[:DEFAULT_TABLE_COUNT])
    if tables is not None:
        chosen = pick(tables)
    elif ask is not None:
        listing = "\n".join(f"  {i}. {n}" for i, n in enumerate(names, 1))
        answer = ask(
            f"Tables and views:\n{listing}\nRead which (numbers or names, comma-separated) "
            f"[{','.join(default)}]: "
        )
        chosen = pick(answer) if answer.strip() else default
        if realtime is None:
            answer = ask("Realtime subscription on which table (blank: none): ").strip()
            realtime = pick(answer)[0] if answer else None
    else:
        chosen = default
    if not chosen:
        raise UsageError(f"no tables chosen; expected some of {', '.join(names)}")
    if realtime is not None and realtime not in names:
        raise UsageError(f"--realtime: no table {realtime!r}; expected one of {', '.join(names)}")
    return chosen, realtime


def init(argv: Sequence[str]) -> int:
    """Exit 0 with the preset written, 104 when the description cannot be read or the options are wrong."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_CONFIG if exc.code not in (0, None) else 0
    from ..importer.emit import to_toml
    from ..importer.scaffold import SchemaError, scaffold, tables_of

    env = dict(os.environ)
    url = args.url or env.get("SUPABASE_URL") or _DEFAULT_URL
    key = env.get("SUPABASE_SERVICE_ROLE_KEY", "")
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not env.get("CI") and args.output is not None
    try:
        if not key:
            raise UsageError(
                "SUPABASE_SERVICE_ROLE_KEY is not set: the schema description needs the service key"
            )
        if args.vus < 1:
            raise UsageError(f"--vus {args.vus}: expected 1 or more")
        try:
            infos = tables_of(_fetch(url, key))
        except SchemaError as exc:
            raise UsageError(f"{url}/rest/v1/: {exc}") from None
        if not infos:
            raise UsageError(f"{url}/rest/v1/: the description lists no tables or views")
        by_name = {t.name: t for t in infos}
        chosen, realtime = choose(list(by_name), args.tables, args.realtime, input if interactive else None)
        preset = scaffold(
            [by_name[n] for n in chosen], url=url, realtime=realtime, vus=args.vus, duration=args.duration
        )
        text = to_toml(preset)
        if args.output is not None:
            try:
                args.output.parent.mkdir(parents=True, exist_ok=True)
                args.output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"{args.output}: cannot write: {exc.strerror or type(exc).__name__}"
                ) from None
            print(f"dashtui: wrote {args.output} ({', '.join(chosen)})", file=sys.stderr)
        else:
            sys.stdout.write(text)
    except UsageError as exc:
        return fail(str(exc), env)
    except (EOFError, KeyboardInterrupt):
        return fail("init cancelled", env)
    return 0
