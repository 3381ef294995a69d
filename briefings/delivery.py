"""Delivering due briefings exactly once, within Telegram's limits, knowing nothing of Telegram.

`deliver_due` is handed a `send(chat_id, text, buttons) -> message_id` that sends ONE message
and raises the domain errors below (the Telegram edge translates its own errors into them).

Exactly once: before sending, a worker claims the chat's (chat_id, local day) row in
`deliveries` (an INSERT, or taking over an expired lease; SQLite makes either atomic, so of two
processes only one wins). After each message it records `parts_sent`; at the end it marks the
row sent and moves the subscriber's next_due_utc and last_window_end on, in one transaction. A
delivery interrupted by a crash is resumed from `parts_sent` once its lease expires. Only the
one message in flight at the moment of a crash can ever arrive twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from briefings.briefing import Briefing, BriefingComposer, Button, Window, window_for
from briefings.limiter import RateLimiter
from briefings.models import Subscriber
from briefings.schedule import due_key, is_too_late, next_due
from briefings.store import Store, StoreError

log = logging.getLogger(__name__)

Send = Callable[[int, str, Sequence[Button]], Awaitable[int]]
Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


class DeliveryError(Exception):
    """A message could not be delivered."""


class RecipientGone(DeliveryError):
    """The bot was blocked, removed from the group, or the chat no longer exists."""


class Throttled(DeliveryError):
    """Too many requests: wait `retry_after` seconds before sending to this chat again."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"throttled for {retry_after:g} s")
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """The network or the server failed; the same message may succeed later."""


class Rejected(DeliveryError):
    """This message was refused for good (e.g. malformed); retrying it will not help."""


class ChatMoved(DeliveryError):
    """The group became a supergroup with a new id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class _Lost(Exception):
    """Our claim was taken over (our lease expired): stop, the new owner carries on."""


@dataclass
class DeliveryReport:
    """What one run of `deliver_due` did, chat by chat."""

    due: int = 0
    sent: int = 0  # briefings delivered in full (or, for a quiet chat, nothing to deliver)
    messages: int = 0
    resumed: int = 0  # of those sent, continued after an interruption
    quiet: int = 0  # nothing new and the chat asked for silence
    skipped: int = 0  # too late after downtime; the next one is scheduled
    taken: int = 0  # already sent, or being sent by another worker or process
    gone: int = 0  # blocked or deleted: marked gone
    failed: int = 0  # network trouble after every retry; tried again on a later tick
    rejected: int = 0  # refused for good, or could not be composed; the next one is scheduled
    throttled: int = 0  # 429 answers honoured
    aborted: bool = False  # stopped early: too many network failures in a row


@dataclass(frozen=True)
class Policy:
    """How hard to try. Defaults suit Telegram; tests shrink nothing but the clock."""

    concurrency: int = 32
    attempts: int = 5  # per message, for network errors and 5xx
    backoff: float = 1.0  # seconds before the 2nd attempt; doubles after each
    max_throttles: int = 10  # 429s for one message before it counts as a network failure
    lease: dt.timedelta = dt.timedelta(minutes=2)  # renewed after every message
    retry_failed: dt.timedelta = dt.timedelta(minutes=10)  # a failed chat is tried again after
    breaker: int = 20  # consecutive failed chats: the network is down, stop this run
    claim_batch: int = 50  # claims committed together, ahead of sending


def default_owner() -> str:
    """Who holds a claim: host, process and a random part, unique per running bot."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@functools.lru_cache(maxsize=4096)
def _next_due(time: str, timezone: str, days: str, after: dt.datetime) -> dt.datetime:
    return next_due(time, timezone, days, after=after)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def deliver_due(
    store: Store,
    composer: BriefingComposer,
    send: Send,
    now: dt.datetime,
    *,
    catch_up: dt.timedelta = dt.timedelta(hours=6),
    owner: str | None = None,
    limiter: RateLimiter | None = None,
    clock: Clock | None = None,
    sleep: Sleep = asyncio.sleep,
    policy: Policy | None = None,
    limit: int = 1_000_000,
) -> DeliveryReport:
    """Deliver every briefing due at `now` (items up to `now`), concurrently and rate-limited.

    `clock` times the leases (default: the real time); `now` decides who is due and where
    windows end. One failing chat never stops the others; a BaseException (a crash) does.
    """
    run = _FanOut(
        store,
        composer,
        send,
        now,
        catch_up=catch_up,
        owner=owner or default_owner(),
        limiter=limiter or RateLimiter(),
        clock=clock or _utc_now,
        sleep=sleep,
        policy=policy or Policy(),
    )
    await run.run(store.due_chat_ids(now, limit=limit))
    return run.report


class _FanOut:
    def __init__(
        self,
        store: Store,
        composer: BriefingComposer,
        send: Send,
        now: dt.datetime,
        *,
        catch_up: dt.timedelta,
        owner: str,
        limiter: RateLimiter,
        clock: Clock,
        sleep: Sleep,
        policy: Policy,
    ) -> None:
        self.store, self.composer, self.send, self.now = store, composer, send, now
        self.catch_up, self.owner, self.limiter = catch_up, owner, limiter
        self.clock, self.sleep, self.policy = clock, sleep, policy
        self.report = DeliveryReport()
        self.failures_in_a_row = 0

    async def run(self, chat_ids: list[int]) -> None:
        self.report.due = len(chat_ids)
        queue: asyncio.Queue[tuple[Subscriber, _Job] | None] = asyncio.Queue(
            self.policy.concurrency * 2
        )
        workers = max(1, min(self.policy.concurrency, len(chat_ids)))
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(workers):
                    group.create_task(self._worker(queue))
                await self._feed(queue, chat_ids, workers)
        except BaseExceptionGroup as errors:  # a crash (workers catch every Exception)
            raise errors.exceptions[0] from None

    async def _feed(
        self,
        queue: asyncio.Queue[tuple[Subscriber, _Job] | None],
        chat_ids: list[int],
        workers: int,
    ) -> None:
        """Claim a batch at a time (one commit for the batch), then hand the claims out."""
        batch = self.policy.claim_batch
        for start in range(0, len(chat_ids), batch):
            if self.report.aborted:
                break
            chunk = chat_ids[start : start + batch]
            order = {chat_id: position for position, chat_id in enumerate(chunk)}
            subs = sorted(self.store.subscribers(chunk), key=lambda s: order[s.chat_id])
            with self.store.transaction():
                jobs = [(sub, job) for sub in subs if (job := self._claim(sub)) is not None]
            for item in jobs:
                await queue.put(item)
        for _ in range(workers):
            await queue.put(None)

    async def _worker(self, queue: asyncio.Queue[tuple[Subscriber, _Job] | None]) -> None:
        while (item := await queue.get()) is not None:
            sub, job = item
            try:
                if self.report.aborted:
                    self._finish(
                        job, "failed", error="run stopped", advance=False, retry_after=self.clock()
                    )
                    continue
                await self._carry_out(sub, job)
            except Exception:  # a bug for one chat must not stop the others
                log.exception("delivering to chat %s failed", sub.chat_id)
                self.report.rejected += 1

    # ------------------------------------------------------------ one chat

    def _claim(self, sub: Subscriber) -> _Job | None:
        """Is it due, and ours to send? Skips what is too late; claims the rest."""
        try:
            return self._try_claim(sub)
        except Exception:  # a bug for one chat must not stop the others
            log.exception("claiming the briefing of chat %s failed", sub.chat_id)
            self.report.rejected += 1
            return None

    def _try_claim(self, sub: Subscriber) -> _Job | None:
        due = sub.next_due_utc
        if due is None or due > self.now or sub.paused or sub.status != "active":
            return None
        key = due_key(due, sub.timezone)
        following = _next_due(sub.time, sub.timezone, sub.days, self.now)
        if is_too_late(due, self.now, self.catch_up):
            log.info(
                "chat %s: the briefing of %s was due %s, more than %s ago: skipped; next %s",
                sub.chat_id,
                key,
                due.isoformat(),
                self.catch_up,
                following.isoformat(),
            )
            self.store.skip_delivery(
                sub.chat_id,
                key,
                reason=f"overdue since {due.isoformat()}",
                expected_due=due,
                next_due=following,
                now=self.clock(),
            )
            self.report.skipped += 1
            return None
        window = window_for(sub, self.now, self.composer.fresh)
        moment = self.clock()
        claim = self.store.claim_delivery(
            sub.chat_id,
            key,
            owner=self.owner,
            now=moment,
            lease_until=moment + self.policy.lease,
            window_start=window.start,
            window_end=window.end,
        )
        if claim is None:
            self._taken(sub, key, due, following)
            return None
        if claim.window_start and claim.window_end:
            window = Window(claim.window_start, claim.window_end)
        return _Job(
            sub.chat_id, key, due, following, claim.parts_sent, window=window, claimed=moment
        )

    async def _carry_out(self, sub: Subscriber, job: _Job) -> None:
        if self.clock() - job.claimed > self.policy.lease / 2:  # waited long in the queue
            self._progress(job)
        try:
            briefing = self.composer.compose(sub.topics, sub.searches, job.window)
        except Exception as error:  # a broken template or item: record it, keep going
            log.exception("chat %s: composing the briefing failed", sub.chat_id)
            self._finish(job, "rejected", error=f"compose: {error}", advance=True)
            self.report.rejected += 1
            return
        await self._send_briefing(job, sub, briefing, resumed=job.parts_sent > 0)

    def _taken(self, sub: Subscriber, key: str, due: dt.datetime, following: dt.datetime) -> None:
        """Someone else holds the claim, or it was sent (then only the schedule moves on)."""
        self.report.taken += 1
        existing = self.store.get_delivery(sub.chat_id, key)
        if existing is not None and existing.status == "sent":
            self.store.advance_schedule(
                sub.chat_id, expected_due=due, next_due=following, now=self.clock()
            )

    async def _send_briefing(
        self, job: _Job, sub: Subscriber, briefing: Briefing, *, resumed: bool
    ) -> None:
        quiet = briefing.empty and sub.quiet_when_empty
        messages = () if quiet else briefing.messages
        job.total = len(messages)
        try:
            for index in range(job.parts_sent, job.total):
                buttons = briefing.buttons if index == job.total - 1 else ()
                await self._send_part(job, messages[index], buttons)
                job.parts_sent = index + 1
                self.report.messages += 1
                if job.parts_sent < job.total:  # the last one is recorded by _finish
                    self._progress(job)
        except _Lost:
            log.warning("chat %s: claim for %s lost to another worker", job.chat_id, job.key)
            self.report.taken += 1
            return
        except RecipientGone as error:
            self._finish(job, "gone", error=str(error), advance=False)
            self._mark_gone(job.chat_id)
            self.report.gone += 1
            return
        except TransientError as error:
            self._finish(
                job,
                "failed",
                error=str(error),
                advance=False,
                retry_after=self.clock() + self.policy.retry_failed,
            )
            self.report.failed += 1
            self.failures_in_a_row += 1
            if self.failures_in_a_row >= self.policy.breaker and not self.report.aborted:
                log.error("%d chats in a row failed: stopping this run", self.failures_in_a_row)
                self.report.aborted = True
            return
        except Exception as error:  # Rejected, or anything unexpected: this chat only
            log.warning("chat %s: briefing refused: %s", job.chat_id, error)
            self._finish(job, "rejected", error=str(error), advance=True)
            self.report.rejected += 1
            return
        self.failures_in_a_row = 0
        if self._finish(job, "sent", window_end=briefing.window.end, advance=True):
            self.report.sent += 1
            self.report.quiet += quiet
            self.report.resumed += resumed

    async def _send_part(self, job: _Job, text: str, buttons: Sequence[Button]) -> int:
        failures = throttles = 0
        while True:
            await self.limiter.acquire(job.chat_id)
            try:
                return await self.send(job.chat_id, text, buttons)
            except Throttled as error:
                throttles += 1
                self.report.throttled += 1
                if throttles > self.policy.max_throttles:
                    raise TransientError(f"still throttled after {throttles} tries") from error
                self.limiter.hold(job.chat_id, error.retry_after)
                self._progress(job, extra=error.retry_after)
            except TransientError:
                failures += 1
                if failures >= self.policy.attempts:
                    raise
                delay = self.policy.backoff * 2 ** (failures - 1)
                self._progress(job, extra=delay)
                await self.sleep(delay)
            except ChatMoved as error:
                self._follow(job, error.new_chat_id)

    def _follow(self, job: _Job, new_chat_id: int) -> None:
        """A group became a supergroup: the subscription and this claim move with it."""
        if not self.store.migrate_chat(job.chat_id, new_chat_id, now=self.clock()):
            raise RecipientGone(f"chat moved to {new_chat_id}, which is subscribed already")
        job.chat_id = new_chat_id

    def _progress(self, job: _Job, *, extra: float = 0.0) -> None:
        """Record the parts sent and extend the lease (by `extra` seconds more for a wait)."""
        moment = self.clock()
        until = moment + self.policy.lease + dt.timedelta(seconds=extra)
        if not self.store.progress_delivery(
            job.chat_id,
            job.key,
            owner=self.owner,
            parts_sent=job.parts_sent,
            parts_total=job.total,
            lease_until=until,
            now=moment,
        ):
            raise _Lost()

    def _finish(
        self,
        job: _Job,
        status: str,
        *,
        advance: bool,
        error: str | None = None,
        window_end: dt.datetime | None = None,
        retry_after: dt.datetime | None = None,
    ) -> bool:
        done = self.store.finish_delivery(
            job.chat_id,
            job.key,
            owner=self.owner,
            status=status,
            now=self.clock(),
            error=error,
            retry_after=retry_after,
            expected_due=job.due if advance else None,
            next_due=job.following if advance else None,
            window_end=window_end,
            parts_sent=job.parts_sent,
            parts_total=job.total,
        )
        if not done:
            log.warning("chat %s: claim for %s lost before it was closed", job.chat_id, job.key)
        return done

    def _mark_gone(self, chat_id: int) -> None:
        with contextlib.suppress(StoreError):  # deleted meanwhile (/stop): nothing to mark
            self.store.mark_gone(chat_id, now=self.clock())


@dataclass
class _Job:
    chat_id: int
    key: str
    due: dt.datetime
    following: dt.datetime
    parts_sent: int
    window: Window
    claimed: dt.datetime
    total: int = 0
