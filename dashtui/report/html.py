"""`--html FILE`: the run as one self-contained HTML page that fetches nothing.

Charts are inline SVG drawn here in Python rather than by an inlined JavaScript library: the page needs no
script at all (nothing to fail in a browser console, nothing a Content-Security-Policy on an artifact viewer
blocks), prints as vectors, renders the same in any browser or mail client, adds no dependency, and the
chart's data is checked by the same tests as the rest of the report. The summary data is embedded as JSON for
tools that want the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from ..metrics.format import format_duration, format_rate_percent, humanize_value
from ..metrics.series import SeriesPoint
from .k6json import dumps_json
from .view import SummaryView

__all__ = ["render_html"]

_STYLE = """
:root{--fg:#1d2330;--muted:#5b6473;--line:#d9dde4;--ok:#137333;--bad:#b3261e;--warn:#8a5a00;--bg:#fff}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);
margin:0 auto;padding:16px;max-width:1100px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line)}
.verdict{display:inline-block;padding:.2em .7em;border-radius:4px;font-weight:600;color:#fff}
.passed{background:var(--ok)}.failed,.aborted{background:var(--bad)}.interrupted{background:var(--warn)}
.facts{color:var(--muted);margin:.4em 0}.warning{border-left:4px solid var(--warn);padding:.4em .8em;
background:#fff7e0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid var(--line);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:var(--ok)}.bad{color:var(--bad)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px}
figcaption{font-weight:600;font-size:.92em;margin-bottom:4px}
svg{width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:var(--muted)}
.legend span{margin-right:1em;font-size:.85em}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
@media (max-width:600px){body{padding:8px;font-size:14px}th,td{padding:.25em .4em}}
@media print{body{max-width:none;padding:0}.charts{grid-template-columns:1fr 1fr}
figure,table,tr{break-inside:avoid}.verdict{color:#000;border:2px solid #000;background:none}}
"""

_W, _H = 480, 180
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 52, 10, 10, 24
_COLORS = ("#1a73e8", "#e37400", "#b3261e", "#137333")


def _nice_max(value: float) -> float:
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exponent = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return float(step * exponent)
    return 10.0 * exponent


def _chart(
    title: str,
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    duration: float,
    label: Callable[[float], str],
) -> str:
    """One line chart: x is seconds into the run, one polyline per named series."""
    top = _nice_max(max((y for _, points in series for _, y in points), default=0.0))
    span = max(duration, max((x for _, points in series for x, _ in points), default=0.0), 1.0)
    plot_w, plot_h = _W - _PAD_L - _PAD_R, _H - _PAD_T - _PAD_B

    def px(x: float) -> float:
        return _PAD_L + plot_w * x / span

    def py(y: float) -> float:
        return _PAD_T + plot_h * (1 - y / top)

    parts = [
        f'<svg viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i / 4
        y = py(value)
        parts.append(f'<line x1="{_PAD_L}" x2="{_W - _PAD_R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e9ee"/>')
        parts.append(
            f'<text x="{_PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(label(value))}</text>'
        )
    for i in range(5):
        x = span * i / 4
        tick = escape(format_duration(x * 1000))
        anchor = ("start", "middle", "middle", "middle", "end")[i]
        parts.append(f'<text x="{px(x):.1f}" y="{_H - 6}" text-anchor="{anchor}">{tick}</text>')
    for (name, points), color in zip(series, _COLORS, strict=False):
        if not points:
            continue
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{coords}">'
            f"<title>{escape(name)}</title></polyline>"
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{color}"></i>{escape(name)}</span>'
        for (name, _), color in zip(series, _COLORS, strict=False)
    )
    return (
        f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}"
        f'<div class="legend">{legend}</div></figure>'
    )


def _charts(points: Sequence[SeriesPoint], duration: float) -> str:
    if not points:
        return "<p>No complete second was recorded.</p>"

    def mid(p: SeriesPoint) -> float:
        return p.start + p.width / 2

    def ms(value: float) -> str:
        return format_duration(value) if value else "0"

    charts = [
        _chart(
            "Requests per second",
            [("req/s", [(mid(p), p.rate) for p in points])],
            duration=duration,
            label=lambda v: f"{v:g}",
        ),
        _chart(
            "Latency (http_req_duration)",
            [
                ("p50", [(mid(p), p.p50) for p in points if p.requests]),
                ("p95", [(mid(p), p.p95) for p in points if p.requests]),
                ("p99", [(mid(p), p.p99) for p in points if p.requests]),
            ],
            duration=duration,
            label=ms,
        ),
        _chart(
            "Errors (failed requests)",
            [("error rate", [(mid(p), p.error_rate) for p in points])],
            duration=duration,
            label=lambda v: f"{v * 100:g}%",
        ),
        _chart(
            "VUs", [("VUs", [(mid(p), p.vus) for p in points])], duration=duration, label=lambda v: f"{v:g}"
        ),
    ]
    width = points[-1].width
    note = f"<p class=facts>One point per {width} s over the whole run.</p>" if width > 1 else ""
    return f'<div class="charts">{"".join(charts)}</div>{note}'


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    head = "".join(
        f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _mark(ok: bool | None) -> str:
    if ok is None:
        return '<span title="nothing measured">–</span>'
    return '<span class="ok">✓ pass</span>' if ok else '<span class="bad">✗ fail</span>'


def _stat_text(stat: str, value: float, metric_type: str, contains: str) -> str:
    """One value of a metric's `values`: a Rate's `rate` as a percentage, its passes/fails as counts."""
    if stat == "rate" and metric_type == "rate":
        return humanize_value(value, "rate", contains)
    if metric_type == "trend":
        return humanize_value(value, "trend", contains)
    return humanize_value(value, "counter", "data" if contains == "data" else "default")


def _groups(root: Mapping[str, Any], view: SummaryView) -> list[list[str]]:
    rows: list[list[str]] = []

    def walk(group: Mapping[str, Any]) -> None:
        for child in group.get("groups", []) or []:
            path = str(child.get("path", ""))
            checks = child.get("checks", []) or []
            fails = sum(int(c.get("fails", 0)) for c in checks)
            duration = view.group_p95(path)
            rows.append(
                [
                    escape(path),
                    str(len(checks)),
                    f'<span class="{"bad" if fails else "ok"}">{fails}</span>',
                    escape(format_duration(duration)) if duration is not None else "—",
                ]
            )
            walk(child)

    walk(root)
    return rows


def render_html(data: Mapping[str, Any], series: Sequence[SeriesPoint]) -> str:
    """The whole report page for one run's summary data and its whole-run series."""
    view = SummaryView(data)
    verdict = view.verdict()
    preset = view.own.get("preset")
    title = f"dashtui report: {preset}" if isinstance(preset, str) and preset else "dashtui report"
    facts = view.facts()
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p><span class="verdict {verdict}">{verdict}</span></p>',
        f'<p class="facts">{escape(" · ".join(facts))}</p>',
    ]
    if view.warning:
        body.append(f'<p class="warning"><b>Generator overloaded:</b> {escape(view.warning)}</p>')

    thresholds = view.thresholds()
    body.append("<h2>Thresholds</h2>")
    body.append(
        _table(
            ("", "metric", "threshold", "observed"),
            [
                [_mark(t.ok), escape(t.metric), escape(t.source), escape(t.observed_text())]
                for t in thresholds
            ],
            numeric=(3,),
        )
        if thresholds
        else "<p>No thresholds.</p>"
    )
    body += ["<h2>Over time</h2>", _charts(series, view.duration_s)]

    endpoints = view.endpoints()
    if endpoints:
        body.append("<h2>Endpoints</h2>")
        body.append(
            _table(
                ("endpoint", "method", "requests", "errors", "p50", "p95", "p99", "status"),
                [
                    [
                        escape(e.name),
                        escape(e.method),
                        str(e.requests),
                        escape(format_rate_percent(e.error_rate)),
                        *(escape(format_duration(e.duration.get(s, 0.0))) for s in ("med", "p(95)", "p(99)")),
                        escape(" ".join(f"{k}:{v}" for k, v in e.status_classes.items())),
                    ]
                    for e in endpoints
                ],
                numeric=(2, 3, 4, 5, 6),
            )
        )
    checks = view.checks()
    if checks:
        body.append("<h2>Checks</h2>")
        body.append(
            _table(
                ("", "group", "check", "passes", "fails"),
                [
                    [
                        _mark(c.fails == 0),
                        escape(c.group or "(root)"),
                        escape(c.name),
                        str(c.passes),
                        str(c.fails),
                    ]
                    for c in checks
                ],
                numeric=(3, 4),
            )
        )
    root = data.get("root_group")
    groups = _groups(root, view) if isinstance(root, Mapping) else []
    if groups:
        body.append("<h2>Groups</h2>")
        body.append(_table(("group", "checks", "check fails", "p95 duration"), groups, numeric=(1, 2, 3)))
    realtime = view.realtime()
    if realtime:
        body.append("<h2>Realtime</h2>")
        rows = []
        for key, metric in realtime:
            values = metric.get("values") or {}
            shown = ", ".join(
                f"{stat}={_stat_text(stat, float(v), str(metric.get('type')), str(metric.get('contains')))}"
                for stat, v in values.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            )
            rows.append([escape(key), escape(str(metric.get("type", ""))), escape(shown)])
        body.append(_table(("metric", "type", "values"), rows))
    generator = view.generator()
    if generator:
        body.append("<h2>Generator health</h2>")
        body.append(
            _table(
                ("overloaded", "CPU avg", "CPU peak", "loop lag p95", "loop lag max", "late"),
                [
                    [
                        "yes" if generator.get("overloaded") else "no",
                        escape(f"{generator.get('cpu_percent', 0)}%"),
                        escape(f"{generator.get('cpu_percent_peak', 0)}%"),
                        escape(f"{generator.get('loop_lag_p95_ms', 0)} ms"),
                        escape(f"{generator.get('loop_lag_max_ms', 0)} ms"),
                        escape(f"{generator.get('late_percent', 0)}%"),
                    ]
                ],
            )
        )
    embedded = dumps_json(data, 0).replace("</", "<\\/")
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + f'\n<script type="application/json" id="dashtui-data">{embedded}</script>\n</body></html>\n'
    )
