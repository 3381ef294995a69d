"""The measured figures: each builds its own setting from the workspace and returns `Figure`s.

| key      | figure                                                            | target        |
|----------|-------------------------------------------------------------------|---------------|
| ingest   | parse + classify + store into a database of N items, items/s      | ≥ 5,000       |
| topic    | `/topic T` through the real Application, p99 (p50 in the detail)  | ≤ 50 ms       |
| search   | `/search WORDS` the same way                                      | ≤ 50 ms       |
| compose  | briefings for every subscriber at one tick                        | ≤ 20 s        |
| delivery | the clock job against a 30 msg/s stand-in, sustained rate         | ≥ 29 msg/s    |
| paid     | the same with paid broadcast, stand-in at 1,000 msg/s             | ≥ 800 msg/s   |
| memory   | peak RSS of a bot process (1 tick + composing for everyone)       | ≤ 500 MB      |
| startup  | `briefings run`: process start to the first getUpdates            | ≤ 2 s         |

Delivery figures also require 0 lost and 0 duplicated messages, counted by the stand-in.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import gc
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.data import (
    SEARCHES,
    TOPIC_POPULARITY,
    DigestMaker,
    Reader,
    SubscriberMaker,
    classifier_text,
    register,
)
from bench.standin import StandIn
from bench.workspace import END, REGISTERED, Workspace, open_store
from briefings.briefing import FRESH, BriefingComposer, Window
from briefings.compose import Composer
from briefings.digests import parse_digest
from briefings.ingest import Document, ingest_documents, ingest_text
from briefings.schedule import zone
from briefings.store import Store
from briefings.topics import Catalogue, classify

# A token of the right shape: the stand-in accepts any.
TOKEN = "123456:bench-token-for-the-loopback-stand-in-00"
MB = 1024 * 1024


@dataclass(frozen=True)
class Sizes:
    items: int  # items in the base database
    subscribers: int
    messages: int  # delivery at 30 msg/s
    paid_messages: int  # delivery with paid broadcast
    ingest_items: int  # items ingested through the pipeline on top of the base
    queries: int  # of each command

    @classmethod
    def full(cls) -> Sizes:
        return cls(1_000_000, 100_000, 10_000, 10_000, 20_000, 400)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(100_000, 10_000, 600, 2_000, 3_000, 150)


@dataclass
class Figure:
    key: str
    title: str
    unit: str
    target: float
    higher_is_better: bool
    value: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)  # must all hold, e.g. "0 lost"
    error: str | None = None
    seconds: float = 0.0  # how long measuring it took, set-up included

    @property
    def passed(self) -> bool:
        if self.error is not None or self.value is None:
            return False
        within = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return within and all(self.conditions.values())

    @property
    def target_text(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:,g} {self.unit}"

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "figure": self.title,
            "value": None if self.value is None else round(self.value, 4),
            "unit": self.unit,
            "target": self.target,
            "target_text": self.target_text,
            "passed": self.passed,
            "conditions": self.conditions,
            "detail": self.detail,
            "error": self.error,
            "seconds": round(self.seconds, 1),
        }


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---------------------------------------------------------------- ingest


@contextlib.contextmanager
def own_heap() -> Iterator[None]:
    """Time the bot's work as if in a process of its own.

    Everything the benchmark made before (generated digests, subscribers, 100,000 composed
    briefings) would otherwise sit in the garbage collector's older generations, and every full
    collection during the measured work would walk it: that cost 10-15% on the ingest and paid
    figures, and the bot itself never holds the benchmark's data.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def measure_ingest(ws: Workspace, sizes: Sizes) -> list[Figure]:
    """Digests through the real pipeline on top of the base: the figure is the batch path
    (`ingest_documents`, what `briefings ingest` uses: every core, batched commits); one digest
    at a time (`ingest_text`, what a channel post or /ingest does) is in the detail."""
    figure = Figure("ingest", f"ingest (parse + classify + store) into {sizes.items:,} items",
                    "items/s", 5000, True)
    path = ws.copy(ws.items_db(sizes.items), "ingest")
    maker = DigestMaker(ws.corpus, seed=sizes.items + 17)
    batch, batch_items = _digest_texts(maker, sizes.ingest_items, END)
    single, single_items = _digest_texts(maker, sizes.ingest_items, END + dt.timedelta(days=1))
    docs = [Document(name=f"bench-{index}", text=text) for index, (text, _) in enumerate(batch)]
    store = open_store(path)
    with own_heap():
        try:
            before = store.item_count()
            usage = _Usage()
            started = time.perf_counter()
            summary = ingest_documents(store, ws.catalogue, docs, now=END)
            elapsed = time.perf_counter() - started
            cpu = usage.since()
            middle = store.item_count()
            started = time.perf_counter()
            one_by_one = sum(
                ingest_text(store, ws.catalogue, text, now=now).item_count for text, now in single
            )
            single_elapsed = time.perf_counter() - started
            after = store.item_count()
        finally:
            store.close()
            ws.discard(path)
    parse_s, classify_s = _ingest_breakdown(single, ws.catalogue)
    figure.value = summary.items / elapsed
    figure.detail = {
        "path": "ingest_documents (parse + classify on every core, batched commits)",
        "digests": len(docs), "items_generated": batch_items, "items_stored": summary.items,
        "items_before": before, "seconds": round(elapsed, 3), "errors": summary.errors[:5],
        # Where the wall time went: the store's process and the parse/classify workers (CPU
        # seconds), and blocks read from disk (a host that evicted the base from its page cache
        # shows here, and in a low figure).
        "cpu": cpu,
        "one_digest_at_a_time": {
            "path": "ingest_text per digest (one commit each)",
            "items_per_s": round(one_by_one / single_elapsed, 1),
            "digests": len(single), "items": one_by_one, "seconds": round(single_elapsed, 3),
            "parse_s": round(parse_s, 3), "classify_s": round(classify_s, 3),
            "store_s": round(max(0.0, single_elapsed - parse_s - classify_s), 3),
        },
    }
    figure.conditions = {
        "every generated item stored": summary.items == batch_items == middle - before
        and one_by_one == single_items == after - middle,
    }
    return [figure]


class _Usage:
    """CPU seconds and disk reads of this process and its finished children from now on."""

    def __init__(self) -> None:
        self.start = (resource.getrusage(resource.RUSAGE_SELF),
                      resource.getrusage(resource.RUSAGE_CHILDREN))

    def since(self) -> dict[str, float]:
        me0, kids0 = self.start
        me1 = resource.getrusage(resource.RUSAGE_SELF)
        kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "store_user_s": round(me1.ru_utime - me0.ru_utime, 2),
            "store_sys_s": round(me1.ru_stime - me0.ru_stime, 2),
            "workers_s": round(
                kids1.ru_utime + kids1.ru_stime - kids0.ru_utime - kids0.ru_stime, 2
            ),
            "disk_reads_mb": round((me1.ru_inblock - me0.ru_inblock) * 512 / 1e6, 1),
        }


def _digest_texts(
    maker: DigestMaker, items: int, start: dt.datetime
) -> tuple[list[tuple[str, dt.datetime]], int]:
    """New digests holding about `items` items, seven minutes apart from `start`."""
    texts: list[tuple[str, dt.datetime]] = []
    made = 0
    moment = start
    while made < items:
        digest, _ = maker.make(moment.date())
        texts.append((digest.raw, moment))
        made += len(digest.items)
        moment += dt.timedelta(minutes=7)
    return texts, made


def _ingest_breakdown(
    texts: list[tuple[str, dt.datetime]], catalogue: Catalogue
) -> tuple[float, float]:
    """The same digests parsed, then classified, without storing: where the time goes."""
    started = time.perf_counter()
    digests = [parse_digest(text, today=now.date()) for text, now in texts]
    parsed = time.perf_counter()
    for digest in digests:
        for item in digest.items:
            classify(classifier_text(item), catalogue)
    return parsed - started, time.perf_counter() - parsed


# ---------------------------------------------------------------- /topic and /search


TOPIC_NAMES_EXTRA = ("Black Sea", "peace talks", "Military aid", "NATO", "north korea",
                     "Crimea bridge", "grain corridor", "Patriot")  # labels, and words
SEARCH_WORDS = (*SEARCHES, "Russia", "Ukraine", "missile attack", "sanctions evasion",
                "Meloni prank call", "Solikamsk", "Kremenchuk", "North Korea shells",
                "humanitarian aid", "Black Sea shipping", "peacekeeping Gaza", "stalemate",
                "electricity blackout", "moon landing")


def command_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A private-chat command as the Bot API sends it."""
    person = {"id": chat_id, "is_bot": False, "first_name": "Reader"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(END.timestamp()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Reader"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


def measure_queries(ws: Workspace, sizes: Sizes, path: Path) -> list[Figure]:
    rng = random.Random(5)
    slugs = list(ws.catalogue.slugs)
    weights = [TOPIC_POPULARITY.get(slug, 1) for slug in slugs]
    topics = [
        rng.choice(TOPIC_NAMES_EXTRA) if rng.random() < 0.2 else rng.choices(slugs, weights)[0]
        for _ in range(sizes.queries)
    ]
    searches = [rng.choice(SEARCH_WORDS) for _ in range(sizes.queries)]
    results = asyncio.run(_answer_all(path, {"topic": topics, "search": searches}))
    figures = []
    for command, (timed, answered) in results.items():
        latencies = [latency for latency, _ in timed]
        slowest = sorted(timed, reverse=True)[:5]
        figure = Figure(command, f"/{command} answered at {sizes.items:,} items, p99", "ms", 50,
                        False)
        figure.value = percentile(latencies, 0.99)
        figure.detail = {
            "queries": len(latencies), "p50_ms": round(percentile(latencies, 0.5), 2),
            "p90_ms": round(percentile(latencies, 0.9), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
            "max_ms": round(max(latencies), 2), "mean_ms": round(statistics.fmean(latencies), 2),
            "slowest": [[f"/{command} {argument}", round(latency, 1)]
                        for latency, argument in slowest],
            "path": "real Application.process_update + handler + store + templates, "
                    "fake Bot API (httpx.MockTransport)",
        }
        figure.conditions = {"every command answered": answered == len(latencies)}
        figures.append(figure)
    return figures


async def _answer_all(
    path: Path, commands: dict[str, list[str]]
) -> dict[str, tuple[list[tuple[float, str]], int]]:
    from telegram import Update

    from bot.app import build_application
    from bot.fakeapi import FakeBotAPI
    from bot.settings import Settings

    store = open_store(path)
    api = FakeBotAPI()
    application = build_application(Settings(db_path=path), store, request=api.request(),
                                    clock=lambda: END)
    await application.initialize()
    results: dict[str, tuple[list[tuple[float, str]], int]] = {}
    update_id = 0
    try:
        for command, arguments in commands.items():
            for warm in arguments[:5]:  # templates compiled, caches as in a running bot
                update_id += 1
                update = Update.de_json(
                    command_update(update_id, 5000, f"/{command} {warm}"), application.bot
                )
                await application.process_update(update)
            timed: list[tuple[float, str]] = []
            answered = 0
            for argument in arguments:
                update_id += 1
                update = Update.de_json(
                    command_update(update_id, 5000 + update_id, f"/{command} {argument}"),
                    application.bot,
                )
                api.clear()
                started = time.perf_counter()
                await application.process_update(update)
                timed.append(((time.perf_counter() - started) * 1000, argument))
                answered += bool(api.sent("sendMessage"))
            results[command] = (timed, answered)
    finally:
        await application.shutdown()
        store.close()
    return results


# ---------------------------------------------------------------- composing


def compose_everyone(
    store: Store, catalogue: Catalogue, now: dt.datetime, budget: int
) -> dict[str, Any]:
    """Every subscriber's briefing at `now`, as one clock tick composes them."""
    composer = BriefingComposer(store, Composer(), catalogue, budget=budget)
    subscribers = messages = empty = 0
    mixes: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for chunk in _chunks(list(store.iter_chat_ids()), 500):
        for sub in store.subscribers(chunk):
            briefing = composer.for_subscriber(sub, now)
            subscribers += 1
            messages += len(briefing.messages)
            empty += briefing.empty
            mixes.add((sub.topics, sub.searches))
    return {"subscribers": subscribers, "messages": messages, "empty": empty,
            "distinct_mixes": len(mixes)}


def measure_compose(ws: Workspace, sizes: Sizes, path: Path) -> list[Figure]:
    from bot.settings import Settings

    figure = Figure("compose", f"briefings composed for {sizes.subscribers:,} subscribers",
                    "s", 20, False)
    store = open_store(path)
    with own_heap():
        try:
            started = time.perf_counter()
            detail = compose_everyone(store, ws.catalogue, END, Settings().briefing_budget)
            figure.value = time.perf_counter() - started
        finally:
            store.close()
    figure.detail = {**detail, "window": "the 24 hours before the tick",
                     "items_in_window": _items_in_window(path)}
    figure.conditions = {"every subscriber composed": detail["subscribers"] == sizes.subscribers}
    return [figure]


def _items_in_window(path: Path) -> int:
    store = open_store(path)
    try:
        return len(store.items_between(END - FRESH, END))
    finally:
        store.close()


# ---------------------------------------------------------------- delivery


def _due_time(timezone: str, moment: dt.datetime) -> str:
    return f"{moment.astimezone(zone(timezone)):%H:%M}"


def choose_readers(
    store: Store, catalogue: Catalogue, messages: int, budget: int, seed: int
) -> tuple[list[Reader], dict[int, int]]:
    """Readers due within the 4 hours before END whose briefings add up to `messages` messages.

    Returns them and the messages each chat should get (composed the way delivery composes).
    """
    composer = BriefingComposer(store, Composer(), catalogue, budget=budget)
    window = Window(END - FRESH, END)
    maker = SubscriberMaker(catalogue.slugs, seed=seed)
    rng = random.Random(seed)
    chosen: list[Reader] = []
    expected: dict[int, int] = {}
    total = serial = 0
    while total < messages and serial < messages * 20:
        reader = maker.reader(serial)
        serial += 1
        due = END - dt.timedelta(minutes=rng.randint(1, 240))
        reader = dataclasses.replace(reader, paused=False, days="daily",
                                     time=_due_time(reader.timezone, due))
        briefing = composer.compose(reader.topics, reader.searches, window)
        count = 0 if briefing.empty and reader.quiet_when_empty else len(briefing.messages)
        if count == 0 or total + count > messages:
            continue
        chosen.append(reader)
        expected[reader.chat_id] = count
        total += count
    return chosen, expected


def measure_delivery(ws: Workspace, sizes: Sizes, *, paid: bool) -> list[Figure]:
    from bot.settings import Settings

    messages = sizes.paid_messages if paid else sizes.messages
    if paid:
        figure = Figure("paid", f"delivery with paid broadcast, {messages:,} messages, "
                        "stand-in at 1,000 msg/s", "msg/s", 800, True)
    else:
        figure = Figure("delivery", f"delivery, {messages:,} messages, stand-in at 30 msg/s",
                        "msg/s", 29, True)
    path = ws.copy(ws.items_db(sizes.items), "paid" if paid else "delivery")
    store = open_store(path)
    budget = Settings().briefing_budget
    try:
        readers, expected = choose_readers(store, ws.catalogue, messages, budget, seed=31 + paid)
        register(store, iter(readers), now=END - dt.timedelta(hours=5))
        due = len(store.due_chat_ids(END, limit=len(readers) + 1))
    finally:
        store.close()
    try:
        with StandIn(rate=30, paid_rate=1000) as api:
            settings = Settings(token=TOKEN, api_base_url=api.base_url, db_path=path,
                                paid_broadcast=paid)
            with own_heap():
                report, elapsed, cpu = asyncio.run(_one_tick(settings, path, api))
            tally = api.tally()
    finally:
        ws.discard(path)
    lost = tally.lost(expected)
    extra = sum(max(0, n - expected.get(chat, 0)) for chat, n in tally.per_chat.items())
    duplicated = tally.duplicates + extra
    figure.value = tally.sustained_rate()
    figure.detail = {
        "messages_expected": sum(expected.values()), "chats": len(expected), "chats_due": due,
        "accepted": tally.accepted, "paid_accepted": tally.paid, "answered_429": tally.throttled,
        "lost": lost, "duplicated": duplicated, "tick_seconds": round(elapsed, 2),
        "overall_rate": round(tally.accepted / elapsed, 2) if elapsed else None,
        "bot_cpu_ms_per_message": round(cpu / tally.accepted * 1000, 3) if tally.accepted else None,
        "report": report,
    }
    figure.conditions = {"0 lost": lost == 0, "0 duplicated": duplicated == 0}
    return [figure]


async def _one_tick(
    settings: Any, path: Path, api: StandIn
) -> tuple[dict[str, Any], float, float]:
    """Build the real Application against the stand-in and run the briefing clock once."""
    store = open_store(path)
    application, job = await start_bot(settings, store, lambda: END)
    try:
        api.reset()  # count the tick only
        started, cpu = time.perf_counter(), time.process_time()
        await job.run(application)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return _last_report(application), elapsed, cpu
    finally:
        await application.shutdown()
        store.close()


async def start_bot(settings: Any, store: Store, clock: Callable[[], dt.datetime]) -> Any:
    """build_application, initialize (getMe) and post_init (setMyCommands); the clock job."""
    from bot import jobs
    from bot.app import build_application

    application = build_application(settings, store, clock=clock)
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("the Application has no JobQueue")
    found = queue.get_jobs_by_name(jobs.CLOCK_JOB)
    if not found:
        raise RuntimeError(f"build_application scheduled no {jobs.CLOCK_JOB!r} job")
    return application, found[0]


def _last_report(application: Any) -> dict[str, Any]:
    from bot import jobs

    report = jobs.delivery(application).last_report
    if report is None:
        raise RuntimeError("the clock job ran but left no delivery report (see the log)")
    return {key: value for key, value in dataclasses.asdict(report).items() if value}


# ---------------------------------------------------------------- the bot process


def _python_floor() -> float:
    """How long this interpreter takes to start and exit doing nothing."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def bot_environment(api: StandIn, path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TELEGRAM_", "BRIEFINGS_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "BRIEFINGS_DB": str(path),
        "BRIEFINGS_LOG_LEVEL": "WARNING",
        "NO_PROXY": "127.0.0.1,localhost",
    })
    return env


def measure_startup(ws: Workspace, sizes: Sizes, path: Path, repeats: int = 3) -> list[Figure]:
    figure = Figure("startup", f"start-up to first poll at {sizes.items:,} items", "s", 2, False)
    runs = []
    with StandIn() as api, tempfile.TemporaryDirectory() as empty:
        for _ in range(repeats):
            api.reset()
            runs.append(_start_once(api, path, Path(empty)))
    figure.value = statistics.median(runs)
    figure.detail = {"runs_s": [round(run, 3) for run in runs],
                     "python_floor_s": round(_python_floor(), 3),
                     "command": "briefings run (long polling), cwd without .env"}
    return [figure]


def _start_once(api: StandIn, path: Path, cwd: Path, timeout: float = 60) -> float:
    command = [sys.executable, "-c", "import sys; from bot.cli import main; main(['run'])"]
    started = time.time()
    process = subprocess.Popen(command, cwd=cwd, env=bot_environment(api, path),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while time.time() - started < timeout:
            first = api.tally().first_get_updates
            if first is not None:
                return first - started
            if process.poll() is not None:
                error = process.stderr.read().decode()[-2000:] if process.stderr else ""
                raise RuntimeError(f"the bot exited with {process.returncode}: {error}")
            time.sleep(0.02)
        raise RuntimeError(f"no getUpdates within {timeout} s")
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr is not None:
        process.stderr.close()


def measure_memory(ws: Workspace, sizes: Sizes, path: Path) -> list[Figure]:
    figure = Figure("memory", f"peak memory of the bot process, {sizes.items:,} items and "
                    f"{sizes.subscribers:,} subscribers", "MB", 500, False)
    tick = REGISTERED + dt.timedelta(hours=1)  # the 08:00 Kyiv hour: the busiest tick
    with StandIn(rate=1_000_000, paid_rate=1_000_000) as api:
        command = [sys.executable, "-m", "bench.botproc", "--db", str(path), "--api", api.base_url,
                   "--now", tick.isoformat()]
        env = {**bot_environment(api, path), "BRIEFINGS_PAID_BROADCAST": "1"}
        done = subprocess.run(command, env=env, capture_output=True,
                              timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the bot process failed: {done.stderr.decode()[-2000:]}")
    found = json.loads(done.stdout.decode().strip().splitlines()[-1])
    figure.value = found["peak_rss_kb"] / 1024
    figure.detail = found
    return [figure]
