"""Bad input gets a clear error: file, line, key, what was found and what was expected, and never a secret."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from dashtui.scenario import ScenarioError, load_scenario
from dashtui.scenario.tomllines import TomlLines

SECRET = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl"
ENV = {"SUPABASE_SERVICE_ROLE_KEY": SECRET, "MY_API_KEY": "plain-secret-value-1234"}

BASE = """\
name = "t"

[scenarios.viewers]
executor = "constant-vus"
vus = 2
duration = "1m"

[[steps]]
sleep = 1
"""


def write(tmp_path: Path, text: str, name: str = "preset.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path, env: dict[str, str] | None = None, **kwargs: Any) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, env=ENV if env is None else env, **kwargs)
    error = caught.value
    text = str(error)
    assert "Traceback" not in text and "pydantic" not in text and "errors.pydantic.dev" not in text
    for secret in (SECRET, "plain-secret-value-1234"):
        assert secret not in text
    return error


CASES = [
    pytest.param(
        BASE.replace('duration = "1m"', 'duration = "3 minutes"'),
        "scenarios.viewers.duration",
        6,
        "'3 minutes'",
        "a k6 duration such as '3m', '90s', '1m30s', '500ms'",
        id="bad duration",
    ),
    pytest.param(
        BASE.replace('duration = "1m"', 'duratoin = "1m"'),
        "scenarios.viewers.duratoin",
        6,
        "unknown key 'duratoin'",
        "did you mean 'duration'?",
        id="unknown key",
    ),
    pytest.param(
        BASE.replace("vus = 2", 'vus = "lots"'),
        "scenarios.viewers.vus",
        5,
        "'lots'",
        "an integer",
        id="wrong type",
    ),
    pytest.param(
        BASE.replace('duration = "1m"', ""),
        "scenarios.viewers.duration",
        3,
        "no value",
        "a value for this required key",
        id="missing key",
    ),
    pytest.param(
        BASE.replace('"constant-vus"', '"constant-vu"'),
        "scenarios.viewers.executor",
        4,
        "executor = 'constant-vu'",
        "did you mean 'constant-vus'?",
        id="unknown executor",
    ),
    pytest.param(
        BASE.replace('executor = "constant-vus"', ""),
        "scenarios.viewers.executor",
        3,
        "no executor key",
        "executor = one of 'constant-vus'",
        id="missing executor",
    ),
    pytest.param(
        BASE + '\n[[steps]]\nbatch = [{ url = "${BASE_URL}/rest/v1/events" }]\n',
        "steps[1].batch[0].url",
        12,
        "'${BASE_URL}' with BASE_URL unset",
        "BASE_URL in the environment, --env BASE_URL=..., an entry in [vars], or a default",
        id="unset variable",
    ),
    pytest.param(
        BASE
        + textwrap.dedent(
            """
            [[steps]]
            batch = [
                { url = "http://127.0.0.1:54321/rest/v1/events" },
                { url = "127.0.0.1:54321/rest/v1/tickets?apikey=${MY_API_KEY}" },
            ]
            """
        ),
        "steps[1].batch[1].url",
        14,
        "'127.0.0.1:54321/rest/v1/tickets?apikey=[redacted]'",
        "an absolute http(s) URL with a host",
        id="invalid URL with a secret",
    ),
    pytest.param(
        BASE.replace("sleep = 1", "sleep = 1\ngroup = 'x'"),
        "steps[0]",
        8,
        "keys 'group', 'sleep' together",
        "exactly one of group, batch, request, sleep, realtime or add",
        id="two step kinds",
    ),
    pytest.param(
        BASE + '\n[[steps]]\nbatch = [{ url = "http://h/" }]\nerror_rate = { metric = "dashboard_errors" }\n',
        "steps[1].error_rate.metric",
        13,
        "metric 'dashboard_errors', not declared in [metrics]",
        "[metrics] dashboard_errors = 'rate'",
        id="undeclared metric",
    ),
    pytest.param(
        BASE + "\n[metrics]\nhttp_reqs = 'counter'\n",
        "metrics.http_reqs",
        12,
        "'http_reqs' (a k6 built-in metric)",
        "a name that is not a built-in metric",
        id="built-in metric name",
    ),
    pytest.param(
        BASE.replace("vus = 2", "vus = 2\nexec = 'browse'"),
        "scenarios.viewers.exec",
        6,
        "exec = 'browse'",
        "the name of a flow: 'default'",
        id="unknown flow",
    ),
    pytest.param(
        BASE + "\n[thresolds]\nhttp_reqs = ['count>0']\n",
        "thresolds",
        11,
        "unknown key 'thresolds'".replace("thresholds", "thresolds"),
        "did you mean 'thresholds'?",
        id="unknown top-level key",
    ),
    pytest.param(
        BASE + "\n[report]\njsn = 'out.json'\n",
        "report.jsn",
        12,
        "unknown key 'jsn'",
        "did you mean 'json'?",
        id="unknown report key",
    ),
    pytest.param(
        BASE + "\n[[steps]]\nrequest = { url = 'http://h/', headers = { Authorization = 5 } }\n",
        "steps[1].request.headers.Authorization",
        12,
        "[redacted]",
        "a string",
        id="secret header of the wrong type",
    ),
]


@pytest.mark.parametrize(("text", "key", "line", "found", "expected"), CASES)
def test_error_names_file_line_key_found_expected(
    tmp_path: Path, text: str, key: str, line: int, found: str, expected: str
) -> None:
    path = write(tmp_path, text)
    error = load_error(path)
    assert error.file == str(path)
    assert error.key == key
    assert error.line == line
    assert error.found is not None and found in error.found
    assert error.expected is not None and expected in error.expected
    assert str(error).startswith(f"{path}:{line}: {key}: ")


def test_message_reads_like_the_documented_example(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace('duration = "1m"', 'duration = "3 minutes"'))
    assert str(load_error(path)) == (
        f"{path}:6: scenarios.viewers.duration: found '3 minutes'; expected a number of seconds "
        "or a k6 duration such as '3m', '90s', '1m30s', '500ms'"
    )


def test_relative_paths_are_shown_as_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, BASE.replace("vus = 2", "vus = 0"))
    monkeypatch.chdir(tmp_path)
    error = load_error(Path("preset.toml"))
    assert str(error).startswith("preset.toml:5: scenarios.viewers.vus: found 0; expected a number > 0")


def test_toml_syntax_error_keeps_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "t"\n[scenarios.a]\nduration = = "3m"\n')
    error = load_error(path)
    assert (error.line, error.column) == (3, 12)
    assert str(error).startswith(f"{path}:3: TOML syntax error at column 12: ")
    assert error.expected == "valid TOML (https://toml.io)"


def test_missing_file(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nope.toml")
    assert error.file == str(tmp_path / "nope.toml")
    assert error.found == "no such file"
    assert "a path to a .toml or .py scenario file" in str(error)


def test_unknown_preset_name_suggests_the_closest() -> None:
    error = load_error(Path("dashbord"))
    assert error.found == "no preset named 'dashbord' (did you mean 'dashboard'?)"
    assert "; expected a preset name (arrival-rate, dashboard," in str(error)
    assert "expected did you mean" not in str(error)


def test_k6_javascript_is_refused_with_a_reason(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "export default function () {}", name="dashboard-load.js"))
    assert "not k6 JavaScript" in str(error)


def test_several_problems_are_all_listed(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("vus = 2", 'vus = "x"\nstartTime = "later"'))
    error = load_error(path)
    assert len(error.problems) == 2
    text = str(error)
    assert "scenarios.viewers.vus: found 'x'; expected an integer" in text
    assert "scenarios.viewers.startTime: found 'later'" in text
    assert (error.key, error.line) == ("scenarios.viewers.startTime", 6)


def test_error_in_an_extended_parent_names_the_parent_file(tmp_path: Path) -> None:
    parent = write(
        tmp_path, BASE + "\n[[steps]]\nbatch = [{ url = 'http://h/', timeout = 'never' }]\n", "base.toml"
    )
    child = write(
        tmp_path,
        'extends = "base"\n\n[scenarios.other]\nexecutor = "constant-vus"\nduration = "5s"\n',
        "child.toml",
    )
    error = load_error(child)
    assert error.file == str(parent)
    assert (error.key, error.line) == ("steps[1].batch[0].timeout", 12)


def test_error_in_the_child_names_the_child(tmp_path: Path) -> None:
    write(tmp_path, BASE, "base.toml")
    child = write(
        tmp_path,
        'extends = "base"\n\n[scenarios.other]\nexecutor = "constant-vus"\nduration = "5 s s"\n',
        "child.toml",
    )
    error = load_error(child)
    assert (error.file, error.key, error.line) == (str(child), "scenarios.other.duration", 5)


@pytest.mark.parametrize(
    ("text", "found"),
    [('extends = "nowhere"\n', "'nowhere'"), ('extends = "preset"\n', "→")],
)
def test_bad_extends(tmp_path: Path, text: str, found: str) -> None:
    path = write(tmp_path, text)
    error = load_error(path)
    assert error.key == "extends" and error.line == 1
    assert error.found is not None and found in error.found


def test_secret_from_a_variable_is_redacted_even_without_jwt_shape(tmp_path: Path) -> None:
    text = BASE + "\n[[steps]]\nrequest = { url = 'http://h/', timeout = '${MY_API_KEY}' }\n"
    error = load_error(write(tmp_path, text))
    assert error.key == "steps[1].request.timeout"
    assert error.found == "'[redacted]'"


def test_an_error_never_shows_a_secret_token_in_a_header(tmp_path: Path) -> None:
    text = (
        BASE
        + "\n[[steps]]\n[steps.request]\nurl = 'ftp://h/${SUPABASE_SERVICE_ROLE_KEY}'\n"
        + "headers = { Authorization = 'Bearer ${SUPABASE_SERVICE_ROLE_KEY}' }\n"
    )
    error = load_error(write(tmp_path, text))
    assert error.key == "steps[1].request.url"
    assert error.found == "'ftp://h/[redacted]'"


# ------------------------------------------------------------------------------------ line finding


def test_toml_lines_follow_headers_arrays_and_inline_tables() -> None:
    lines = TomlLines(
        textwrap.dedent(
            """\
            name = "x"
            [scenarios.a]
            executor = "constant-vus"
            [[steps]]
            group = "g"
            [[steps.steps]]
            batch = [
              { url = "http://h/1", name = "one" },
              { url = "http://h/2", name = "two" },
            ]
            [[steps]]
            sleep = 1
            text = '''
            [not.a.header]
            '''
            [[steps]]
            "quoted key" = 2
            """
        )
    )
    assert lines.line_of(["scenarios", "a", "executor"]) == 3
    assert lines.line_of(["scenarios", "a", "missing"]) == 2
    assert lines.line_of(["steps", 0, "steps", 0, "batch", 1, "name"]) == 9
    assert lines.line_of(["steps", 0, "steps", 0, "batch", 0, "url"]) == 8
    assert lines.line_of(["steps", 1, "sleep"]) == 12
    assert lines.line_of(["steps", 2, "quoted key"]) == 17
    assert lines.line_of(["nothing"]) is None
