"""Fixtures for every test: anyio runs async tests on asyncio (Textual's loop)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
