"""The run's command-line options (k6's shortcuts and dashtui's own) and their argument types."""

from __future__ import annotations

import argparse
import difflib
import math
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from .._version import __version__
from ..scenario import Stage
from ..scenario.durations import parse_duration
from ..scenario.segments import ExecutionSegment, ExecutionSegmentSequence, ExecutionTuple, SegmentError
from .errors import UsageError

__all__ = ["DEFAULT_PRESET", "add_segment_flags", "build_parser", "env_pair", "execution_segment", "workers"]

DEFAULT_PRESET = "dashboard"


def _count(flag: str, unit: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = -1
        if value < 1:
            raise argparse.ArgumentTypeError(f"found {text!r}, expected a whole number of {unit}, 1 or more")
        return value

    parse.__name__ = flag
    return parse


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except Exception as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _stage(text: str) -> Stage:
    duration, sep, target = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"--stage {text!r}: expected DURATION:TARGET, e.g. 30s:20")
    try:
        return Stage(duration=parse_duration(duration), target=int(target))
    except Exception as exc:
        raise argparse.ArgumentTypeError(f"--stage {text!r}: {exc}") from None


def workers(text: str) -> int | str:
    """`--workers N|auto`: a whole number of local worker processes, at least 1, or `auto`."""
    if text == "auto":
        return text
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"--workers {text!r}: expected a whole number (1 or more) or auto")
    return count


MAX_FPS = 60.0


def _fps(text: str) -> float:
    """`--fps`: frames per second, a positive number no larger than a terminal can show."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_FPS):
        raise argparse.ArgumentTypeError(
            f"--fps {text!r}: expected a number of frames per second, 0 < fps <= 60"
        )
    return value


def url(text: str) -> str:
    """`--url`: an absolute http(s) URL with a host, checked before the preset is read."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"--url {text!r}: expected an absolute http(s) URL with a host, such as http://127.0.0.1:54321"
        )
    return text


def env_pair(text: str) -> tuple[str, str]:
    """`-e KEY=VALUE`, as k6's `--env`."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--env {text!r}: expected KEY=VALUE")
    return key, value


def add_segment_flags(parser: argparse.ArgumentParser) -> None:
    """k6's `--execution-segment` and `--execution-segment-sequence`, checked by `execution_segment`."""
    parser.add_argument(
        "--execution-segment",
        metavar="SEGMENT",
        help="run only this part of the test, as k6: 1/3, 25%%, 0.2:2/3, 1/4:2/4 (default 0:1)",
    )
    parser.add_argument(
        "--execution-segment-sequence",
        metavar="POINTS",
        help="every worker's segment, as k6: 0,1/3,2/3,1; must contain --execution-segment",
    )


def execution_segment(args: argparse.Namespace) -> ExecutionTuple | None:
    """The run's segment within its sequence from the two flags (None: the whole run, as without them).

    k6's rules: a segment alone is filled around (`1/4:1/2` is the second of `0,1/4,1/2,1`); a
    sequence must contain the segment (the whole run `0:1` when none is given). UsageError otherwise.
    """
    segment_text = args.execution_segment
    sequence_text = args.execution_segment_sequence
    if segment_text is None and sequence_text is None:
        return None
    try:
        segment = ExecutionSegment.parse(segment_text or "")
    except SegmentError as exc:
        raise UsageError(
            f"--execution-segment {segment_text!r}: {exc.reason}; expected FROM:TO with "
            "0 <= FROM < TO <= 1 (1/4:2/4, 25%:50%, 0.2:2/3) or one value TO (1/3)"
        ) from None
    if not (sequence_text or "").strip():
        return ExecutionTuple.of(segment)
    try:
        sequence = ExecutionSegmentSequence.parse(sequence_text)
    except SegmentError as exc:
        raise UsageError(
            f"--execution-segment-sequence {sequence_text!r}: {exc.reason}; expected increasing "
            "points between 0 and 1 such as 0,1/3,2/3,1"
        ) from None
    if segment not in sequence.segments:
        shown = f"{segment}" if segment_text else f"{segment} (the default)"
        raise UsageError(
            f"--execution-segment {shown} is not one of the segments of --execution-segment-sequence "
            f"{sequence}: expected one of {', '.join(str(s) for s in sequence)}"
        )
    return ExecutionTuple.of(segment, sequence)


class SuggestingParser(argparse.ArgumentParser):
    """An argparse parser whose "unrecognized arguments" error names the closest flag (difflib)."""

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            flags = [
                flag for action in self._actions for flag in action.option_strings if flag.startswith("--")
            ]
            hints = []
            for given in message[len(prefix) :].split():
                name = given.split("=", 1)[0]
                close = (
                    difflib.get_close_matches(name, flags, n=1, cutoff=0.6) if name.startswith("-") else []
                )
                if close:
                    hints.append(close[0])
            if hints:
                message += f" (did you mean {' or '.join(hints)}?)"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The parser of `dashtui [PRESET] [options]`; every new run flag is added here."""
    parser = SuggestingParser(
        prog="dashtui",
        description="Load-test a Supabase-backed dashboard with k6's semantics, live in the terminal.",
        epilog="Subcommands: `dashtui serve` (the stand-in), `dashtui validate PRESET` (dry run), "
        "`dashtui presets` (list), `dashtui import k6 SCRIPT.js` (a k6 script → a preset), "
        "`dashtui init` (a Supabase schema → a preset), `dashtui compare BASE.json NEW.json` (two runs).",
    )
    parser.add_argument("preset", nargs="?", default=DEFAULT_PRESET, help="preset name or .toml/.py file")
    parser.add_argument("--headless", action="store_true", help="no console: progress, summary, exit code")
    parser.add_argument("-u", "--vus", type=_count("vus", "VUs"), help="k6 --vus")
    parser.add_argument("-d", "--duration", type=_duration, help="k6 --duration, e.g. 30s, 3m")
    parser.add_argument("-i", "--iterations", type=_count("iterations", "iterations"), help="k6 --iterations")
    parser.add_argument("-s", "--stage", type=_stage, action="append", help="k6 --stage DURATION:TARGET")
    parser.add_argument("-e", "--env", type=env_pair, action="append", default=[], help="KEY=VALUE")
    parser.add_argument(
        "--url", type=url, help="target base URL (else SUPABASE_URL, else the embedded stand-in)"
    )
    parser.add_argument(
        "--out",
        action="append",
        default=[],
        metavar="[TYPE=]PATH",
        help="json=FILE / csv=FILE: k6's per-sample NDJSON / CSV (.gz compresses; under --workers N, one "
        "file per worker: NAME.w1.json…); a plain PATH: the handleSummary JSON report; may be given "
        "several times",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="JUnit XML: thresholds and checks")
    parser.add_argument(
        "--summary-markdown",
        type=Path,
        metavar="FILE",
        help="the Markdown summary GITHUB_STEP_SUMMARY gets",
    )
    parser.add_argument("--html", type=Path, metavar="FILE", help="one self-contained HTML report")
    parser.add_argument("--summary-export", type=Path, help="k6's --summary-export JSON")
    parser.add_argument("--no-color", action="store_true", help="no ANSI colours")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--fps", type=_fps, default=4.0, help="console refresh rate (default 4, at most 60)")
    parser.add_argument("--seed", type=int, help="seed for think-time randomness")
    add_segment_flags(parser)
    parser.add_argument(
        "--http1",
        action="store_true",
        help="HTTP/1.1 for https targets too (default: HTTP/2 by ALPN, as k6)",
    )
    parser.add_argument(
        "--workers",
        type=workers,
        metavar="N|auto",
        help="worker processes, each running its execution segment (auto: by VUs and rates, up to the "
        "cores; default 1, or one per Dask worker with --cluster)",
    )
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run the workers on this Dask distributed scheduler (tcp://host:8786); needs dashtui[cluster]",
    )
    parser.add_argument(
        "--on-worker-loss",
        choices=("abort", "continue"),
        default="abort",
        help="when a worker dies or stops answering: abort the run (exit 103, the default) or go on",
    )
    parser.add_argument("--version", action="version", version=f"dashtui {__version__}")
    return parser
