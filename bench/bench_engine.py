"""The engine's figures (issues 8 and 13): `dashtui --headless` as a subprocess against nginx on 127.0.0.1.

Usage: python -m bench.bench_engine [--figure trivial dashboard1000 dashboard20 scale3000 scale-ratio | all]
           [--runs 3] [--seconds S] [--vus N] [--delay 0.05] [--wrk-seconds 10] [-- EXTRA DASHTUI ARGS]

Figures (the goal in brackets):
  trivial        GET /fast, 50 VUs, no think time: requests per generator CPU-second [>= 4,000]
  dashboard1000  dashboard flow (REST part), 1,000 VUs, 30 s, 50 ms target: µs of CPU per request [<= 500],
                 http_req_duration p50 [<= 53 ms] / p95, thresholds, peak RSS [<= 200 MiB], generator health
  dashboard20    dashboard flow, 20 VUs: reported p95 vs the target's own p95 from wrk [within 5 ms]
  scale3000      dashboard flow, 3,000 VUs with `--workers 2`: summed RSS [< 600 MiB], p50 [within 3 ms of
                 50], coordinator CPU vs workers' [<= 3%], sockets against the open-file limit
  scale-ratio    GET /fast, `--workers 2` vs `--workers 1`, interleaved: requests per wall-second [>= 1.8x]
The target is nginx + echo (bench/nginx_target.py): `/rest/v1/` answers after a fixed delay, `/fast` at once.
CPU is the whole dashtui process tree (getrusage RUSAGE_CHILDREN, so every worker it reaps counts), minus
the CPU of a one-request run (start-up, imports, report) measured in the same invocation; RSS is summed over
the tree, polled from /proc every 0.2 s. Arguments after `--` go to every dashtui run (e.g. `-- --http1`).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _presets
from ._proctree import TreeWatch, children_cpu_seconds
from .nginx_target import NginxTarget, TargetUnavailable, measure_with_wrk, nginx_target

# the seed's initial_load batch: bench_console's scenario uses these too
QUERIES = [
    ("events", "/rest/v1/events?select=*&order=date.desc&limit=10"),
    ("tickets", "/rest/v1/tickets?select=id,event_id,status&event_id=eq.e1"),
    (
        "orders",
        "/rest/v1/orders?select=id,total_amount,status,created_at&event_id=eq.e1&status=eq.paid&limit=100",
    ),
    ("vip_reservations", "/rest/v1/vip_reservations?select=id,status,total_price&event_id=eq.e1"),
]
ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
FIGURES = {
    # figure: (VUs, seconds)
    "trivial": (50, 10.0),
    "dashboard1000": (1000, 30.0),
    "dashboard20": (20, 30.0),
    "scale3000": (3000, 30.0),
    "scale-ratio": (50, 10.0),
}
BATCH = 4
"""Connections one dashboard VU holds at most: its largest batch (initial_load), below batchPerHost (6)."""
ENV = {
    "SUPABASE_SERVICE_ROLE_KEY": "bench-service-key",
    "SUPABASE_ANON_KEY": "bench-anon-key",
    "TEST_EVENT_ID": "e1",
}


@dataclass
class Run:
    """One dashtui run: exit code, CPU of its process tree, peak summed RSS, and its JSON report."""

    code: int
    wall: float
    cpu: float
    root_cpu: float
    others_cpu: float
    processes: int
    peak_rss: int
    peak_fds: int
    report: dict[str, Any]
    stderr: str

    def values(self, metric: str) -> dict[str, float]:
        entry = self.report.get("metrics", {}).get(metric, {})
        return dict(entry.get("values", {}))

    @property
    def requests(self) -> float:
        return self.values("http_reqs").get("count", 0.0)

    @property
    def rate(self) -> float:
        return self.values("http_reqs").get("rate", 0.0)

    @property
    def failed_thresholds(self) -> list[str]:
        failed = []
        for name, entry in self.report.get("metrics", {}).items():
            for source, result in entry.get("thresholds", {}).items():
                if not result.get("ok", True):
                    failed.append(f"{name}: {source}")
        return failed

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self.report.get("dashtui", {}))


@dataclass
class Bench:
    """Runs dashtui against one target with one command line; knows the start-up CPU to subtract."""

    target: NginxTarget
    command: list[str]
    extra: list[str]
    workdir: Path
    startup_cpu: float = 0.0
    runs_done: int = field(default=0)

    def run(self, preset: dict[str, Any], *, extra: Sequence[str] = (), timeout: float = 600) -> Run:
        self.runs_done += 1
        stem = self.workdir / f"run{self.runs_done}"
        path = _presets.write(preset, stem.with_suffix(".toml"))
        out = stem.with_suffix(".json")
        argv = [
            *self.command, str(path), "--headless", "-q", "--no-color",
            "--url", self.target.url, "--out", str(out), *self.extra, *extra,
        ]  # fmt: skip
        env = {
            **os.environ,
            **ENV,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        env.pop("SUPABASE_URL", None)
        cpu0, wall0 = children_cpu_seconds(), time.perf_counter()
        with open(stem.with_suffix(".out"), "wb") as stdout, open(stem.with_suffix(".err"), "w+b") as stderr:
            process = subprocess.Popen(
                argv,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=_raise_fd_limit,
                start_new_session=True,
            )
            watch = TreeWatch(process.pid).start()
            late = ""
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                late = f"\nbench: no exit after {timeout:g} s: killed"
                code = -9
            finally:
                watch.stop()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            stderr.seek(0)
            err = stderr.read().decode(errors="replace") + late
        wall, cpu = time.perf_counter() - wall0, children_cpu_seconds() - cpu0
        seen = watch.root_cpu + watch.descendants_cpu
        if seen > cpu * 1.05:
            # a process the tree never reaped (an orphaned worker) is missing from getrusage: trust /proc
            print(
                f"  note: /proc saw {seen:.2f} CPU-s in the process tree, getrusage {cpu:.2f}: using /proc's"
            )
            cpu = seen
        report = json.loads(out.read_text()) if out.is_file() else {}
        return Run(
            code=code,
            wall=wall,
            cpu=cpu,
            root_cpu=watch.root_cpu,
            others_cpu=watch.descendants_cpu,
            processes=len(watch.cpu),
            peak_rss=watch.peak_rss,
            peak_fds=watch.peak_fds,
            report=report,
            stderr=err,
        )

    def net_cpu(self, run: Run) -> float:
        return max(run.cpu - self.startup_cpu, 1e-9)


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float], fmt: str = "{:,.0f}") -> str:
    return "runs: " + " ".join(fmt.format(v) for v in values)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def verdict(ok: bool) -> str:
    return "meets the goal" if ok else "MISSES the goal"


def check_run(run: Run, label: str) -> bool:
    """Say why a run produced no figures (a flag this dashtui lacks, a crash); True when it has a report."""
    if run.report:
        return True
    lines = [line for line in run.stderr.strip().splitlines() if line.strip()]
    print(f"  {label}: dashtui exited {run.code} with no JSON report: {lines[-1] if lines else 'no output'}")
    return False


def health(generator: dict[str, Any]) -> str:
    """The generator section in one line: loop lag, CPU, time overloaded, queueing (the keys it has)."""
    queueing = generator.get("queueing") or {}
    parts = [
        f"loop lag p95 {generator['loop_lag_p95_ms']:.1f} ms" if "loop_lag_p95_ms" in generator else "",
        f"max {generator['loop_lag_max_ms']:.0f} ms" if "loop_lag_max_ms" in generator else "",
        f"CPU {generator['cpu_percent']:.0f}%" if "cpu_percent" in generator else "",
        f"overloaded {generator['overloaded_s']:.1f} s" if generator.get("overloaded") else "",
        f"late {generator['late_percent']:.0f}% of the time" if "late_percent" in generator else "",
        f"queueing p95 {queueing['p95_ms']:.1f} ms" if "p95_ms" in queueing else "",
    ]
    return ", ".join(p for p in parts if p) or json.dumps(generator, separators=(",", ":"))


def generator_lines(run: Run) -> list[str]:
    """The JSON's generator section and, with workers, one line per worker (lag goal: p95 < 20 ms in each)."""
    extras = run.extras
    lines = [f"generator: {health(extras['generator'])}"] if "generator" in extras else []
    for worker in extras.get("workers") or []:
        if not isinstance(worker, dict):
            continue
        state = f"{worker.get('state', '?')}{': ' + worker['error'] if worker.get('error') else ''}"
        lines.append(
            f"worker {worker.get('name', '?')} ({worker.get('segment', '?')}, {state}): "
            f"{worker.get('requests', 0):,} requests; {health(worker.get('generator') or {})}"
        )
    return lines


def startup(bench: Bench, runs: int) -> None:
    costs = []
    for _ in range(max(1, min(runs, 3))):
        run = bench.run(_presets.one_iteration())
        if check_run(run, "start-up run"):
            costs.append(run.cpu)
    bench.startup_cpu = median(costs) if costs else 0.0
    print(
        f"start-up: {bench.startup_cpu:.2f} CPU-s for a one-request run (imports, report), "
        f"subtracted from every CPU figure below ({spread(costs, '{:.2f}')})"
    )


def fig_trivial(bench: Bench, vus: int, seconds: float, runs: int) -> None:
    print(f"\n[trivial] GET /fast, {vus} VUs, {seconds:g} s, no think time ({load()})")
    per_cpu, gross, rate = [], [], []
    for _ in range(runs):
        run = bench.run(_presets.trivial_get(vus, seconds))
        if not check_run(run, "trivial"):
            return
        per_cpu.append(run.requests / bench.net_cpu(run))
        gross.append(run.requests / run.cpu)
        rate.append(run.rate)
    print(
        f"  requests per generator CPU-second: {median(per_cpu):,.0f} ({spread(per_cpu)}) — "
        f"{verdict(median(per_cpu) >= 4000)} (>= 4,000)"
    )
    print(f"  with start-up included: {median(gross):,.0f}; requests per wall-second: {median(rate):,.0f}")


def fig_dashboard(bench: Bench, vus: int, seconds: float, runs: int, label: str) -> list[Run]:
    done: list[Run] = []
    for _ in range(runs):
        run = bench.run(_presets.dashboard_rest(vus, seconds), timeout=seconds + 300)
        if not check_run(run, label):
            break
        done.append(run)
    return done


def print_flow(bench: Bench, done: list[Run], delay_ms: float) -> None:
    us = [bench.net_cpu(r) / max(r.requests, 1) * 1e6 for r in done]
    p50 = [r.values("http_req_duration").get("med", float("nan")) for r in done]
    p95 = [r.values("http_req_duration").get("p(95)", float("nan")) for r in done]
    rss = [r.peak_rss / MIB for r in done]
    print(
        f"  requests: {spread([r.requests for r in done])}; iterations: "
        f"{spread([r.values('iterations').get('count', 0) for r in done])}"
    )
    print(
        f"  generator CPU per request: {median(us):,.0f} µs ({spread(us)}) — "
        f"{verdict(median(us) <= 500)} (<= 500)"
    )
    print(
        f"  http_req_duration p50 {median(p50):.1f} ms ({spread(p50, '{:.1f}')}) — "
        f"{verdict(median(p50) <= delay_ms + 3)} (<= {delay_ms + 3:g}); "
        f"p95 {median(p95):.1f} ms ({spread(p95, '{:.1f}')})"
    )
    print(
        f"  peak RSS (summed over {max(r.processes for r in done)} process(es)): "
        f"{median(rss):,.0f} MiB ({spread(rss)})"
    )
    for index, run in enumerate(done, 1):
        failed = run.failed_thresholds
        status = "thresholds pass" if not failed else "FAILED " + ", ".join(failed)
        print(f"  run {index}: exit {run.code}, {status}")
        for line in generator_lines(run):
            print(f"    {line}")


def fig_dashboard1000(bench: Bench, vus: int, seconds: float, runs: int, delay_ms: float) -> None:
    print(
        f"\n[dashboard1000] dashboard flow (REST part), {vus} VUs, {seconds:g} s, "
        f"{delay_ms:g} ms target ({load()})"
    )
    print(f"  sockets needed: {vus * BATCH:,} ({vus} VUs x batch of {BATCH}); {fd_limit()}")
    done = fig_dashboard(bench, vus, seconds, runs, "dashboard1000")
    if done:
        print_flow(bench, done, delay_ms)
        print(
            f"  peak RSS goal: {verdict(median([r.peak_rss / MIB for r in done]) <= 200)} (<= 200 MiB); "
            f"peak open descriptors {median([r.peak_fds for r in done]):,.0f}"
        )


def fig_dashboard20(bench: Bench, vus: int, seconds: float, runs: int, wrk_seconds: float) -> None:
    print(
        f"\n[dashboard20] dashboard flow (REST part), {vus} VUs, {seconds:g} s, "
        f"vs wrk -c{vus} on the same location ({load()})"
    )
    ours, theirs, diff = [], [], []
    url = bench.target.url + QUERIES[0][1]
    for _ in range(runs):
        wrk = measure_with_wrk(url, connections=vus, seconds=wrk_seconds)
        done = fig_dashboard(bench, vus, seconds, 1, "dashboard20")
        if not done:
            return
        p50 = done[0].values("http_req_duration").get("med", float("nan"))
        p95 = done[0].values("http_req_duration").get("p(95)", float("nan"))
        ours.append(p95)
        theirs.append(wrk.p95_ms)
        diff.append(p95 - wrk.p95_ms)
        print(
            f"  run {len(ours)}: dashtui p50 {p50:.1f} / "
            f"p95 {p95:.1f} ms, exit {done[0].code}; wrk p50 {wrk.p50_ms:.1f} / p95 {wrk.p95_ms:.1f} ms "
            f"({wrk.requests:,} requests, {wrk.errors} errors)"
        )
    print(
        f"  reported p95 minus the target's own p95: {median(diff):+.1f} ms ({spread(diff, '{:+.1f}')}) — "
        f"{verdict(median(diff) <= 5)} (<= 5 ms); dashtui {median(ours):.1f}, wrk {median(theirs):.1f}"
    )


def has_flag(bench: Bench, flag: str) -> bool:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    shown = subprocess.run([*bench.command, "--help"], capture_output=True, text=True, env=env, check=False)
    return flag in shown.stdout


def workers_args(extra: Sequence[str], count: int) -> list[str]:
    return [] if "--workers" in extra else ["--workers", str(count)]


def workers_in(extra: Sequence[str]) -> int:
    """The worker count `--workers N` asks for (1 when absent or `auto`)."""
    for index, arg in enumerate(extra):
        value = extra[index + 1] if arg == "--workers" and index + 1 < len(extra) else None
        value = arg.partition("=")[2] if arg.startswith("--workers=") else value
        if value is not None:
            return int(value) if value.isdigit() else 1
    return 1


def fig_scale3000(bench: Bench, vus: int, seconds: float, runs: int, delay_ms: float) -> None:
    extra = workers_args(bench.extra, 2)
    note = ""
    if extra and not has_flag(bench, "--workers"):
        note, extra = "  this dashtui has no --workers: measured as one process\n", []
    workers = workers_in([*extra, *bench.extra])
    shown = shlex.join([*extra, *bench.extra]) or "one process"
    print(
        f"\n[scale3000] dashboard flow (REST part), {vus} VUs, {seconds:g} s, {shown} ({load()})\n{note}",
        end="",
    )
    print(f"  sockets needed: {vus * BATCH:,} ({vus * BATCH // workers:,} per worker); {fd_limit()}")
    done: list[Run] = []
    for _ in range(runs):
        run = bench.run(_presets.dashboard_rest(vus, seconds), extra=extra, timeout=seconds + 300)
        if not check_run(run, "scale3000"):
            return
        done.append(run)
    print_flow(bench, done, delay_ms)
    rss = median([r.peak_rss / MIB for r in done])
    print(
        f"  summed peak RSS goal: {verdict(rss < 600)} (< 600 MiB); peak open descriptors "
        f"{median([r.peak_fds for r in done]):,.0f}"
    )
    coordinator(done)


def coordinator(done: list[Run]) -> None:
    split = [r for r in done if r.processes > 1 and r.others_cpu > 0]
    if not split:
        print("  coordinator vs workers: one process only (no separate workers in the process tree)")
        return
    share = [100 * r.root_cpu / r.others_cpu for r in split]
    print(
        f"  coordinator CPU {median([r.root_cpu for r in split]):.1f} s vs workers "
        f"{median([r.others_cpu for r in split]):.1f} s = {median(share):.1f}% ({spread(share, '{:.1f}')}) — "
        f"{verdict(median(share) <= 3)} (<= 3%)"
    )


def fig_ratio(bench: Bench, vus: int, seconds: float, runs: int) -> None:
    print(
        f"\n[scale-ratio] GET /fast, {vus} VUs, {seconds:g} s: "
        f"--workers 2 vs --workers 1, interleaved ({load()})"
    )
    if "--workers" in bench.extra:
        print("  skipped: --workers is given after `--`; this figure sets it itself")
        return
    if not has_flag(bench, "--workers"):
        print("  skipped: this dashtui has no --workers")
        return
    ratios, one, two = [], [], []
    for index in range(runs):
        order = (1, 2) if index % 2 == 0 else (2, 1)
        rates: dict[int, float] = {}
        for count in order:
            run = bench.run(_presets.trivial_get(vus, seconds), extra=["--workers", str(count)])
            if not check_run(run, f"--workers {count}"):
                return
            rates[count] = run.rate
        one.append(rates[1])
        two.append(rates[2])
        ratios.append(rates[2] / max(rates[1], 1e-9))
    print(
        f"  requests per wall-second: one worker {median(one):,.0f} ({spread(one)}), "
        f"two {median(two):,.0f} ({spread(two)})"
    )
    print(
        f"  ratio {median(ratios):.2f}x ({spread(ratios, '{:.2f}')}) — "
        f"{verdict(median(ratios) >= 1.8)} (>= 1.8x)"
    )


def fd_limit() -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return (
        f"open-file limit (ulimit -n) {soft:,} soft / {hard:,} hard (dashtui runs with soft raised to hard)"
    )


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    cut = argv.index("--") if "--" in argv else len(argv)
    own, extra = list(argv[:cut]), list(argv[cut + 1 :])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--figure", nargs="+", choices=[*FIGURES, "all"], default=["trivial", "dashboard1000", "dashboard20"]
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is printed")
    parser.add_argument("--seconds", type=float, help="duration of every run (default: per figure)")
    parser.add_argument("--vus", type=int, help="VUs of every run (default: per figure)")
    parser.add_argument("--delay", type=float, default=0.05, help="the target's fixed delay on /rest/v1/, s")
    parser.add_argument("--wrk-seconds", type=float, default=10.0, help="wrk's run per dashboard20 run")
    parser.add_argument(
        "--dashtui", default=f"{shlex.quote(sys.executable)} -m dashtui", help="the command to run"
    )
    return parser.parse_args(own), extra


def precompile() -> str:
    """Byte-compile dashtui's sources, as `pip install` does for an installed package.

    From a checkout (an editable install), with PYTHONDONTWRITEBYTECODE set as on these machines, every
    dashtui process would otherwise compile its ~150 modules again: ~0.15 CPU-s that a user never pays.
    """
    started = time.process_time()
    ok = compileall.compile_dir(ROOT / "dashtui", quiet=2)
    took = time.process_time() - started
    state = "done" if ok else "FAILED (figures include compiling)"
    return f"dashtui byte-compiled as an installed package is: {state} ({took:.2f} CPU-s)"


def main(argv: Sequence[str] | None = None) -> None:
    args, extra = parse(sys.argv[1:] if argv is None else argv)
    figures = list(FIGURES) if "all" in args.figure else list(dict.fromkeys(args.figure))
    load = os.getloadavg()
    print(
        f"bench_engine: {os.cpu_count()} cores, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at start. "
        f"The machine is shared and noisy: single runs vary; medians over {args.runs} run(s) are the figures."
    )
    print(f"{fd_limit()}; extra dashtui args: {shlex.join(extra) or 'none'}")
    print(precompile())
    connections = max(16384, 2 * BATCH * max(args.vus or 0, *(v for v, _ in FIGURES.values())))
    try:
        with (
            nginx_target(args.delay, connections=connections) as target,
            tempfile.TemporaryDirectory(prefix="dashtui-bench-") as tmp,
        ):
            print(f"target: nginx {target.url}, /rest/v1/ after {args.delay * 1000:g} ms, /fast at once")
            bench = Bench(target, shlex.split(args.dashtui), extra, Path(tmp))
            startup(bench, args.runs)
            delay_ms = args.delay * 1000
            steps: dict[str, Callable[[int, float], None]] = {
                "trivial": lambda v, s: fig_trivial(bench, v, s, args.runs),
                "dashboard1000": lambda v, s: fig_dashboard1000(bench, v, s, args.runs, delay_ms),
                "dashboard20": lambda v, s: fig_dashboard20(bench, v, s, args.runs, args.wrk_seconds),
                "scale3000": lambda v, s: fig_scale3000(bench, v, s, args.runs, delay_ms),
                "scale-ratio": lambda v, s: fig_ratio(bench, v, s, args.runs),
            }
            for figure in figures:
                vus, seconds = FIGURES[figure]
                steps[figure](args.vus or vus, args.seconds or seconds)
    except TargetUnavailable as exc:
        print(f"bench: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
