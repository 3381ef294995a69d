"""Shared fixtures: a real Store on a file, the fake Bot API, a fake clock, a real Application."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlite_utils import Database
from telegram.ext import Application

from bot.fakeapi import FakeBotAPI
from bot.settings import Settings
from briefings.store import Store
from briefings.topics import Catalogue, load_catalogue

START = dt.datetime(2023, 11, 6, 6, 0, tzinfo=dt.UTC)  # a Monday, the week of the sample digests
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = ("000_51635e4d9e4636c5.txt", "001_e037ba12bc8febe1.txt")


class Clock:
    """A clock the test moves by hand: `clock()` and `clock.now` are the current aware UTC time."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: Any) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return self.now


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped catalogue (immutable, so one for the whole run)."""
    return load_catalogue()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with a short timeout, for pages and feeds on the loopback test server."""
    async with httpx.AsyncClient(timeout=0.5) as the_client:
        yield the_client


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    the_store = Store(Database(tmp_path / "briefings.db"))
    yield the_store
    the_store.close()


@pytest.fixture
def fake_api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        admin_ids=frozenset({42}),
        default_time="08:00",
        default_timezone="UTC",
        db_path=tmp_path / "briefings.db",
    )


@pytest.fixture
async def app(
    settings: Settings, store: Store, fake_api: FakeBotAPI, clock: Clock
) -> AsyncIterator[Application]:
    """The real Application, initialized (getMe, setMyCommands) but not polling."""
    from bot.app import build_application  # imported here so the domain tests need no bot

    application = build_application(settings, store, request=fake_api.request(), clock=clock)
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    try:
        yield application
    finally:
        await application.shutdown()


@pytest.fixture
def ingested(store: Store, clock: Clock) -> list[Any]:
    """The two sample digests stored at the clock's time; returns their IngestResults."""
    from briefings.ingest import ingest_text
    from briefings.topics import load_catalogue

    catalogue = load_catalogue()
    return [
        ingest_text(store, catalogue, (FIXTURES / name).read_text(encoding="utf-8"), now=clock())
        for name in SAMPLES
    ]
