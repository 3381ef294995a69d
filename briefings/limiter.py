"""An async rate limiter for fan-out: one overall rate, one per chat, a slower one per group.

Each bucket is a GCRA (a token bucket written as "the theoretical arrival time"). `acquire`
first waits until the chat's own buckets allow a message, then books the next overall slot
(synchronously, so concurrent senders share the rate fairly) and waits for it. A chat that must
wait (1 message a second, 20 a minute for groups, or a 429's retry_after) never holds up the
others. The clock and sleep are injectable: tests pass a fake whose sleep only moves time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# Telegram's documented limits: about 30 messages a second overall, one a second per chat,
# 20 a minute per group; with allow_paid_broadcast, up to 1,000 a second overall.
OVERALL_RATE = 30.0
PAID_OVERALL_RATE = 1000.0
CHAT_RATE = 1.0
GROUP_RATE = 20 / 60


@dataclass
class Bucket:
    """A GCRA bucket: `rate` per second, bursts of up to `burst`."""

    rate: float
    burst: int = 1
    tat: float = float("-inf")  # theoretical arrival time of the next conforming request

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    def earliest(self, now: float) -> float:
        return max(now, self.tat - (self.burst - 1) * self.interval)

    def take(self, moment: float) -> None:
        self.tat = max(self.tat, moment) + self.interval

    def hold(self, until: float) -> None:
        """Nothing conforms before `until` (Telegram said 'retry after')."""
        self.tat = max(self.tat, until + (self.burst - 1) * self.interval)


class RateLimiter:
    """`await limiter.acquire(chat_id)` before each message; negative chat ids are groups."""

    def __init__(
        self,
        overall: float = OVERALL_RATE,
        *,
        per_chat: float = CHAT_RATE,
        per_group: float = GROUP_RATE,
        overall_burst: int = 1,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.overall = Bucket(overall, overall_burst)
        self.per_chat = per_chat
        self.per_group = per_group
        self.clock = clock
        self.sleep = sleep
        self._chats: dict[int, Bucket] = {}
        self._groups: dict[int, Bucket] = {}

    @classmethod
    def for_telegram(
        cls,
        *,
        paid_broadcast: bool = False,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> RateLimiter:
        overall = PAID_OVERALL_RATE if paid_broadcast else OVERALL_RATE
        return cls(overall, clock=clock, sleep=sleep)

    def _buckets(self, chat_id: int) -> list[Bucket]:
        buckets = [self.overall, self._chat(chat_id)]
        if chat_id < 0:
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = Bucket(self.per_group)
            buckets.append(group)
        return buckets

    def _chat(self, chat_id: int) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= 10_000:
                self._forget_idle()
            bucket = self._chats[chat_id] = Bucket(self.per_chat)
        return bucket

    async def acquire(self, chat_id: int) -> float:
        """Wait until a message to `chat_id` may go; returns the clock time it was granted."""
        local = self._buckets(chat_id)[1:]
        while True:
            await self._until(max(bucket.earliest(self.clock()) for bucket in local))
            slot = self.overall.earliest(self.clock())
            self.overall.take(slot)
            await self._until(slot)
            now = self.clock()
            # Timers may fire a hair early; and another sender to this chat may have won.
            if all(bucket.earliest(now) <= now + 1e-3 for bucket in local):
                for bucket in local:
                    bucket.take(now)
                return now

    async def _until(self, moment: float) -> None:
        delay = moment - self.clock()
        if delay > 0:
            await self.sleep(delay)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 for this chat: nothing goes to it for `seconds`."""
        until = self.clock() + seconds
        for bucket in self._buckets(chat_id)[1:]:
            bucket.hold(until)

    def _forget_idle(self) -> None:
        now = self.clock()
        for store in (self._chats, self._groups):
            for chat_id in [cid for cid, bucket in store.items() if bucket.tat <= now]:
                del store[chat_id]
