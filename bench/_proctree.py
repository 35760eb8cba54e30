"""Watch a process and every descendant through /proc: summed RSS, CPU per process, open descriptors."""

from __future__ import annotations

import os
import resource
import threading
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """User + system CPU of every child this process has reaped (and of what they reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            found.extend(int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split())
        except OSError:
            continue
    return found


def tree(root: int) -> list[int]:
    """`root` and all its descendants that are alive now."""
    pids: list[int] = []
    queue = [root]
    while queue and len(pids) < 10_000:
        pid = queue.pop()
        pids.append(pid)
        queue.extend(_children(pid))
    return pids


def _stat(pid: int) -> tuple[float, int] | None:
    """CPU seconds (utime + stime) and RSS bytes of one process, None when it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[0] is state (field 3); utime, stime are fields 14, 15; rss (pages) is field 24
    return (int(fields[11]) + int(fields[12])) / TICK, int(fields[21]) * PAGE


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


@dataclass
class TreeWatch:
    """Polls the tree under `root` every `interval` s in a thread until stopped."""

    root: int
    interval: float = 0.2
    peak_rss: int = 0
    peak_fds: int = 0
    cpu: dict[int, float] = field(default_factory=dict)
    """Last CPU seconds seen per process (a process that exits loses at most one interval)."""
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeWatch:
        self._thread = threading.Thread(target=self._loop, name="tree-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.interval)

    def poll(self) -> None:
        rss = fds = 0
        for pid in tree(self.root):
            stat = _stat(pid)
            if stat is None:
                continue
            self.cpu[pid] = stat[0]
            rss += stat[1]
            fds += _fds(pid)
        self.samples += 1
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_fds = max(self.peak_fds, fds)

    @property
    def root_cpu(self) -> float:
        return self.cpu.get(self.root, 0.0)

    @property
    def descendants_cpu(self) -> float:
        return sum(cpu for pid, cpu in self.cpu.items() if pid != self.root)
