"""JobQueue callbacks: clocks only. The store decides who is due; the domain delivers.

Two repeating jobs: the briefing clock (every CLOCK_SECONDS, asks the store who is due and hands
them to `deliver_due`) and the feed poller (every settings.poll_minutes). Run one by hand in a
test with `await job.run(app)`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field

from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import Context, Services, services
from bot.sender import TelegramSender
from briefings.briefing import BriefingComposer
from briefings.delivery import DeliveryReport, Policy, Sleep, default_owner, deliver_due
from briefings.feeds import FeedReport, poll_feeds, sync_configured_feeds
from briefings.limiter import RateLimiter

log = logging.getLogger(__name__)

CLOCK_SECONDS = 30
CLOCK_JOB = "briefings-clock"
FEEDS_JOB = "feeds-poll"
DELIVERY = "delivery"  # bot_data key of the Delivery runtime


@dataclass
class Delivery:
    """What the clock keeps between ticks: who we are (claims), the rate limiter, one lock.

    Tests replace `limiter` and `sleep` with a fake clock's, so nothing really waits.
    """

    owner: str
    limiter: RateLimiter
    sleep: Sleep = asyncio.sleep
    policy: Policy = field(default_factory=Policy)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    feeds_synced: bool = False
    last_report: DeliveryReport | None = None


def delivery(application: Application) -> Delivery:
    found = application.bot_data.get(DELIVERY)
    if not isinstance(found, Delivery):
        svc = services(application)
        found = Delivery(
            owner=default_owner(),
            limiter=RateLimiter.for_telegram(paid_broadcast=svc.settings.paid_broadcast),
        )
        application.bot_data[DELIVERY] = found
    return found


def schedule_jobs(application: Application) -> None:
    """Add the two repeating jobs (called once, by build_application)."""
    queue = application.job_queue
    if queue is None:  # pragma: no cover - the job-queue extra is a dependency
        raise RuntimeError("python-telegram-bot[job-queue] is required")
    settings = services(application).settings
    delivery(application)
    # One run at a time; a tick that finds the previous one still running just returns.
    once = {"max_instances": 1, "coalesce": True, "misfire_grace_time": CLOCK_SECONDS}
    queue.run_repeating(
        deliver_briefings, interval=CLOCK_SECONDS, first=5, name=CLOCK_JOB, job_kwargs=once
    )
    queue.run_repeating(
        poll_feeds_job,
        interval=settings.poll_minutes * 60,
        first=15,
        name=FEEDS_JOB,
        job_kwargs=once,
    )


def briefing_composer(svc: Services) -> BriefingComposer:
    """A fresh composer per tick: it caches windows, searches and briefings for that tick."""
    return BriefingComposer(
        svc.store, svc.composer, svc.catalogue, budget=svc.settings.briefing_budget
    )


async def deliver_briefings(context: Context) -> DeliveryReport | None:
    """The briefing clock: deliver whatever is due now (skipped while a fan-out runs)."""
    svc, runtime = services(context), delivery(context.application)
    if runtime.lock.locked():
        log.debug("previous fan-out still running; this tick does nothing")
        return None
    async with runtime.lock:
        now = svc.now()
        report = await deliver_due(
            svc.store,
            briefing_composer(svc),
            TelegramSender(context.bot, paid_broadcast=svc.settings.paid_broadcast),
            now,
            catch_up=dt.timedelta(hours=svc.settings.catch_up_hours),
            owner=runtime.owner,
            limiter=runtime.limiter,
            clock=svc.clock,
            sleep=runtime.sleep,
            policy=runtime.policy,
        )
    runtime.last_report = report
    if report.due:
        log.info("briefings due %s: %s", now.isoformat(timespec="seconds"), _summary(report))
    return report


async def poll_feeds_job(context: Context) -> list[FeedReport]:
    """Poll the feeds; tell the admins about a feed that started failing, once."""
    svc, runtime = services(context), delivery(context.application)
    now = svc.now()
    if not runtime.feeds_synced:
        added = sync_configured_feeds(svc.store, svc.settings.feeds, now=now)
        if added:
            log.info("feeds from the settings added: %s", ", ".join(added))
        runtime.feeds_synced = True
    async with svc.http_client() as client:
        reports = await poll_feeds(
            svc.store, svc.catalogue, client, now=now, max_bytes=svc.settings.max_file_bytes
        )
    for report in reports:
        if report.report_error:
            await _tell_admins(context, svc, report)
    return reports


async def _tell_admins(context: Context, svc: Services, report: FeedReport) -> None:
    text = svc.composer.render("briefing_feed_failing", url=report.url, error=report.error)
    for admin_id in sorted(svc.settings.admin_ids):
        try:
            await context.bot.send_message(admin_id, text)
        except TelegramError as error:
            log.warning("could not tell admin %s about feed %s: %s", admin_id, report.url, error)


def _summary(report: DeliveryReport) -> str:
    fields = dataclasses.asdict(report)
    return ", ".join(f"{name} {value}" for name, value in fields.items() if value)
