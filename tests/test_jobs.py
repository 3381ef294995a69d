"""The JobQueue clock through the real PTB Application, against the fake Bot API.

Jobs run with `await job.run(app)`; the rate limiter and back-off sleep on a FakeTime, so a
429 with retry_after=5 costs no real time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable

import pytest
from sqlite_utils import Database
from telegram.ext import Application, Job

from bot.app import build_application
from bot.fakeapi import Call, FakeBotAPI
from bot.jobs import CLOCK_JOB, CLOCK_SECONDS, FEEDS_JOB, delivery
from bot.settings import Settings
from briefings.limiter import RateLimiter
from briefings.store import Store
from tests.conftest import Clock
from tests.httpserver import HTTPServerFixture, http_server_fixture  # noqa: F401
from tests.test_delivery import DUE, TICK, FakeTime, fill, subscribe

BLOCKED = "Forbidden: bot was blocked by the user"

App = Application  # type: ignore[type-arg]


def job(app: App, name: str = CLOCK_JOB) -> Job:  # type: ignore[type-arg]
    """The job build_application scheduled (exactly one of each)."""
    queue = app.job_queue
    assert queue is not None
    (found,) = queue.get_jobs_by_name(name)
    return found


def fake_time(app: App) -> FakeTime:
    """Pace the app's deliveries on a FakeTime: nothing really sleeps."""
    time = FakeTime()
    runtime = delivery(app)
    runtime.limiter = RateLimiter.for_telegram(
        paid_broadcast=app.bot_data["services"].settings.paid_broadcast,
        clock=time.clock,
        sleep=time.sleep,
    )
    runtime.sleep = time.sleep
    return time


@pytest.fixture
def filled(store: Store, clock: Clock) -> Store:
    fill(store)
    clock.set(TICK)
    return store


@pytest.fixture
async def make_app(
    settings: Settings, clock: Clock
) -> AsyncIterator[Callable[..., asyncio.Future[App]]]:
    """Build more Applications (another process, a restart), shut down at the end."""
    made: list[App] = []

    async def build(store: Store, fake_api: FakeBotAPI, **changes: object) -> App:
        application = build_application(
            dataclasses.replace(settings, **changes),  # type: ignore[arg-type]
            store,
            request=fake_api.request(),
            clock=clock,
        )
        await application.initialize()
        made.append(application)
        return application

    yield build  # type: ignore[misc]
    for application in made:
        await application.shutdown()


# ---------------------------------------------------------------- wiring


async def test_the_clock_and_the_feed_poller_are_repeating_jobs(app: App, settings: Settings):
    clock_job, feeds_job = job(app, CLOCK_JOB), job(app, FEEDS_JOB)
    assert clock_job.job.trigger.interval == dt.timedelta(seconds=CLOCK_SECONDS)
    assert feeds_job.job.trigger.interval == dt.timedelta(minutes=settings.poll_minutes)
    assert clock_job.job.max_instances == 1


# ---------------------------------------------------------------- fan-out


async def test_the_clock_job_sends_due_briefings_through_the_bot_api(
    app: App, filled: Store, fake_api: FakeBotAPI
):
    subscribe(filled, 1, "north-korea")
    subscribe(filled, 2, "sanctions", "strikes")
    fake_time(app)
    fake_api.clear()
    await job(app).run(app)
    first = fake_api.sent(chat_id=1)
    assert len(first) == 1
    assert first[0].params["parse_mode"] == "HTML"
    assert first[0].params["link_preview_options"] == {"is_disabled": True}
    assert "North Korea" in first[0].text and "<i>— " in first[0].text
    assert "allow_paid_broadcast" not in first[0].params
    assert len(fake_api.sent(chat_id=2)) >= 1
    assert {r.status for r in filled.deliveries()} == {"sent"}
    await job(app).run(app)  # the next tick: nothing is due any more
    assert len(fake_api.sent()) == len(first) + len(fake_api.sent(chat_id=2))


async def test_a_more_button_goes_under_the_last_message(
    app: App, filled: Store, fake_api: FakeBotAPI, make_app: Callable[..., asyncio.Future[App]]
):
    subscribe(filled, 1, "strikes", "humanitarian")
    small = await make_app(filled, fake_api, briefing_budget=600)
    fake_time(small)
    await job(small).run(small)
    (call,) = fake_api.sent(chat_id=1)
    assert call.buttons and all(data.startswith("more:") for _, data in call.buttons)
    assert call.buttons[0][0].startswith("More on ")


async def test_a_429_is_waited_out_and_the_message_delivered_once(
    app: App, filled: Store, fake_api: FakeBotAPI
):
    for chat_id in (1, 2, 3):
        subscribe(filled, chat_id)
    fake_api.throttle(2, retry_after=5)
    time = fake_time(app)
    await job(app).run(app)
    assert len(fake_api.sent(chat_id=2)) == 2  # the refused attempt and the one that arrived
    assert fake_api.sent(chat_id=2)[0].text == fake_api.sent(chat_id=2)[1].text
    assert time.now >= 5
    assert [call.chat_id for call in fake_api.sent()][-1] == 2  # the others did not wait
    assert {r.status for r in filled.deliveries()} == {"sent"}


async def test_a_blocked_chat_is_marked_gone_and_the_others_get_theirs(
    app: App, filled: Store, fake_api: FakeBotAPI
):
    for chat_id in (1, 2, 3, 4):
        subscribe(filled, chat_id)
    fake_api.fail(2, 403, BLOCKED)
    fake_api.fail(3, 400, "Bad Request: chat not found")
    fake_time(app)
    await job(app).run(app)
    for chat_id in (2, 3):
        sub = filled.get_subscriber(chat_id)
        assert sub is not None and sub.status == "gone"
        assert len(fake_api.sent(chat_id=chat_id)) == 1  # tried once, never again
    assert len(fake_api.sent(chat_id=1)) == len(fake_api.sent(chat_id=4)) == 1
    await job(app).run(app)
    assert len(fake_api.sent(chat_id=2)) == 1


async def test_a_refused_message_is_not_mistaken_for_a_gone_chat(
    app: App, filled: Store, fake_api: FakeBotAPI
):
    subscribe(filled, 1)
    fake_api.fail_once(1, 400, "Bad Request: can't parse entities")
    fake_time(app)
    await job(app).run(app)
    sub = filled.get_subscriber(1)
    assert sub is not None and sub.status == "active"
    (record,) = filled.deliveries(1)
    assert record.status == "rejected" and "parse entities" in (record.error or "")
    assert sub.next_due_utc == DUE + dt.timedelta(days=1)


async def test_network_errors_and_5xx_are_retried(app: App, filled: Store, fake_api: FakeBotAPI):
    for chat_id in (1, 2):
        subscribe(filled, chat_id)
    fake_api.break_network(2)
    fake_api.fail_once(2, 502, "Bad Gateway")
    time = fake_time(app)
    await job(app).run(app)
    assert len(fake_api.sent(chat_id=1)) == 1
    assert len(fake_api.sent(chat_id=2)) == 2  # the 502, then the message
    assert {r.status for r in filled.deliveries()} == {"sent"}
    assert 1.0 in time.slept


async def test_paid_broadcast_sets_allow_paid_broadcast(
    filled: Store, fake_api: FakeBotAPI, make_app: Callable[..., asyncio.Future[App]]
):
    subscribe(filled, 1)
    paid = await make_app(filled, fake_api, paid_broadcast=True)
    fake_time(paid)
    await job(paid).run(paid)
    (call,) = fake_api.sent(chat_id=1)
    assert call.params["allow_paid_broadcast"] in (True, "true")
    assert delivery(paid).limiter.overall.rate == 1000


# ---------------------------------------------------------------- after downtime


@pytest.mark.parametrize(("hours", "sent"), [(2, True), (8, False)])
async def test_after_downtime_a_recent_briefing_is_caught_up_and_an_old_one_skipped(
    app: App, filled: Store, fake_api: FakeBotAPI, clock: Clock, hours: int, sent: bool
):
    subscribe(filled, 1)
    clock.set(DUE + dt.timedelta(hours=hours))
    fake_time(app)
    await job(app).run(app)
    assert bool(fake_api.sent(chat_id=1)) is sent
    sub = filled.get_subscriber(1)
    assert sub is not None and sub.next_due_utc == DUE + dt.timedelta(days=1)


# ---------------------------------------------------------------- exactly once


class Crash(BaseException):
    """The bot process dies between two requests."""


async def test_a_crash_mid_fan_out_and_a_restart_send_nobody_twice_and_miss_nobody(
    app: App,
    filled: Store,
    fake_api: FakeBotAPI,
    clock: Clock,
    settings: Settings,
    make_app: Callable[..., asyncio.Future[App]],
):
    chats = list(range(1, 9))
    for chat_id in chats:
        subscribe(filled, chat_id, "strikes", "humanitarian", "frontline")
    first = await make_app(filled, fake_api, briefing_budget=10_000)  # a few parts each
    fake_time(first)

    def crash_on_the_tenth(call: Call) -> None:
        if call.method == "sendMessage" and len(fake_api.sent()) == 10:
            fake_api.calls.pop()  # the request never left the dying process
            raise Crash()

    fake_api.on_call = crash_on_the_tenth
    with pytest.raises(Crash):
        await job(first).run(first)
    fake_api.on_call = None
    assert len(fake_api.sent()) == 9

    # A new process on the same database file, after the dead one's leases expired.
    restarted_store = Store(Database(settings.db_path))
    restarted = await make_app(restarted_store, fake_api, briefing_budget=10_000)
    fake_time(restarted)
    clock.advance(minutes=3)
    await job(restarted).run(restarted)
    for chat_id in chats:
        texts = [call.text for call in fake_api.sent(chat_id=chat_id)]
        (record,) = restarted_store.deliveries(chat_id)
        assert record.status == "sent"
        assert len(texts) == len(set(texts)) == record.parts_total >= 3, chat_id
    restarted_store.close()


async def test_two_bots_on_one_database_file_send_each_briefing_once(
    filled: Store,
    settings: Settings,
    fake_api: FakeBotAPI,
    make_app: Callable[..., asyncio.Future[App]],
):
    chats = list(range(1, 31))
    for chat_id in chats:
        subscribe(filled, chat_id, "strikes" if chat_id % 2 else "sanctions")
    other_store = Store(Database(settings.db_path))
    one = await make_app(filled, fake_api)
    two = await make_app(other_store, fake_api)
    fake_time(one)
    fake_time(two)
    await asyncio.gather(job(one).run(one), job(two).run(two))
    for chat_id in chats:
        assert len(fake_api.sent(chat_id=chat_id)) == 1, chat_id
    reports = [delivery(one).last_report, delivery(two).last_report]
    assert sum(r.sent for r in reports if r) == len(chats)
    other_store.close()


async def test_a_tick_during_a_running_fan_out_does_nothing(
    app: App, filled: Store, fake_api: FakeBotAPI
):
    subscribe(filled, 1)
    fake_time(app)
    async with delivery(app).lock:
        await job(app).run(app)
    assert fake_api.sent(chat_id=1) == []
    await job(app).run(app)
    assert len(fake_api.sent(chat_id=1)) == 1


# ---------------------------------------------------------------- feeds


async def test_a_failing_feed_is_reported_to_the_admins_once(
    store: Store,
    fake_api: FakeBotAPI,
    http_server: HTTPServerFixture,
    make_app: Callable[..., asyncio.Future[App]],
):
    url = http_server.route("/feed.xml", "gone", status=500)
    bot = await make_app(store, fake_api, feeds=(url,), admin_ids=frozenset({42, 43}))
    await job(bot, FEEDS_JOB).run(bot)
    await job(bot, FEEDS_JOB).run(bot)
    assert [feed.url for feed in store.feeds()] == [url]
    assert len(http_server.requests_to("/feed.xml")) == 2
    for admin_id in (42, 43):
        (alert,) = fake_api.sent(chat_id=admin_id)
        assert url in alert.text and "failing" in alert.text
