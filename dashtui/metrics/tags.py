"""Interned tag sets: the same VU tags, request and outcome give the same `Tags` tuple object every time."""

from __future__ import annotations

from .types import Tags, make_tags

__all__ = ["DEFAULT_INTERN_LIMIT", "TagInterner"]

DEFAULT_INTERN_LIMIT = 4096
"""Tag sets a run keeps: a run has few (endpoints × statuses × groups); past the cap tags are built afresh."""

_RequestKey = tuple[Tags, Tags, str, str, str, int, bool, str, str, int]


class TagInterner:
    """Builds tag tuples once and hands back the same object for the same inputs.

    Sinks key their per-tag-set decisions (which submetrics match, which endpoint) on these tuples. The
    cache is bounded by `limit` entries; past it, tags are still correct, only built on every call.
    """

    __slots__ = ("_requests", "_derived", "limit")

    def __init__(self, limit: int = DEFAULT_INTERN_LIMIT) -> None:
        self.limit = limit
        self._requests: dict[_RequestKey, Tags] = {}
        self._derived: dict[tuple[Tags, str, str], Tags] = {}

    @property
    def size(self) -> int:
        """Tag sets kept."""
        return len(self._requests) + len(self._derived)

    def _room(self) -> bool:
        return self.size < self.limit

    def with_tag(self, tags: Tags, key: str, value: str) -> Tags:
        """`tags` with `key` set to `value` (replacing it), as `make_tags({**dict(tags), key: value})`."""
        cache_key = (tags, key, value)
        found = self._derived.get(cache_key)
        if found is not None:
            return found
        merged = dict(tags)
        merged[key] = value
        built = make_tags(merged)
        if self._room():
            self._derived[cache_key] = built
        return built

    def request(
        self,
        vu_tags: Tags,
        request_tags: Tags,
        *,
        name: str,
        method: str,
        url: str,
        status: int,
        expected: bool,
        proto: str,
        error: str = "",
        error_code: int = 0,
    ) -> Tags:
        """k6's tags of one request: the VU's, the request's own, then name, method, url, status,
        expected_response and proto, and error/error_code when the request failed with one."""
        cache_key = (vu_tags, request_tags, name, method, url, status, expected, proto, error, error_code)
        found = self._requests.get(cache_key)
        if found is not None:
            return found
        merged = dict(vu_tags)
        merged.update(request_tags)
        merged.update(
            {
                "name": name,
                "method": method,
                "url": url,
                "status": str(status),
                "expected_response": "true" if expected else "false",
                "proto": proto,
            }
        )
        if error:
            merged["error"] = error
            merged["error_code"] = str(error_code)
        built = make_tags(merged)
        if self._room():
            self._requests[cache_key] = built
        return built
