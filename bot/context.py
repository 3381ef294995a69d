"""What every handler and job needs, carried in `application.bot_data` (no module globals)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import httpx
from telegram.ext import ContextTypes

from bot.keyboards import StoredQueries
from bot.settings import Settings
from briefings.compose import Composer
from briefings.store import Store
from briefings.topics import Catalogue

SERVICES = "services"

Context: TypeAlias = ContextTypes.DEFAULT_TYPE


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    settings: Settings
    store: Store
    catalogue: Catalogue
    composer: Composer
    clock: Callable[[], dt.datetime] = utc_now
    # chat id -> the parts of a long paste received so far (see handlers/ingestion.py)
    pastes: dict[int, list[str]] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock()

    @property
    def queries(self) -> StoredQueries:
        """Where page buttons keep queries too long for their callback data."""
        return StoredQueries(self.store, self.clock)

    def http_client(self) -> httpx.AsyncClient:
        """A client for fetching pages and feeds (use `async with`); never the Bot API's."""
        return httpx.AsyncClient(
            timeout=self.settings.http_timeout,
            headers={"User-Agent": "briefings/0.1"},
        )


def services(context: Any) -> Services:
    """The Services of the running Application, from a handler's or job's context (or the
    Application itself, while wiring)."""
    application = getattr(context, "application", context)
    found = application.bot_data[SERVICES]
    if not isinstance(found, Services):  # pragma: no cover - wiring error
        raise TypeError("application.bot_data has no Services")
    return found
