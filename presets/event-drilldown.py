"""A Python preset: the dashboard opens the newest event, then drills into that event's tickets and orders.

The event id comes from the first response, which a TOML preset cannot express. `dashtui event-drilldown.py`
or `dashtui --headless presets/event-drilldown.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

from dashtui.engine.vu import VU
from dashtui.scenario import PythonStep, Scenario


async def open_newest_event(vu: VU) -> None:
    """Read the newest event, keep its id for the rest of the iteration, then read its tickets and orders."""
    base = vu.vars["base"]
    events = await vu.get(
        f"{base}/rest/v1/events?select=id,name&order=date.desc&limit=1",
        name="newest_event",
        auth="service",
        checks=[{"name": "newest event found", "json_path": "0.id"}],
    )
    rows = events.json() or []
    if not rows:
        return
    event_id = rows[0]["id"]
    vu.vars["event_id"] = event_id
    await vu.get(
        f"{base}/rest/v1/tickets?select=id,status&event_id=eq.{event_id}&limit=100",
        name="event_tickets",
        auth="service",
        checks=[{"name": "event tickets status 200", "status": 200}],
    )
    await vu.get(
        f"{base}/rest/v1/orders?select=id,total_amount&event_id=eq.{event_id}&status=eq.paid&limit=100",
        name="event_orders",
        auth="service",
        checks=[{"name": "event orders status 200", "status": 200}],
    )


def build(env: Mapping[str, str]) -> Scenario:
    base = env.get("SUPABASE_URL", "http://127.0.0.1:54321").rstrip("/")

    async def remember_base(vu: VU) -> None:
        vu.vars["base"] = base

    return Scenario.model_validate(
        {
            "name": "event-drilldown",
            "description": "Newest event, then its tickets and orders, the id taken from the response.",
            "scenarios": {"viewers": {"executor": "constant-vus", "vus": 5, "duration": "1m"}},
            "flows": {
                "default": [
                    PythonStep(call=remember_base, name="target"),
                    {
                        "group": "drilldown",
                        "steps": [PythonStep(call=open_newest_event, name="open the newest event")],
                    },
                    {"sleep": [1, 3]},
                ]
            },
            "thresholds": {
                "http_req_failed": ["rate<0.01"],
                "http_req_duration{group:::drilldown}": ["p(95)<1000"],
                "checks": ["rate>0.99"],
            },
        }
    )
