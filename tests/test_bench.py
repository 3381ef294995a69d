"""The benchmark harness, at tiny sizes: the stand-in, the data it is fed, and a miniature run.

No timing is asserted (this machine's speed is not under test here), nothing sleeps, and every
request goes to 127.0.0.1.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database
from telegram import Bot
from telegram.error import RetryAfter

from bench.__main__ import _selected, main
from bench.data import DigestMaker, SubscriberMaker, fill, load_corpus
from bench.standin import StandIn
from bot.sender import retry_seconds
from briefings.digests import parse_digest
from briefings.schedule import next_due, zone
from briefings.store import Store
from briefings.topics import Catalogue

END = dt.datetime(2024, 11, 4, 5, 0, tzinfo=dt.UTC)
# PTB 22 warns about RetryAfter.retry_after's future type whenever it builds one (a 429).
RETRY_AFTER_WARNING = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
def standin() -> Iterator[StandIn]:
    # Three messages of burst and practically no refill: what it accepts does not depend on time.
    with StandIn(rate=0.001, paid_rate=0.001, burst=3000) as api:
        yield api


@RETRY_AFTER_WARNING
async def test_the_stand_in_answers_429_beyond_its_rate_and_counts_duplicates(
    standin: StandIn,
) -> None:
    async with Bot("123456:bench-token-for-the-loopback-stand-in-00",
                   base_url=standin.base_url) as bot:
        assert bot.username == "briefings_bench_bot"  # getMe answered
        assert await bot.get_updates(timeout=0) == ()
        await bot.send_message(1, "good morning")
        await bot.send_message(1, "good morning")  # the same message again: a duplicate
        await bot.send_message(2, "good morning")
        with pytest.raises(RetryAfter) as throttled:
            await bot.send_message(3, "good morning")
    tally = standin.tally()
    assert retry_seconds(throttled.value) == 1
    assert tally.accepted == 3
    assert tally.throttled == 1
    assert tally.duplicates == 1
    assert tally.per_chat == {1: 2, 2: 1}
    assert tally.lost({1: 1, 2: 1, 3: 1}) == 1
    assert tally.first_get_updates is not None


@RETRY_AFTER_WARNING
async def test_paid_broadcast_draws_on_its_own_bucket(standin: StandIn) -> None:
    standin.reset(rate=0.001, paid_rate=0.001, burst=1000)  # one message each, counters cleared
    async with Bot("123456:bench-token-for-the-loopback-stand-in-00",
                   base_url=standin.base_url) as bot:
        await bot.send_message(1, "free")
        await bot.send_message(2, "paid", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(3, "paid again", allow_paid_broadcast=True)
    tally = standin.tally()
    assert (tally.accepted, tally.paid, tally.throttled) == (2, 1, 1)


def test_generated_digests_parse_back_into_the_items_they_were_made_of(
    catalogue: Catalogue,
) -> None:
    corpus = load_corpus(catalogue)
    maker = DigestMaker(corpus, seed=3)
    originals = {item.headline for item in corpus.items}
    for _ in range(5):
        made, topics = maker.make(dt.date(2024, 3, 5), 25)
        parsed = parse_digest(made.raw, today=dt.date(2024, 3, 6))
        assert parsed.date == dt.date(2024, 3, 5)
        assert len(parsed.items) == len(made.items) == len(topics) == 25
        for ours, theirs in zip(made.items, parsed.items, strict=True):
            assert theirs.sources == ours.sources
            assert theirs.section == ours.section
        assert all(set(found) <= set(catalogue.slugs) for found in topics)
    varied = [item for item, _ in maker.pick(200) if item.headline not in originals]
    assert varied, "no item was varied"
    assert {source for item in corpus.items for source in item.sources} >= {"Politico", "Reuters"}


def test_a_year_of_items_goes_into_the_store_through_add_digest(catalogue: Catalogue) -> None:
    store = Store(Database(memory=True))
    stored = fill(store, DigestMaker(load_corpus(catalogue), seed=1), 300, end=END)
    assert stored == store.item_count() == 300
    digests = store.latest_digests(limit=100)
    dates = [digest.date for digest in digests if digest.date is not None]
    assert len(dates) == len(digests) > 5
    assert all(END.date() - dt.timedelta(days=366) <= day <= END.date() for day in dates)
    assert sum(store.topic_counts().values()) > 0


def test_subscribers_get_realistic_schedules_and_topic_mixes(catalogue: Catalogue) -> None:
    readers = list(SubscriberMaker(catalogue.slugs, seed=4).readers(300))
    assert len({reader.chat_id for reader in readers}) == 300
    assert all(1 <= len(reader.topics) <= 8 for reader in readers)
    assert all(set(reader.topics) <= set(catalogue.slugs) for reader in readers)
    for reader in readers:
        zone(reader.timezone)
        next_due(reader.time, reader.timezone, reader.days, after=END)
    kinds = collections.Counter(reader.chat_type for reader in readers)
    assert kinds["private"] > kinds["supergroup"] > 0
    assert any(reader.searches for reader in readers)
    popular = collections.Counter(topic for reader in readers for topic in reader.topics)
    assert popular["frontline"] > popular["technology"]


def test_a_miniature_run_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    code = main([
        "--items", "400", "--subscribers", "30", "--messages", "6", "--paid-messages", "8",
        "--ingest-items", "40", "--queries", "3", "--runs", "1",
        "--cache", str(tmp_path / "cache"), "--out", str(out),
    ])
    assert code in (0, 1)  # some targets may be missed at these sizes
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["machine"]["cores"] >= 1
    assert results["machine"]["python"].startswith("3.")
    assert results["machine"]["platform"]
    assert dt.datetime.fromisoformat(results["date"])
    assert results["sizes"]["items"] == 400
    figures = {figure["key"]: figure for figure in results["figures"]}
    assert set(figures) == {"ingest", "topic", "search", "compose", "startup", "memory",
                            "delivery", "paid"}
    for figure in figures.values():
        assert figure["error"] is None, figure
        assert figure["value"] is not None
        assert isinstance(figure["passed"], bool)
        assert figure["target_text"]
    assert figures["delivery"]["detail"]["lost"] == 0
    assert figures["delivery"]["detail"]["duplicated"] == 0
    assert figures["paid"]["detail"]["paid_accepted"] == figures["paid"]["detail"]["accepted"]
    assert not list((tmp_path / "cache").glob("work-*.db"))  # working copies are cleaned up


def test_only_takes_figure_keys_and_runs_them_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _selected("paid, topic,search,ingest") == ["ingest", "queries", "paid"]
    out = str(tmp_path / "results.json")
    code = main(["--only", "topic,nonsense", "--cache", str(tmp_path), "--out", out])
    assert code == 2
    assert "unknown figure(s): nonsense" in capsys.readouterr().err
