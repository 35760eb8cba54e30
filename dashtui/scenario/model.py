"""The scenario model: executors, flows of steps, requests, checks, custom metrics, thresholds, options."""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Mapping
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, Union
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from ..metrics.builtin import BUILTIN_METRICS
from ..secrets import redact as redact_text
from .durations import format_duration, parse_duration, parse_duration_ms
from .errors import SpecError

__all__ = [
    "BUILTIN_METRIC_NAMES",
    "EXECUTOR_NAMES",
    "AddStep",
    "STEP_KEYS",
    "BatchStep",
    "ChangeSpec",
    "CheckSpec",
    "ConstantArrivalRate",
    "ConstantVUs",
    "Duration",
    "DurationCheck",
    "DurationMs",
    "ErrorRateBinding",
    "Executor",
    "ExecutorConfig",
    "GroupStep",
    "MetricAdd",
    "MetricSpec",
    "Options",
    "PerVUIterations",
    "PythonStep",
    "RampingArrivalRate",
    "RampingVUs",
    "RealtimeSpec",
    "RealtimeStep",
    "ReportSpec",
    "RequestSpec",
    "RequestStep",
    "Scenario",
    "SharedIterations",
    "SleepSpec",
    "SleepStep",
    "Stage",
    "Step",
    "ThresholdObject",
]


def _seconds(value: Any) -> float:
    return parse_duration(value)


def _milliseconds(value: Any) -> float:
    return parse_duration_ms(value)


Duration = Annotated[float, BeforeValidator(_seconds)]
"""Seconds; written as a number of seconds or a k6 duration string ('3m', '1m30s', '500ms')."""
DurationMs = Annotated[float, BeforeValidator(_milliseconds)]
"""Milliseconds; written as a number of ms or a k6 duration string ('3s')."""

BUILTIN_METRIC_NAMES: frozenset[str] = frozenset(m.name for m in BUILTIN_METRICS)
"""k6's built-in metric names and dashtui's realtime ones; a custom metric may not reuse them."""

# k6 `metrics/registry.go`: names of 1–128 letters, digits and `._ !?/&#()<>%-`.
_METRIC_NAME = re.compile(r"[\w.!?/&#()<>% -]{1,128}")
_STATUS_EXPECTED = "a status such as 200 or a range '200-299'"
_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_JSON_PATH = re.compile(r"[^.\s]+(\.[^.\s]+)*")


def _quote(value: str) -> str:
    return repr(value)


class _Spec(BaseModel):
    """Frozen, strict about keys: an unknown key is an error that names the closest valid key."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    _key_cache: ClassVar[dict[type, tuple[frozenset[str], tuple[str, ...]]]] = {}

    @classmethod
    def accepted_keys(cls) -> tuple[frozenset[str], tuple[str, ...]]:
        """(every accepted key, the keys to show a person: aliases where k6 has a name)."""
        cached = _Spec._key_cache.get(cls)
        if cached is None:
            accepted: set[str] = set()
            shown: list[str] = []
            for name, info in cls.model_fields.items():
                accepted.add(name)
                if info.alias:
                    accepted.add(info.alias)
                shown.append(info.alias or name)
            cached = (frozenset(accepted), tuple(shown))
            _Spec._key_cache[cls] = cached
        return cached

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            accepted, shown = cls.accepted_keys()
            unknown = [key for key in data if key not in accepted]
            if unknown:
                key = str(unknown[0])
                close = difflib.get_close_matches(key, shown, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise SpecError(
                    f"unknown key {key!r}",
                    found=f"unknown key {key!r}",
                    expected=f"one of {', '.join(shown)}{hint}",
                    key=key,
                )
        return data


# --------------------------------------------------------------------------------------------- stages


class Stage(_Spec):
    """One ramp stage: reach `target` (VUs or iterations per timeUnit) over `duration` seconds."""

    duration: Duration
    target: int = Field(ge=0)


# ------------------------------------------------------------------------------------------ executors


class ExecutorConfig(_Spec):
    """Options every k6 executor has (`lib/executor/base_config.go`)."""

    executor: str
    start_time: Duration = Field(0.0, alias="startTime")
    graceful_stop: Duration = Field(30.0, alias="gracefulStop")
    exec: str = Field("default", alias="exec")
    """The flow this scenario runs (k6: the exported function)."""
    env: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)

    def peak_vus(self) -> int:
        """The most VUs this scenario may have at once."""
        raise NotImplementedError

    def planned_duration(self) -> float:
        """Seconds of scheduled work without startTime or gracefulStop (iteration executors: maxDuration)."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line for the dry run."""
        raise NotImplementedError


def _vus(count: int) -> str:
    return f"{count} VU" if count == 1 else f"{count} VUs"


def _stages_text(stages: list[Stage]) -> str:
    return ", ".join(f"{format_duration(s.duration)}→{s.target}" for s in stages)


def _require_stages(stages: list[Stage]) -> list[Stage]:
    if not stages:
        raise SpecError(
            "no stages",
            found="an empty list",
            expected="at least one stage such as {duration='30s', target=10}",
        )
    return stages


class ConstantVUs(ExecutorConfig):
    """A fixed number of VUs loop over the flow for `duration`."""

    executor: Literal["constant-vus"] = "constant-vus"
    vus: int = Field(1, gt=0)
    duration: Duration = Field(gt=0)

    def peak_vus(self) -> int:
        return self.vus

    def planned_duration(self) -> float:
        return self.duration

    def describe(self) -> str:
        return f"constant-vus, {_vus(self.vus)} for {format_duration(self.duration)}"


class RampingVUs(ExecutorConfig):
    """The VU count follows `stages`, starting at `startVUs`."""

    executor: Literal["ramping-vus"] = "ramping-vus"
    start_vus: int = Field(1, ge=0, alias="startVUs")
    stages: list[Stage]
    graceful_ramp_down: Duration = Field(30.0, alias="gracefulRampDown")

    @field_validator("stages")
    @classmethod
    def _check_stages(cls, stages: list[Stage]) -> list[Stage]:
        return _require_stages(stages)

    def peak_vus(self) -> int:
        return max([self.start_vus, *(s.target for s in self.stages)])

    def planned_duration(self) -> float:
        return sum(s.duration for s in self.stages)

    def describe(self) -> str:
        return f"ramping-vus from {_vus(self.start_vus)}: {_stages_text(self.stages)}"


def _default_max_vus(data: Any) -> Any:
    """k6 sets maxVUs to preAllocatedVUs when it is not given."""
    if isinstance(data, Mapping) and "maxVUs" not in data and "max_vus" not in data:
        for key in ("preAllocatedVUs", "pre_allocated_vus"):
            if key in data:
                return {**data, "maxVUs": data[key]}
    return data


class _ArrivalRate(ExecutorConfig):
    time_unit: Duration = Field(1.0, gt=0, alias="timeUnit")
    pre_allocated_vus: int = Field(ge=0, alias="preAllocatedVUs")
    max_vus: int = Field(ge=0, alias="maxVUs")

    @model_validator(mode="before")
    @classmethod
    def _max_vus_default(cls, data: Any) -> Any:
        return _default_max_vus(data)

    @model_validator(mode="after")
    def _check_vus(self) -> _ArrivalRate:
        if self.max_vus < self.pre_allocated_vus:
            raise SpecError(
                "maxVUs below preAllocatedVUs",
                found=f"maxVUs = {self.max_vus}",
                expected=f"maxVUs >= preAllocatedVUs ({self.pre_allocated_vus})",
                key="maxVUs",
            )
        if self.max_vus == 0:
            raise SpecError(
                "no VUs",
                found="preAllocatedVUs = 0 and maxVUs = 0",
                expected="preAllocatedVUs or maxVUs above 0",
                key="maxVUs",
            )
        return self

    def peak_vus(self) -> int:
        return self.max_vus


class ConstantArrivalRate(_ArrivalRate):
    """Open model: `rate` iterations start every `timeUnit`, whatever the VUs' speed."""

    executor: Literal["constant-arrival-rate"] = "constant-arrival-rate"
    rate: int = Field(gt=0)
    duration: Duration = Field(gt=0)

    def planned_duration(self) -> float:
        return self.duration

    def describe(self) -> str:
        return (
            f"constant-arrival-rate, {self.rate} iterations per {format_duration(self.time_unit)} "
            f"for {format_duration(self.duration)} ({self.pre_allocated_vus} preAllocatedVUs, "
            f"{self.max_vus} maxVUs)"
        )


class RampingArrivalRate(_ArrivalRate):
    """Open model with the start rate ramped through `stages` (targets are iterations per timeUnit)."""

    executor: Literal["ramping-arrival-rate"] = "ramping-arrival-rate"
    start_rate: int = Field(0, ge=0, alias="startRate")
    stages: list[Stage]

    @field_validator("stages")
    @classmethod
    def _check_stages(cls, stages: list[Stage]) -> list[Stage]:
        return _require_stages(stages)

    def planned_duration(self) -> float:
        return sum(s.duration for s in self.stages)

    def describe(self) -> str:
        return (
            f"ramping-arrival-rate from {self.start_rate} per {format_duration(self.time_unit)}: "
            f"{_stages_text(self.stages)} ({self.pre_allocated_vus} preAllocatedVUs, {self.max_vus} maxVUs)"
        )


class _Iterations(ExecutorConfig):
    """The iteration-count executors: `vus` VUs, a number of `iterations`, bounded by `maxDuration`."""

    vus: int = Field(1, gt=0)
    iterations: int = Field(1, gt=0)
    max_duration: Duration = Field(600.0, gt=0, alias="maxDuration")

    def peak_vus(self) -> int:
        return self.vus

    def planned_duration(self) -> float:
        return self.max_duration


class PerVUIterations(_Iterations):
    """Each of `vus` VUs runs exactly `iterations` iterations, within `maxDuration`."""

    executor: Literal["per-vu-iterations"] = "per-vu-iterations"

    def describe(self) -> str:
        return (
            f"per-vu-iterations, {_vus(self.vus)} × {self.iterations} iterations "
            f"(maxDuration {format_duration(self.max_duration)})"
        )


class SharedIterations(_Iterations):
    """`vus` VUs share a pool of `iterations` iterations, within `maxDuration`."""

    executor: Literal["shared-iterations"] = "shared-iterations"

    @model_validator(mode="after")
    def _enough_iterations(self) -> SharedIterations:
        if self.iterations < self.vus:
            raise SpecError(
                "fewer iterations than VUs",
                found=f"iterations = {self.iterations} with vus = {self.vus}",
                expected=f"iterations >= vus ({self.vus}), as k6 requires",
                key="iterations",
            )
        return self

    def describe(self) -> str:
        return (
            f"shared-iterations, {self.iterations} iterations shared by {_vus(self.vus)} "
            f"(maxDuration {format_duration(self.max_duration)})"
        )


Executor = Annotated[
    ConstantVUs | RampingVUs | ConstantArrivalRate | RampingArrivalRate | PerVUIterations | SharedIterations,  # noqa: UP007
    Field(discriminator="executor"),
]
EXECUTOR_NAMES: tuple[str, ...] = (
    "constant-vus",
    "ramping-vus",
    "constant-arrival-rate",
    "ramping-arrival-rate",
    "per-vu-iterations",
    "shared-iterations",
)

# -------------------------------------------------------------------------------------------- checks


class CheckSpec(_Spec):
    """A k6 check on one response; exactly one condition.

    `json_path` is a dotted path into the JSON body (`0.count`, `data.items.2.id`); without `equals`
    the check passes when the value exists. `duration_below` is in ms (a number) or a k6 duration.
    """

    name: str = Field(min_length=1)
    status: int | None = Field(None, ge=0, le=999)
    status_in: list[int] | None = None
    body_not_empty: bool | None = None
    body_contains: str | None = Field(None, min_length=1)
    """Passes when the body contains this text (k6's `r.body.includes('...')`)."""
    json_path: str | None = None
    header: str | None = None
    equals: Any = None
    duration_below: DurationMs | None = None

    _CONDITIONS: ClassVar[tuple[str, ...]] = (
        "status",
        "status_in",
        "body_not_empty",
        "body_contains",
        "json_path",
        "header",
        "duration_below",
    )

    @field_validator("json_path")
    @classmethod
    def _json_path(cls, value: str | None) -> str | None:
        if value is not None and not _JSON_PATH.fullmatch(value):
            raise SpecError(
                "not a JSON path",
                found=_quote(value),
                expected="a dotted path into the JSON body such as '0.count' or 'data.items.2.id'",
            )
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> CheckSpec:
        present = [name for name in self._CONDITIONS if getattr(self, name) is not None]
        if len(present) != 1:
            raise SpecError(
                f"check {self.name!r} needs exactly one condition",
                found=f"{len(present)} conditions" + (f" ({', '.join(present)})" if present else ""),
                expected="exactly one of " + ", ".join(self._CONDITIONS),
            )
        if "equals" in self.model_fields_set and present[0] not in ("json_path", "header"):
            raise SpecError(
                f"check {self.name!r} uses equals with {present[0]}",
                found=f"equals with {present[0]}",
                expected="equals only with json_path or header",
                key="equals",
            )
        return self

    def describe(self) -> str:
        """The condition in words: `status == 200`, `json '0.count' exists`, `duration < 500 ms`."""
        has_equals = "equals" in self.model_fields_set
        if self.status is not None:
            return f"status == {self.status}"
        if self.status_in is not None:
            return f"status in {{{', '.join(str(s) for s in self.status_in)}}}"
        if self.body_not_empty is not None:
            return "body not empty" if self.body_not_empty else "body empty"
        if self.body_contains is not None:
            return f"body contains {self.body_contains!r}"
        if self.json_path is not None:
            return (
                f"json {self.json_path!r} == {self.equals!r}"
                if has_equals
                else f"json {self.json_path!r} exists"
            )
        if self.header is not None:
            return (
                f"header {self.header!r} == {self.equals!r}"
                if has_equals
                else f"header {self.header!r} exists"
            )
        return f"duration < {self.duration_below:g} ms"


class DurationCheck(_Spec):
    """A check on a group's wall time, in ms (the seed's 'initial load under 3s': below = 3000)."""

    name: str = Field(min_length=1)
    below: DurationMs


# ------------------------------------------------------------------------------------------ requests


def _status_range(value: Any) -> list[int]:
    if isinstance(value, bool):
        raise SpecError("not a status", found=str(value), expected=_STATUS_EXPECTED)
    if isinstance(value, int):
        low = high = value
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?", value)
        if match is None:
            raise SpecError("not a status", found=_quote(value), expected=_STATUS_EXPECTED)
        low = int(match.group(1))
        high = int(match.group(2) or low)
    else:
        raise SpecError("not a status", found=repr(value), expected=_STATUS_EXPECTED)
    if not 100 <= low <= high <= 599:
        raise SpecError(
            "not a status range",
            found=_quote(value) if isinstance(value, str) else str(value),
            expected="statuses from 100 to 599, low before high",
        )
    return list(range(low, high + 1))


def _expand_statuses(value: Any) -> Any:
    if value is None or not isinstance(value, list | tuple):
        return value
    expanded: set[int] = set()
    for item in value:
        expanded.update(_status_range(item))
    return sorted(expanded)


class RequestSpec(_Spec):
    """One HTTP request, as an item of k6's http.batch or a single http.request."""

    method: str = "GET"
    url: str
    name: str | None = None
    """The k6 `name` tag; None means the URL, as in k6."""
    headers: dict[str, str] = Field(default_factory=dict)
    auth: Literal["service", "anon"] | None = None
    """Header set: service → apikey + Authorization (SUPABASE_SERVICE_ROLE_KEY); anon: SUPABASE_ANON_KEY."""
    body: Any | None = None
    timeout: Duration = Field(60.0, gt=0)
    expected_statuses: Annotated[list[int] | None, BeforeValidator(_expand_statuses)] = Field(
        None, alias="expectedStatuses"
    )
    """Statuses that count as expected (ranges like '200-299' are expanded); None is k6's 200–399."""
    checks: list[CheckSpec] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        upper = value.upper()
        if upper not in _HTTP_METHODS:
            raise SpecError(
                "unknown method", found=_quote(value), expected="one of " + ", ".join(_HTTP_METHODS)
            )
        return upper

    @field_validator("url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        expected = "an absolute http(s) URL with a host, such as 'http://127.0.0.1:54321/rest/v1/events'"
        try:
            parts = urlsplit(value)
            host = parts.hostname
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError:
            raise SpecError("invalid URL", found=_quote(value), expected=expected) from None
        if parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in value):
            raise SpecError("invalid URL", found=_quote(value), expected=expected)
        return value

    @field_validator("checks")
    @classmethod
    def _unique_check_names(cls, checks: list[CheckSpec]) -> list[CheckSpec]:
        _reject_duplicates([c.name for c in checks], "check")
        return checks

    @cached_property
    def _expected_set(self) -> frozenset[int] | None:
        return None if self.expected_statuses is None else frozenset(self.expected_statuses)

    def is_expected(self, status: int) -> bool:
        """k6's expected_response: in expected_statuses, else 200–399 (status 0 is never expected)."""
        expected = self._expected_set
        if expected is None:
            return 200 <= status <= 399
        return status in expected

    def display_name(self) -> str:
        """The `name` tag the engine uses: the explicit name or the URL."""
        return self.name if self.name is not None else self.url


def _reject_duplicates(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SpecError(
                f"duplicate {what} name", found=f"{what} {name!r} twice", expected=f"distinct {what} names"
            )
        seen.add(name)


# ----------------------------------------------------------------------------------- metric bindings


class ErrorRateBinding(_Spec):
    """Feed a Rate metric once per execution: 1 when a considered response failed any of its checks.

    responses = "all" is the seed's initial load (`errorRate.add(!allSuccess)` over the four responses);
    "first" its refresh (only `responses[0]` is checked).
    """

    metric: str
    responses: Literal["all", "first"] = "all"


# --------------------------------------------------------------------------------------------- steps


class SleepSpec(_Spec):
    """Think time in seconds: fixed when min == max, else uniform in [min, max] (the seed's 2–5 s)."""

    min: Duration
    max: Duration

    @model_validator(mode="after")
    def _ordered(self) -> SleepSpec:
        if self.max < self.min:
            raise SpecError(
                "sleep range reversed",
                found=f"[{self.min:g}, {self.max:g}]",
                expected="[low, high] with low <= high",
            )
        return self

    def describe(self) -> str:
        if self.min == self.max:
            return format_duration(self.min)
        return f"uniform {format_duration(self.min)}–{format_duration(self.max)}"


def _sleep_spec(value: Any) -> Any:
    """`sleep = 5`, `sleep = "5s"` or `sleep = [2, 5]` → SleepSpec(min, max)."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise SpecError(
                "sleep range needs two bounds",
                found=f"a list of {len(value)}",
                expected="a duration such as 5 or '5s', or a range [2, 5]",
            )
        return {"min": value[0], "max": value[1]}
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return {"min": value, "max": value}
    return value


class SleepStep(_Spec):
    """k6's sleep(): a pause inside the iteration."""

    sleep: Annotated[SleepSpec, BeforeValidator(_sleep_spec)]


class ChangeSpec(_Spec):
    """One postgres_changes filter of a Realtime subscription."""

    event: Literal["*", "INSERT", "UPDATE", "DELETE"] = "*"
    schema_: str = Field("public", alias="schema")
    table: str
    filter: str | None = None


def _hold(value: Any) -> Any:
    return value if value == "vu" else parse_duration(value)


class RealtimeSpec(_Spec):
    """A Realtime channel subscription (implemented by the next issue; the model is ready)."""

    channel: str = "dashboard"
    changes: list[ChangeSpec] = Field(default_factory=list)
    hold: Annotated[Literal["vu"] | float, BeforeValidator(_hold)] = "vu"
    """"vu": keep the subscription open for the VU's life; a duration: hold it that long, then leave."""
    subscribe_timeout: Duration = Field(10.0, gt=0)
    heartbeat_interval: Duration = Field(25.0, gt=0)
    auth: Literal["service", "anon"] = "anon"


class RealtimeStep(_Spec):
    """Subscribe to a Realtime channel."""

    realtime: RealtimeSpec


class RequestStep(_Spec):
    """A single request (k6's http.request)."""

    request: RequestSpec
    error_rate: ErrorRateBinding | None = None
    count_requests: str | None = None
    """A Counter metric incremented by the number of responses (the seed's api_calls)."""


class BatchStep(_Spec):
    """Requests run in parallel inside the VU (k6's http.batch), capped by options batch/batchPerHost."""

    batch: list[RequestSpec] = Field(min_length=1)
    error_rate: ErrorRateBinding | None = None
    count_requests: str | None = None


class MetricAdd(_Spec):
    """One sample for a custom metric: k6's `counter.add(1)`, `rate.add(true)`, `gauge.add(42)`."""

    metric: str
    value: bool | float
    """A number, or a boolean (1 or 0) for a Rate."""


class AddStep(_Spec):
    """Add a constant sample to a custom metric at this point of the flow."""

    add: MetricAdd


class PythonStep(_Spec):
    """An async step written in Python (Python scenario files only); gets the VU."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, arbitrary_types_allowed=True
    )

    call: Callable[[Any], Awaitable[None]]
    name: str


class GroupStep(_Spec):
    """k6's group(): named, nestable; its wall time can feed a Trend and be checked."""

    group: str = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    duration_trend: str | None = None
    """A custom Trend fed the group's wall time in ms (the seed's initial_load_duration)."""
    checks: list[DurationCheck] = Field(default_factory=list)
    error_rate: ErrorRateBinding | None = None
    count_requests: str | None = None

    @field_validator("group")
    @classmethod
    def _no_separator(cls, value: str) -> str:
        if "::" in value:
            raise SpecError(
                "group name contains '::'",
                found=_quote(value),
                expected="a name without '::' (k6's path separator)",
            )
        return value


STEP_KEYS: tuple[str, ...] = ("group", "batch", "request", "sleep", "realtime", "add", "call")
_STEP_TAGS = {key: f"{key}-step" for key in STEP_KEYS}
_STEP_TYPES: dict[type, str] = {}


def _step_tag(value: Any) -> str | None:
    if isinstance(value, Mapping):
        present = [key for key in STEP_KEYS if key in value]
        return _STEP_TAGS[present[0]] if len(present) == 1 else None
    return _STEP_TYPES.get(type(value))


def _one_step_kind(value: Any) -> Any:
    """A step table holds exactly one of group/batch/request/sleep/realtime; say so clearly otherwise."""
    if isinstance(value, Mapping):
        present = [key for key in STEP_KEYS if key in value]
        if len(present) != 1:
            kinds = "group, batch, request, sleep, realtime or add"
            found = (
                f"keys {', '.join(repr(k) for k in present)} together"
                if present
                else "a step with " + (", ".join(repr(str(k)) for k in value) if value else "no keys")
            )
            raise SpecError("not one step", found=found, expected=f"exactly one of {kinds} in each step")
        if present[0] == "call" and not callable(value["call"]):
            raise SpecError(
                "call step outside Python",
                found=f"call = {value['call']!r}",
                expected="call steps only in Python scenario files (a PythonStep with an async function)",
            )
    elif _step_tag(value) is None:
        raise SpecError("not a step", found=repr(value)[:60], expected="a step table")
    return value


Step = Annotated[
    Union[  # noqa: UP007
        Annotated[GroupStep, Tag("group-step")],
        Annotated[BatchStep, Tag("batch-step")],
        Annotated[RequestStep, Tag("request-step")],
        Annotated[SleepStep, Tag("sleep-step")],
        Annotated[RealtimeStep, Tag("realtime-step")],
        Annotated[AddStep, Tag("add-step")],
        Annotated[PythonStep, Tag("call-step")],
    ],
    Discriminator(_step_tag),
    BeforeValidator(_one_step_kind),
]
_STEP_TYPES.update(
    {
        GroupStep: "group-step",
        BatchStep: "batch-step",
        RequestStep: "request-step",
        SleepStep: "sleep-step",
        RealtimeStep: "realtime-step",
        AddStep: "add-step",
        PythonStep: "call-step",
    }
)
GroupStep.model_rebuild()

# ------------------------------------------------------------------------------ metrics, thresholds


def _metric_shorthand(value: Any) -> Any:
    return {"type": value} if isinstance(value, str) else value


class MetricSpec(_Spec):
    """A custom metric (k6's `new Trend(name, isTime)` etc.).

    `time` is k6's isTime: the seed's `new Trend('initial_load_duration')` is not, so its JSON says
    contains "default" even though the values are milliseconds.
    """

    type: Literal["counter", "gauge", "rate", "trend"]
    time: bool = False


MetricDecl = Annotated[MetricSpec, BeforeValidator(_metric_shorthand)]


class ThresholdObject(_Spec):
    """k6's long threshold form."""

    threshold: str
    abort_on_fail: bool = Field(False, alias="abortOnFail")
    delay_abort_eval: str | None = Field(None, alias="delayAbortEval")


def _threshold_list(value: Any) -> Any:
    return [value] if isinstance(value, str | Mapping | ThresholdObject) else value


def _threshold_form(value: Any) -> str:
    return "expression" if isinstance(value, str) else "object"


def _threshold_item(value: Any) -> Any:
    if not isinstance(value, str | Mapping | ThresholdObject):
        raise SpecError(
            "not a threshold",
            found=repr(value),
            expected="an expression such as 'p(95)<2000' or a table {threshold = '...', abortOnFail = true}",
        )
    return value


ThresholdItem = Annotated[
    Annotated[str, Tag("expression")] | Annotated[ThresholdObject, Tag("object")],
    Discriminator(_threshold_form),
    BeforeValidator(_threshold_item),
]
ThresholdList = Annotated[list[ThresholdItem], BeforeValidator(_threshold_list)]

# ----------------------------------------------------------------------------------- options, report


class Options(_Spec):
    """k6 options that apply to the whole run."""

    batch: int = Field(20, gt=0)
    batch_per_host: int = Field(6, ge=0, alias="batchPerHost")
    """0 means no per-host limit, as in k6."""
    summary_trend_stats: list[str] = Field(
        default_factory=lambda: ["avg", "min", "med", "max", "p(90)", "p(95)"], alias="summaryTrendStats"
    )
    summary_time_unit: Literal["", "s", "ms", "us"] = Field("", alias="summaryTimeUnit")
    no_connection_reuse: bool = Field(False, alias="noConnectionReuse")
    no_vu_connection_reuse: bool = Field(False, alias="noVUConnectionReuse")
    """k6's meaning: a VU's connections are closed between its iterations (reused within one)."""
    user_agent: str = Field("dashtui/0.1", alias="userAgent")

    @field_validator("summary_trend_stats")
    @classmethod
    def _trend_stats(cls, stats: list[str]) -> list[str]:
        for stat in stats:
            if stat in ("avg", "min", "med", "max", "count"):
                continue
            match = re.fullmatch(r"p\((\d+(?:\.\d+)?)\)", stat)
            if match is None or not 0 <= float(match.group(1)) <= 100:
                raise SpecError(
                    "unknown trend stat",
                    found=_quote(stat),
                    expected="avg, min, med, max, count or p(N) with 0 <= N <= 100",
                )
        return stats


class ReportSpec(_Spec):
    """Where results go; paths are relative to the working directory."""

    json_: str | None = Field(None, alias="json")
    """Default path of the k6-shaped JSON (handleSummary data); --out overrides it."""
    dashboard_block: bool = False
    """Print the seed's DASHBOARD LOAD TEST RESULTS block after the summary."""
    summary_export: str | None = Field(None, alias="summaryExport")

    @property
    def json(self) -> str | None:  # type: ignore[override]
        """The JSON report path (named like the TOML key)."""
        return self.json_


# ----------------------------------------------------------------------------------------- scenario


class Scenario(_Spec):
    """One preset: k6's options.scenarios plus the flows they run, custom metrics, thresholds and reports."""

    name: str
    description: str = ""
    vars: dict[str, str] = Field(default_factory=dict)
    """The preset's [vars], resolved (CLI --env over the environment over the preset)."""
    options: Options = Field(default_factory=lambda: Options.model_validate({}))
    scenarios: dict[str, Executor] = Field(min_length=1)
    flows: dict[str, list[Step]] = Field(min_length=1)
    metrics: dict[str, MetricDecl] = Field(default_factory=dict)
    thresholds: dict[str, ThresholdList] = Field(default_factory=dict)
    """Raw threshold expressions per metric key; dashtui.thresholds validates them."""
    report: ReportSpec = Field(default_factory=lambda: ReportSpec.model_validate({}))
    source: str = ""
    """The file the scenario came from, for messages."""

    _secrets: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @field_validator("flows")
    @classmethod
    def _flows_not_empty(cls, flows: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for name, steps in flows.items():
            if not steps:
                raise SpecError(
                    f"flow {name!r} has no steps",
                    found="an empty list",
                    expected="at least one step",
                    key=name,
                )
        return flows

    @field_validator("metrics")
    @classmethod
    def _metric_names(cls, metrics: dict[str, MetricSpec]) -> dict[str, MetricSpec]:
        for name in metrics:
            if name in BUILTIN_METRIC_NAMES:
                raise SpecError(
                    "custom metric reuses a built-in name",
                    found=f"{name!r} (a k6 built-in metric)",
                    expected="a name that is not a built-in metric, such as 'dashboard_errors'",
                    key=name,
                )
            if not _METRIC_NAME.fullmatch(name):
                raise SpecError(
                    "invalid metric name",
                    found=_quote(name),
                    expected="1–128 letters, digits, spaces or ._!?/&#()<>%-",
                    key=name,
                )
        return metrics

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        for scenario_name, executor in self.scenarios.items():
            if executor.exec not in self.flows:
                raise SpecError(
                    "unknown flow",
                    found=f"exec = {executor.exec!r}",
                    expected="the name of a flow: " + ", ".join(repr(f) for f in self.flows),
                    key=f"scenarios\x00{scenario_name}\x00exec",
                )
        for flow_name, steps in self.flows.items():
            for index, step in enumerate(steps):
                self._check_bindings(step, f"flows\x00{flow_name}\x00{index}")
        return self

    def _check_bindings(self, step: Any, path: str) -> None:
        wanted: list[tuple[str, str, str]] = []
        duration_trend = getattr(step, "duration_trend", None)
        if duration_trend:
            wanted.append(("duration_trend", duration_trend, "trend"))
        error_rate = getattr(step, "error_rate", None)
        if error_rate is not None:
            wanted.append(("error_rate\x00metric", error_rate.metric, "rate"))
        count_requests = getattr(step, "count_requests", None)
        if count_requests:
            wanted.append(("count_requests", count_requests, "counter"))
        if isinstance(step, AddStep) and step.add.metric not in self.metrics:
            raise SpecError(
                "undeclared metric",
                found=f"metric {step.add.metric!r}, not declared in [metrics]",
                expected=f"[metrics] {step.add.metric} = 'counter' (or gauge, rate, trend)",
                key=f"{path}\x00add\x00metric",
            )
        for key, metric, kind in wanted:
            declared = self.metrics.get(metric)
            if declared is None:
                raise SpecError(
                    "undeclared metric",
                    found=f"metric {metric!r}, not declared in [metrics]",
                    expected=f"[metrics] {metric} = {kind!r}",
                    key=f"{path}\x00{key}",
                )
            if declared.type != kind:
                raise SpecError(
                    "metric of the wrong type",
                    found=f"{metric!r} declared as a {declared.type}",
                    expected=f"a {kind} for {key.replace(chr(0), '.')}",
                    key=f"{path}\x00{key}",
                )
        if isinstance(step, GroupStep):
            _reject_duplicates([c.name for c in step.checks], "check")
            for index, inner in enumerate(step.steps):
                self._check_bindings(inner, f"{path}\x00steps\x00{index}")

    def redact(self, text: str) -> str:
        """`text` with every secret value this scenario knows of replaced by [redacted]."""
        return redact_text(text, self._secrets)

    def with_secrets(self, secrets: frozenset[str]) -> Scenario:
        """A copy that will redact these values (the loader records what came from secret variables)."""
        copy = self.model_copy()
        copy._secrets = frozenset(s for s in secrets | self._secrets if s)
        return copy

    @property
    def secrets(self) -> frozenset[str]:
        """Values to redact wherever this scenario's data is shown."""
        return self._secrets
