"""Delivery in the domain: exactly once, within rate limits, one bad chat never stops the others.

`send` here is a plain async function (the Telegram edge is tested in test_jobs.py); time is a
FakeTime whose sleep only moves the clock, so nothing waits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import heapq
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlite_utils import Database

from briefings.briefing import Briefing, BriefingComposer, Button, Window
from briefings.compose import MESSAGE_LIMIT, Composer
from briefings.delivery import (
    ChatMoved,
    DeliveryReport,
    Policy,
    RecipientGone,
    Rejected,
    Throttled,
    TransientError,
    deliver_due,
)
from briefings.ingest import ingest_text
from briefings.limiter import RateLimiter
from briefings.store import Store
from briefings.topics import load_catalogue

FIXTURES = Path(__file__).parent / "fixtures"
START = dt.datetime(2023, 11, 6, 6, 0, tzinfo=dt.UTC)  # Monday; digests arrive now
DUE = dt.datetime(2023, 11, 6, 8, 0, tzinfo=dt.UTC)
TICK = DUE + dt.timedelta(seconds=20)
CATALOGUE = load_catalogue(None)


class FakeTime:
    """Virtual time: `sleep` parks the caller; once everyone runnable has had its turn, time
    jumps to the earliest wake-up. Records every sleep. Nothing really waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0
        self._driver: asyncio.Task[None] | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        future = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), self._count, future))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(5):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            wake, _, _ = self._sleepers[0]
            self.now = max(self.now, wake)
            while self._sleepers and self._sleepers[0][0] <= self.now:
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)


class Crash(BaseException):
    """The process dies (like KeyboardInterrupt or SIGKILL, nothing catches it)."""


class Outbox:
    """A `send` that records messages and fails as scripted."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, tuple[Button, ...]]] = []
        self.script: dict[int, list[Exception]] = {}
        self.crash_after: int | None = None

    async def __call__(self, chat_id: int, text: str, buttons: Sequence[Button]) -> int:
        await asyncio.sleep(0)  # a real send yields to the other workers
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise Crash()
        script = self.script.get(chat_id)
        if script:
            raise script.pop(0)
        self.sent.append((chat_id, text, tuple(buttons)))
        return len(self.sent)

    def to(self, chat_id: int) -> list[str]:
        return [text for cid, text, _ in self.sent if cid == chat_id]


def fill(store: Store, at: dt.datetime = START) -> Store:
    for path in sorted(FIXTURES.glob("00[01]_*.txt")):
        ingest_text(store, CATALOGUE, path.read_text(encoding="utf-8"), now=at)
    return store


def subscribe(
    store: Store,
    chat_id: int,
    *topics: str,
    time: str = "08:00",
    timezone: str = "UTC",
    at: dt.datetime = START,
    searches: Sequence[str] = (),
) -> None:
    store.register_chat(
        chat_id,
        "private" if chat_id > 0 else "supergroup",
        None,
        time=time,
        timezone=timezone,
        now=at,
    )
    for topic in topics or ("north-korea",):
        store.follow(chat_id, topic, kind="topic", now=at)
    for words in searches:
        store.follow(chat_id, words, kind="search", now=at)


def composer(store: Store, budget: int = 3500) -> BriefingComposer:
    return BriefingComposer(store, Composer(), CATALOGUE, budget=budget)


async def deliver(
    store: Store,
    outbox: Outbox,
    now: dt.datetime = TICK,
    *,
    time: FakeTime | None = None,
    owner: str = "one",
    lease_clock: dt.datetime | None = None,
    briefings: BriefingComposer | None = None,
    **options: object,
) -> DeliveryReport:
    time = time or FakeTime()
    moment = lease_clock or now
    return await deliver_due(
        store,
        briefings or composer(store),
        outbox,
        now,
        owner=owner,
        limiter=RateLimiter(clock=time.clock, sleep=time.sleep),
        clock=lambda: moment,
        sleep=time.sleep,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "briefings.db"


@pytest.fixture
def store(db_path: Path) -> Store:
    return fill(Store(Database(db_path)))


# ---------------------------------------------------------------- the happy path


async def test_due_briefings_are_sent_and_the_schedule_moves_on(store: Store):
    for chat_id in (1, 2, 3):
        subscribe(store, chat_id, "north-korea", "sanctions")
    subscribe(store, 4, time="09:00")  # not due yet
    outbox = Outbox()
    report = await deliver(store, outbox)
    assert (report.due, report.sent) == (3, 3)
    assert sorted({cid for cid, _, _ in outbox.sent}) == [1, 2, 3]
    for chat_id in (1, 2, 3):
        sub = store.get_subscriber(chat_id)
        assert sub is not None
        assert sub.next_due_utc == DUE + dt.timedelta(days=1)
        assert sub.last_window_end == TICK
        (record,) = store.deliveries(chat_id)
        assert (record.status, record.due_key) == ("sent", "2023-11-06")
        assert record.parts_sent == record.parts_total == len(outbox.to(chat_id)) >= 1
        assert "North Korea" in outbox.to(chat_id)[0]


async def test_nobody_gets_the_same_days_briefing_twice(store: Store):
    subscribe(store, 1)
    outbox = Outbox()
    await deliver(store, outbox)
    await deliver(store, outbox, TICK + dt.timedelta(minutes=1))
    assert len(outbox.to(1)) == 1
    # Moving the time to later the same day makes it due again, but today's was sent.
    store.set_schedule(1, time="18:00", now=TICK + dt.timedelta(hours=1))
    evening = dt.datetime(2023, 11, 6, 18, 0, 30, tzinfo=dt.UTC)
    report = await deliver(store, outbox, evening)
    assert report.taken == 1 and len(outbox.to(1)) == 1
    sub = store.get_subscriber(1)
    assert sub is not None and sub.next_due_utc == dt.datetime(2023, 11, 7, 18, 0, tzinfo=dt.UTC)


async def test_the_next_day_brings_only_what_is_new(store: Store):
    subscribe(store, 1, "north-korea")
    outbox = Outbox()
    await deliver(store, outbox)
    next_day = TICK + dt.timedelta(days=1)
    report = await deliver(store, outbox, next_day)
    assert report.sent == 1
    assert outbox.to(1)[-1] == "Nothing new on your topics since your last briefing."


async def test_paused_and_gone_chats_get_nothing(store: Store):
    subscribe(store, 1)
    subscribe(store, 2)
    store.set_paused(1, True, now=START)
    store.mark_gone(2, now=START)
    outbox = Outbox()
    report = await deliver(store, outbox)
    assert report.due == 0 and outbox.sent == []


async def test_nothing_new_is_one_line_or_nothing_for_a_quiet_chat(store: Store):
    subscribe(store, 1, "nato", at=START)
    subscribe(store, 2, "nato", at=START)
    store.set_quiet_when_empty(2, True, now=START)
    outbox = Outbox()
    later = TICK + dt.timedelta(days=2)  # the samples are older than the new-subscriber window
    store.db.execute(
        "UPDATE subscribers SET next_due_utc = ?",
        [(DUE + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")],
    )
    report = await deliver(store, outbox, later)
    assert outbox.to(1) == ["Nothing new on your topics since your last briefing."]
    assert outbox.to(2) == []
    assert (report.sent, report.quiet) == (2, 1)
    quiet = store.get_subscriber(2)
    assert quiet is not None and quiet.last_window_end == later


# ---------------------------------------------------------------- Telegram pushing back


async def test_a_throttled_chat_waits_and_gets_its_briefing_once(store: Store):
    for chat_id in (1, 2, 3):
        subscribe(store, chat_id)
    outbox = Outbox()
    outbox.script[1] = [Throttled(7)]
    time = FakeTime()
    report = await deliver(store, outbox, time=time)
    assert report.sent == 3 and report.throttled == 1
    assert len(outbox.to(1)) == 1
    assert time.now >= 7  # retry_after honoured ...
    assert [cid for cid, _, _ in outbox.sent][-1] == 1  # ... while the others went first


async def test_a_gone_chat_is_marked_and_the_others_still_get_theirs(store: Store):
    for chat_id in (1, 2, 3):
        subscribe(store, chat_id)
    outbox = Outbox()
    outbox.script[2] = [RecipientGone("Forbidden: bot was blocked by the user")]
    report = await deliver(store, outbox)
    assert (report.sent, report.gone) == (2, 1)
    assert outbox.to(1) and outbox.to(3) and not outbox.to(2)
    gone = store.get_subscriber(2)
    assert gone is not None and gone.status == "gone"
    assert store.deliveries(2)[0].status == "gone"
    assert 2 not in store.due_chat_ids(TICK + dt.timedelta(days=3))
    # /start brings them back, on the next day.
    store.register_chat(2, "private", None, time="08:00", timezone="UTC", now=TICK)
    assert store.get_subscriber(2).status == "active"  # type: ignore[union-attr]
    report = await deliver(store, outbox, TICK + dt.timedelta(days=1))
    assert len(outbox.to(2)) == 1


async def test_network_errors_are_retried_with_backoff(store: Store):
    subscribe(store, 1)
    outbox = Outbox()
    outbox.script[1] = [TransientError("timed out"), TransientError("502 Bad Gateway")]
    time = FakeTime()
    report = await deliver(store, outbox, time=time)
    assert report.sent == 1 and len(outbox.to(1)) == 1
    assert time.slept[:2] == [1.0, 2.0]


async def test_a_chat_that_keeps_failing_is_tried_again_on_a_later_tick(store: Store):
    subscribe(store, 1)
    subscribe(store, 2)
    outbox = Outbox()
    outbox.script[1] = [TransientError("down")] * 5
    report = await deliver(store, outbox)
    assert (report.sent, report.failed) == (1, 1)
    record = store.deliveries(1)[0]
    assert record.status == "failed" and record.attempts == 1
    sub = store.get_subscriber(1)
    assert sub is not None and sub.next_due_utc == DUE  # not moved on: still owed
    soon = TICK + dt.timedelta(minutes=1)
    assert (await deliver(store, outbox, soon)).taken == 1  # not before retry_failed
    later = TICK + dt.timedelta(minutes=11)
    report = await deliver(store, outbox, later)
    assert report.sent == 1 and len(outbox.to(1)) == 1
    assert store.deliveries(1)[0].attempts == 2


async def test_a_refused_message_is_recorded_and_the_next_briefing_scheduled(store: Store):
    subscribe(store, 1)
    subscribe(store, 2)
    outbox = Outbox()
    outbox.script[1] = [Rejected("Bad Request: can't parse entities")]
    report = await deliver(store, outbox)
    assert (report.sent, report.rejected) == (1, 1)
    record = store.deliveries(1)[0]
    assert record.status == "rejected" and "parse entities" in (record.error or "")
    sub = store.get_subscriber(1)
    assert sub is not None and sub.next_due_utc == DUE + dt.timedelta(days=1)
    assert sub.last_window_end is None  # its items are still owed


async def test_too_many_failing_chats_stop_the_run(store: Store):
    for chat_id in range(1, 8):
        subscribe(store, chat_id)
        Outbox()
    outbox = Outbox()
    for chat_id in range(1, 8):
        outbox.script[chat_id] = [TransientError("down")] * 5
    report = await deliver(store, outbox, policy=Policy(concurrency=1, breaker=3))
    assert report.aborted and report.failed == 3
    assert len(store.due_chat_ids(TICK)) == 7  # all still owed


# ---------------------------------------------------------------- after downtime


@pytest.mark.parametrize(
    ("overdue", "sent"), [(dt.timedelta(hours=2), True), (dt.timedelta(hours=8), False)]
)
async def test_after_downtime_only_recent_briefings_are_caught_up(
    store: Store, overdue: dt.timedelta, sent: bool, caplog: pytest.LogCaptureFixture
):
    subscribe(store, 1)
    outbox = Outbox()
    with caplog.at_level(logging.INFO, logger="briefings.delivery"):
        report = await deliver(store, outbox, DUE + overdue)
    assert bool(outbox.to(1)) is sent
    assert (report.sent, report.skipped) == ((1, 0) if sent else (0, 1))
    sub = store.get_subscriber(1)
    assert sub is not None and sub.next_due_utc == DUE + dt.timedelta(days=1)
    if not sent:
        assert store.deliveries(1)[0].status == "skipped"
        assert "skipped" in caplog.text
        assert sub.last_window_end is None  # the skipped items come with the next briefing


# ---------------------------------------------------------------- one bad chat


class BrokenFor(BriefingComposer):
    """Composition (a template, an item) fails for chats following `topic`."""

    def __init__(self, store: Store, topic: str) -> None:
        super().__init__(store, Composer(), CATALOGUE)
        self.topic = topic

    def compose(self, topics: Sequence[str], searches: Sequence[str], window: Window) -> Briefing:
        if self.topic in topics:
            raise RuntimeError("template exploded")
        return super().compose(topics, searches, window)


async def test_a_failing_composition_for_one_chat_does_not_stop_the_others(store: Store):
    subscribe(store, 1, "sanctions")
    subscribe(store, 2, "energy")
    subscribe(store, 3, "sanctions")
    outbox = Outbox()
    report = await deliver(store, outbox, briefings=BrokenFor(store, "energy"))
    assert (report.sent, report.rejected) == (2, 1)
    assert outbox.to(1) and outbox.to(3) and not outbox.to(2)
    assert "template exploded" in (store.deliveries(2)[0].error or "")


async def test_a_huge_briefing_goes_in_several_parts_with_buttons_on_the_last(store: Store):
    subscribe(store, 1, *CATALOGUE.slugs)
    subscribe(store, 2, "strikes", "humanitarian")
    outbox = Outbox()
    await deliver(store, outbox, briefings=composer(store, budget=1_000_000))
    parts = outbox.to(1)
    assert len(parts) >= 3 and all(len(part) <= MESSAGE_LIMIT for part in parts)
    record = store.deliveries(1)[0]
    assert record.parts_sent == record.parts_total == len(parts)
    outbox2 = Outbox()
    subscribe(store, 3, "strikes", "humanitarian")
    await deliver(store, outbox2, briefings=composer(store, budget=800))
    ((chat, _, buttons),) = outbox2.sent
    assert chat == 3
    assert buttons and all(b.text.startswith("More on ") for b in buttons)
    assert all(b.data.startswith("more:") for b in buttons)


# ---------------------------------------------------------------- exactly once


async def test_a_crash_mid_fan_out_then_a_restart_sends_nobody_twice_and_misses_nobody(
    db_path: Path, store: Store
):
    chats = list(range(1, 7))
    for chat_id in chats:
        subscribe(store, chat_id, "strikes", "humanitarian", "frontline")
    small = 10_000  # several parts each, so the crash lands inside someone's briefing
    sub = store.get_subscriber(1)
    assert sub is not None
    expected = composer(store, budget=small).for_subscriber(sub, TICK)
    assert len(expected.messages) >= 3
    outbox = Outbox()
    outbox.crash_after = 7
    with pytest.raises(Crash):
        await deliver(
            store, outbox, briefings=composer(store, budget=small), policy=Policy(concurrency=3)
        )
    store.close()
    assert len(outbox.sent) == 7

    # The restarted process, same database file, a minute later: in-flight claims are still
    # leased, so it leaves them alone ...
    outbox.crash_after = None
    restarted = Store(Database(db_path))
    minute = TICK + dt.timedelta(minutes=1)
    await deliver(
        restarted, outbox, minute, owner="two", briefings=composer(restarted, budget=small)
    )
    interrupted = [r for r in restarted.deliveries() if r.status == "sending"]
    assert any(0 < r.parts_sent < r.parts_total for r in interrupted)  # mid-briefing
    # ... and once their leases expire it resumes them where they stopped.
    later = TICK + dt.timedelta(minutes=3)
    report = await deliver(
        restarted, outbox, later, owner="two", briefings=composer(restarted, budget=small)
    )
    assert report.resumed >= 1
    for chat_id in chats:
        assert outbox.to(chat_id) == list(expected.messages), chat_id
    assert {r.status for r in restarted.deliveries()} == {"sent"}


async def test_a_cancelled_fan_out_is_finished_by_the_next_run_without_repeats(store: Store):
    chats = list(range(1, 11))
    for chat_id in chats:
        subscribe(store, chat_id, "sanctions")
    outbox = Outbox()
    run = asyncio.ensure_future(deliver(store, outbox, policy=Policy(concurrency=2)))
    while len(outbox.sent) < 4:
        await asyncio.sleep(0)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert 4 <= len(outbox.sent) < len(chats)
    await deliver(store, outbox, TICK + dt.timedelta(minutes=3), owner="two")
    assert all(len(outbox.to(chat_id)) == 1 for chat_id in chats)


async def test_a_group_that_became_a_supergroup_gets_its_briefing_at_the_new_id(store: Store):
    subscribe(store, -100, "sanctions")
    outbox = Outbox()
    outbox.script[-100] = [ChatMoved(-1009876543210)]
    report = await deliver(store, outbox)
    assert report.sent == 1
    assert len(outbox.to(-1009876543210)) == 1
    assert store.get_subscriber(-100) is None
    moved = store.get_subscriber(-1009876543210)
    assert moved is not None and moved.next_due_utc == DUE + dt.timedelta(days=1)
    assert store.deliveries(-1009876543210)[0].status == "sent"


async def test_two_processes_on_one_database_file_send_each_briefing_once(
    db_path: Path, store: Store
):
    chats = list(range(1, 41))
    for chat_id in chats:
        subscribe(store, chat_id, "strikes" if chat_id % 2 else "sanctions")
    other = Store(Database(db_path))
    outbox = Outbox()
    first, second = await asyncio.gather(
        deliver(store, outbox, owner="one", policy=Policy(concurrency=4, claim_batch=3)),
        deliver(other, outbox, owner="two", policy=Policy(concurrency=4, claim_batch=3)),
    )
    for chat_id in chats:
        assert len(outbox.to(chat_id)) == 1, chat_id
    assert first.sent + second.sent == len(chats)
    assert first.sent > 0 and second.sent > 0  # they really did share the work
    assert len(store.deliveries()) == len(chats)


async def test_a_claim_is_exclusive_until_its_lease_expires(store: Store):
    subscribe(store, 1)
    window = dict(window_start=START, window_end=TICK)
    lease = TICK + dt.timedelta(minutes=2)
    claim = store.claim_delivery(1, "2023-11-06", owner="a", now=TICK, lease_until=lease, **window)
    assert claim is not None and claim.parts_sent == 0
    assert (
        store.claim_delivery(1, "2023-11-06", owner="b", now=TICK, lease_until=lease, **window)
        is None
    )
    assert store.progress_delivery(
        1, "2023-11-06", owner="a", parts_sent=1, parts_total=3, lease_until=lease, now=TICK
    )
    expired = lease + dt.timedelta(seconds=1)
    taken = store.claim_delivery(
        1,
        "2023-11-06",
        owner="b",
        now=expired,
        lease_until=expired + dt.timedelta(minutes=2),
        window_start=TICK,
        window_end=expired,
    )
    assert taken is not None and (taken.parts_sent, taken.window_end) == (1, TICK)  # resumed
    assert not store.progress_delivery(
        1, "2023-11-06", owner="a", parts_sent=2, parts_total=3, lease_until=lease, now=expired
    )  # a lost its claim
    assert store.finish_delivery(1, "2023-11-06", owner="b", status="sent", now=expired)
    much_later = expired + dt.timedelta(days=1)
    assert (
        store.claim_delivery(
            1, "2023-11-06", owner="c", now=much_later, lease_until=much_later, **window
        )
        is None
    )


# ---------------------------------------------------------------- the rate limiter


async def test_the_overall_rate_spaces_messages_to_different_chats():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    moments = [await limiter.acquire(chat_id) for chat_id in range(1, 61)]
    assert moments[0] == 0
    assert moments[-1] == pytest.approx(59 / 30)


async def test_concurrent_senders_share_the_rate():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    slots = await asyncio.gather(*(limiter.acquire(chat_id) for chat_id in range(1, 91)))
    assert sorted(slots) == pytest.approx([n / 30 for n in range(90)])


async def test_one_chat_gets_at_most_one_message_a_second_without_holding_up_others():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)

    async def three() -> list[float]:
        return [await limiter.acquire(7) for _ in range(3)]

    slots, other = await asyncio.gather(three(), limiter.acquire(8))
    assert slots == pytest.approx([0, 1, 2])
    assert other < 0.1


async def test_a_group_gets_at_most_twenty_messages_a_minute():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    slots = [await limiter.acquire(-100) for _ in range(21)]
    assert slots[1] == pytest.approx(3)
    assert slots[20] == pytest.approx(60)


async def test_retry_after_holds_one_chat_only():
    time = FakeTime()
    limiter = RateLimiter(30, clock=time.clock, sleep=time.sleep)
    limiter.hold(5, 12)
    held, other = await asyncio.gather(limiter.acquire(5), limiter.acquire(6))
    assert held == pytest.approx(12)
    assert other < 0.1


async def test_paid_broadcast_allows_a_thousand_a_second():
    time = FakeTime()
    limiter = RateLimiter.for_telegram(paid_broadcast=True, clock=time.clock, sleep=time.sleep)
    slots = await asyncio.gather(*(limiter.acquire(chat_id) for chat_id in range(1, 2001)))
    assert max(slots) == pytest.approx(1999 / 1000)
    assert dataclasses.asdict(RateLimiter.for_telegram().overall)["rate"] == 30
