"""Requests inside a group carry its path as the `group` tag: `{group:::…}` thresholds see exactly them."""

from __future__ import annotations

import httpx
import pytest

from dashtui.session import Session

from .engine_helpers import scenario

pytestmark = pytest.mark.anyio

FLOW = [
    {
        "group": "initial_load",
        "steps": [
            {"request": {"url": "http://g.local/a", "name": "a"}},
            {"group": "inner", "steps": [{"request": {"url": "http://g.local/b", "name": "b"}}]},
        ],
    },
    {"request": {"url": "http://g.local/c", "name": "c"}},
]


async def test_group_thresholds_count_only_the_requests_of_that_group() -> None:
    sc = scenario(
        FLOW,
        executor={"executor": "shared-iterations", "vus": 1, "iterations": 3},
        thresholds={
            "http_req_duration{group:::initial_load}": ["max>=0"],
            "http_reqs{group:::initial_load::inner}": ["count==3"],
            "http_req_failed{group:}": ["rate==0"],
        },
    )
    session = Session(
        sc,
        env={},
        target="http://g.local",
        transport_factory=lambda: httpx.MockTransport(lambda r: httpx.Response(200)),
    )
    outcome = await session.run()
    snap = outcome.snapshot
    assert snap.values("http_req_duration{group:::initial_load}", ("count",)) == {"count": 3.0}
    assert snap.values("http_reqs{group:::initial_load::inner}")["count"] == 3  # type: ignore[index]
    assert snap.values("http_req_failed{group:}") == {"rate": 0.0, "passes": 0.0, "fails": 3.0}
    assert [r.failed for r in outcome.results] == [False, False, False]
    assert outcome.exit_code == 0
