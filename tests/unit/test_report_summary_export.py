"""--summary-export: k6's oldJSONSummary transform of the handleSummary data."""

from __future__ import annotations

import copy
import json

from dashtui.report import EXTRAS_KEY, dumps_summary_export, to_summary_export

from .test_report_support import seed_data, seed_run


def test_options_and_state_are_dropped_other_keys_kept() -> None:
    data = seed_data(seed_run())
    exported = to_summary_export(data)
    assert list(exported) == ["root_group", "metrics", EXTRAS_KEY]


def test_metrics_are_their_values_flattened() -> None:
    data = seed_data(seed_run())
    exported = to_summary_export(data)["metrics"]
    assert set(exported) == set(data["metrics"])
    assert exported["http_reqs"] == data["metrics"]["http_reqs"]["values"]
    assert exported["vus"] == data["metrics"]["vus"]["values"]
    assert exported["iteration_duration"] == data["metrics"]["iteration_duration"]["values"]
    for entry in exported.values():
        assert "type" not in entry and "contains" not in entry and "values" not in entry


def test_rate_value_is_renamed_and_placed_last() -> None:
    data = seed_data(seed_run())
    checks = to_summary_export(data)["metrics"]["checks"]
    values = data["metrics"]["checks"]["values"]
    assert list(checks) == ["passes", "fails", "value"]
    assert checks == {"passes": values["passes"], "fails": values["fails"], "value": values["rate"]}


def test_thresholds_are_inverted_true_means_failed() -> None:
    data = seed_data(seed_run())
    metrics = to_summary_export(data)["metrics"]
    assert data["metrics"]["http_req_failed"]["thresholds"] == {"rate<0.01": {"ok": False}}
    assert metrics["http_req_failed"]["thresholds"] == {"rate<0.01": True}
    assert data["metrics"]["initial_load_duration"]["thresholds"] == {"p(95)<3000": {"ok": True}}
    assert metrics["initial_load_duration"]["thresholds"] == {"p(95)<3000": False}
    assert list(metrics["dashboard_errors"]) == ["passes", "fails", "thresholds", "value"]
    assert "thresholds" not in metrics["http_reqs"]


def test_groups_and_checks_are_keyed_by_name_at_every_level() -> None:
    data = seed_data(seed_run())
    root = to_summary_export(data)["root_group"]
    assert root["checks"] == {}
    assert list(root["groups"]) == ["initial_load", "refresh"]
    initial = root["groups"]["initial_load"]
    source = data["root_group"]["groups"][0]
    assert list(initial) == ["name", "path", "id", "groups", "checks"]
    assert initial["groups"] == {}
    assert list(initial["checks"]) == [c["name"] for c in source["checks"]]
    for check in source["checks"]:
        assert initial["checks"][check["name"]] == check


def test_nested_groups_become_nested_objects() -> None:
    data = {
        "root_group": {
            "name": "",
            "path": "",
            "id": "r",
            "groups": [
                {
                    "name": "outer",
                    "path": "::outer",
                    "id": "o",
                    "groups": [
                        {"name": "inner", "path": "::outer::inner", "id": "i", "groups": [], "checks": []}
                    ],
                    "checks": [],
                }
            ],
            "checks": [],
        },
        "metrics": {},
    }
    root = to_summary_export(data)["root_group"]
    assert root["groups"]["outer"]["groups"]["inner"]["path"] == "::outer::inner"


def test_the_input_is_not_modified() -> None:
    data = seed_data(seed_run())
    before = copy.deepcopy(data)
    to_summary_export(data)
    assert data == before


def test_dumped_text_is_indented_with_four_spaces() -> None:
    data = seed_data(seed_run())
    text = dumps_summary_export(data)
    lines = text.splitlines()
    assert lines[0] == "{"
    assert lines[1] == '    "root_group": {'
    assert lines[2] == '        "name": "",'
    assert json.loads(text) == json.loads(json.dumps(to_summary_export(data)))
    passes = data["metrics"]["checks"]["values"]["passes"]
    assert passes.is_integer()
    assert f'"passes": {int(passes)},' in text
