"""The cache block in an app with the home screen (its first consumer) on top."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from control.settings import ControlSettings
from tests.control.blocks.flat_catalog.conftest import HOME_BLOCKS
from tests.control.conftest import app_with, running


@pytest.fixture
async def home_client(settings: ControlSettings, redis: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app_with(settings, HOME_BLOCKS)) as http:
        yield http
