"""`dashtui compare`: deltas on pairs with known changes, rules, missing stats, exit codes, k6's own file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dashtui.cli import main
from dashtui.report.compare import CompareError, compare, parse_rule

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent.parent / "golden"
K6_FILE = FIXTURES / "k6-samples" / "seed-handleSummary.json"


def _base() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "engine.summary.json").read_text(encoding="utf-8"))
    data["dashtui"]["endpoints"] = [
        {
            "name": "tickets",
            "method": "GET",
            "requests": 100,
            "failed": 2,
            "error_rate": 0.02,
            "status_classes": {"2xx": 98, "5xx": 2},
            "duration": {"avg": 50.0, "med": 40.0, "p(95)": 100.0, "p(99)": 150.0},
        }
    ]
    return data


def _slower(data: dict[str, Any], factor: float, failed_rate_delta: float) -> dict[str, Any]:
    """`data` with every time stat of http_req_duration* scaled and http_req_failed's rate moved."""
    new = copy.deepcopy(data)
    for key, metric in new["metrics"].items():
        if key.startswith("http_req_duration"):
            metric["values"] = {k: (v if k == "count" else v * factor) for k, v in metric["values"].items()}
    new["metrics"]["http_req_failed"]["values"]["rate"] += failed_rate_delta
    for endpoint in new["dashtui"]["endpoints"]:
        endpoint["duration"] = {k: v * factor for k, v in endpoint["duration"].items()}
    return new


def _write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    base = _base()
    return _write(tmp_path, "base.json", base), _write(tmp_path, "new.json", _slower(base, 1.2, 0.01))


def test_deltas_are_the_known_change(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(pair[0]), str(pair[1])]) == 0
    out = capsys.readouterr().out
    p95 = next(
        line for line in out.splitlines() if line.startswith("http_req_duration ") and " p(95) " in line
    )
    assert "96.53ms" in p95 and "115.83ms" in p95 and "(+20.0%)" in p95
    failed = next(line for line in out.splitlines() if line.startswith("http_req_failed "))
    assert "10.00%" in failed and "11.00%" in failed and "+1.00 pp" in failed
    endpoint = next(line for line in out.splitlines() if line.startswith("tickets") and " p95 " in line)
    assert "100ms" in endpoint and "120ms" in endpoint and "(+20.0%)" in endpoint


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("http_req_duration=p(95)+10%", 99),
        ("http_req_duration=p(95)+25%", 0),
        ("http_req_duration=p95+19.9%", 99),
        ("http_req_failed=rate+0.005", 99),
        ("http_req_failed=rate+0.02", 0),
        ("http_req_duration{group:::initial_load}=med+19%", 99),
        ("http_req_duration{group:::initial_load}=med+21%", 0),
        ("http_req_duration=p(95)+10", 99),
        ("http_req_duration=p(95)+20", 0),
        ("http_req_duration{name:events}=p(95)+30%", 0),
        ("http_reqs=count-10%", 0),
    ],
)
def test_a_rule_fails_only_past_its_limit(pair: tuple[Path, Path], rule: str, code: int) -> None:
    assert main(["compare", str(pair[0]), str(pair[1]), "--fail-on", rule]) == code


def test_an_endpoint_rule_reads_the_endpoint_table_when_there_is_no_submetric(tmp_path: Path) -> None:
    base = _base()
    new = _slower(base, 1.5, 0.0)
    rule = parse_rule("http_req_duration{name:tickets}=p(99)+40%")
    result = compare(base, new, (rule,))
    (verdict,) = result.rules
    assert verdict.base == 150.0 and verdict.new == pytest.approx(225.0) and verdict.ok is False


def test_a_missing_stat_is_reported_and_skipped_or_104_with_strict(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(pair[0]), str(pair[1]), "--fail-on", "http_req_duration=p(99.9)+5%"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "SKIP http_req_duration=p(99.9)+5%" in captured.out
    assert "p(99.9) of http_req_duration not in" in captured.err
    assert main([*args, "--strict"]) == 104


def test_reads_k6s_own_file_with_med_and_no_p99(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    k6 = json.loads(K6_FILE.read_text(encoding="utf-8"))
    del k6["metrics"]["http_req_duration"]["values"]["p(99)"]
    base = _write(tmp_path, "k6.json", k6)
    new = _write(tmp_path, "k6-new.json", _slower_k6(k6))
    code = main(
        [
            "compare",
            str(base),
            str(new),
            "--fail-on",
            "http_req_duration=p(50)+5%",
            "--fail-on",
            "http_req_duration=p(99)+5%",
        ]
    )
    out = capsys.readouterr().out
    assert code == 99
    assert "FAIL http_req_duration=p(50)+5%: 50.82ms → 55.9ms" in out
    assert "SKIP http_req_duration=p(99)+5%" in out


def _slower_k6(data: dict[str, Any]) -> dict[str, Any]:
    new = copy.deepcopy(data)
    values = new["metrics"]["http_req_duration"]["values"]
    for key in values:
        values[key] *= 1.1
    return new


def test_the_k6_written_file_against_itself_has_no_delta(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(K6_FILE), str(K6_FILE), "--fail-on", "http_req_duration=p(95)+0%"]) == 0
    out = capsys.readouterr().out
    assert "PASS http_req_duration=p(95)+0%" in out
    assert "Endpoints:" not in out


def test_markdown_format_is_a_table(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(pair[0]), str(pair[1]), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## dashtui compare:")
    assert "| metric | stat |" in out and "|---|---|---|---|---|" in out
    assert "### Endpoints" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read"),
        ("{not json", "invalid JSON"),
        ('{"root_group": {}}', 'no "metrics" object'),
        ("[1, 2]", 'no "metrics" object'),
    ],
)
def test_unreadable_input_exits_104_with_one_line(
    tmp_path: Path,
    pair: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    message: str,
) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    assert main(["compare", str(pair[0]), str(bad)]) == 104
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(bad) in err


@pytest.mark.parametrize(
    "rule", ["http_req_duration", "http_req_duration=p(95)*10%", "=p(95)+1", "http_req_duration{=p(95)+1"]
)
def test_a_malformed_rule_is_a_usage_error(pair: tuple[Path, Path], rule: str) -> None:
    with pytest.raises(CompareError, match="--fail-on"):
        parse_rule(rule)
    assert main(["compare", str(pair[0]), str(pair[1]), "--fail-on", rule]) == 104


def test_the_last_equals_sign_separates_so_selectors_may_hold_one() -> None:
    rule = parse_rule("http_req_duration{name:http://x/rest/v1/events?select=*}=p(95)+10%")
    assert rule.metric == "http_req_duration{name:http://x/rest/v1/events?select=*}"
    assert (rule.stat, rule.sign, rule.amount, rule.percent) == ("p(95)", 1, 10.0, True)


def test_no_key_reaches_the_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl"
    base = _base()
    base["dashtui"]["endpoints"][0]["name"] = f"events?apikey={key}"
    path = _write(tmp_path, "base.json", base)
    assert (
        main(["compare", str(path), str(path), "--fail-on", f"http_req_duration{{name:{key}}}=p(95)+1%"]) == 0
    )
    captured = capsys.readouterr()
    assert key not in captured.out + captured.err and "[redacted]" in captured.out
