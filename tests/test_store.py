"""The store on real SQLite files: ingest idempotence, replacement, search, topics, restarts,
subscribers and feeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlite_utils import Database

from briefings.models import Digest, Item
from briefings.store import FTS_AUTOMERGE, Store

NOW = dt.datetime(2023, 11, 6, 6, 0, tzinfo=dt.UTC)


def make_digest(raw: str, *items: tuple[str, str, tuple[str, ...]], url: str | None = None,
                date: dt.date | None = dt.date(2023, 11, 3)) -> Digest:
    return Digest(
        raw=raw,
        url=url,
        date=date,
        title="Daily digest",
        sections=("World",),
        items=tuple(
            Item(position=n, section="World", headline=headline, text=text, sources=sources)
            for n, (headline, text, sources) in enumerate(items)
        ),
    )


SANCTIONS = ("New US sanctions", "The US announced new sanctions on Russia.", ("Politico",))
DRONES = ("Drone attack", "A drone attack hit Odesa overnight.", ("Reuters", "AP News"))
GRAIN = ("Grain corridor", "Ships left Odesa with grain.", ("Reuters",))


def add(store: Store, digest: Digest, topics: list[list[str]], now: dt.datetime = NOW) -> bool:
    return store.add_digest(digest, topics, now=now).new


# ---------------------------------------------------------------- digests


def test_the_same_digest_twice_stores_nothing_new(store: Store) -> None:
    digest = make_digest("raw one", SANCTIONS, DRONES)
    first = store.add_digest(digest, [["sanctions"], ["strikes"]], now=NOW)
    again = store.add_digest(digest, [["sanctions"], ["strikes"]], now=NOW + dt.timedelta(hours=1))
    assert first.new and not first.replaced
    assert first.topic_counts == {"sanctions": 1, "strikes": 1}
    assert not again.new
    assert again.digest_id == first.digest_id
    assert again.item_count == 2
    assert (store.digest_count(), store.item_count()) == (1, 2)


def test_whitespace_changes_alone_are_the_same_digest(store: Store) -> None:
    assert add(store, make_digest("line one\nline two", SANCTIONS), [["sanctions"]])
    assert not add(store, make_digest("line one\r\n  line two\n", SANCTIONS), [["sanctions"]])


def test_new_content_at_the_same_url_replaces_items_topics_sources_and_search(
    store: Store,
) -> None:
    url = "https://example.org/today"
    add(store, make_digest("version 1", SANCTIONS, DRONES, url=url), [["sanctions"], ["strikes"]])
    result = store.add_digest(
        make_digest("version 2", GRAIN, url=url), [["black-sea"]], now=NOW + dt.timedelta(hours=1)
    )
    assert result.new and result.replaced
    assert (store.digest_count(), store.item_count()) == (1, 1)
    assert store.search("sanctions") == []
    assert [i.headline for i in store.search("grain")] == ["Grain corridor"]
    assert store.items_on_topic("sanctions") == []
    assert store.items_on_topic("strikes") == []
    assert [i.headline for i in store.items_on_topic("black-sea")] == ["Grain corridor"]
    assert store.items_from_source("AP News") == []
    assert [i.headline for i in store.items_from_source("reuters")] == ["Grain corridor"]
    assert store.topic_counts() == {"black-sea": 1}


def test_an_unparsed_digest_keeps_its_raw_text(store: Store) -> None:
    raw = "just some words without structure"
    digest = Digest(raw=raw, items=(Item(0, None, raw, raw),), warnings=("no structure",))
    result = store.add_digest(digest, [[]], now=NOW, status="unparsed")
    stored = store.get_digest(result.digest_id)
    assert stored is not None and stored.status == "unparsed"
    row = store.db.execute("SELECT raw FROM digests WHERE id = ?", [result.digest_id]).fetchone()
    assert row[0] == raw


# ---------------------------------------------------------------- search


@pytest.mark.parametrize(
    "query",
    [
        '"', '""', "sanctions AND", "AND", "OR NOT", "NEAR(", "NEAR(a b", "*", "sanc*", "-",
        "-russia", "headline:", "text:drone", ":", "^", "(", ")", "🇺🇦", "🔥 sanctions", "", "   ",
        "'; DROP TABLE", "a\x00b", "{x}", "[]",
    ],
)
def test_search_never_raises_whatever_is_typed(store: Store, query: str) -> None:
    add(store, make_digest("raw", SANCTIONS, DRONES), [["sanctions"], ["strikes"]])
    assert isinstance(store.search(query), list)


def test_search_stems_and_finds_words_inside_operators(store: Store) -> None:
    add(store, make_digest("raw", SANCTIONS, DRONES), [["sanctions"], ["strikes"]])
    assert [i.headline for i in store.search("sanction")] == ["New US sanctions"]
    assert [i.headline for i in store.search("attacks")] == ["Drone attack"]
    assert [i.headline for i in store.search('"sanctions"')] == ["New US sanctions"]
    assert [i.headline for i in store.search("sanctions*")] == ["New US sanctions"]
    # Operators are plain words, and every word is required.
    assert store.search("sanctions -drone") == []
    assert store.search("sanctions AND") == []
    assert store.search("sanctions drone") == []  # every word is required


def test_search_is_newest_first_with_limit(store: Store) -> None:
    for day in range(3):
        item = (f"Sanctions day {day}", "More sanctions.", ())
        add(store, make_digest(f"raw {day}", item), [["sanctions"]], NOW + dt.timedelta(days=day))
    assert [i.headline for i in store.search("sanctions", limit=2)] == [
        "Sanctions day 2", "Sanctions day 1",
    ]


# ---------------------------------------------------------------- topics


def test_items_on_topic_newest_first_with_since_limit_and_offset(store: Store) -> None:
    for day in range(5):
        item = (f"Item {day}", "Text.", ())
        add(store, make_digest(f"raw {day}", item), [["eu"]], NOW + dt.timedelta(days=day))
    headlines = [i.headline for i in store.items_on_topic("eu", limit=10)]
    assert headlines == ["Item 4", "Item 3", "Item 2", "Item 1", "Item 0"]
    assert [i.headline for i in store.items_on_topic("eu", limit=2, offset=1)] == [
        "Item 3", "Item 2",
    ]
    since = NOW + dt.timedelta(days=2)  # exclusive: items ingested after this moment
    assert [i.headline for i in store.items_on_topic("eu", since=since)] == ["Item 4", "Item 3"]
    assert store.items_on_topic("nato") == []


def test_stored_items_read_back_with_everything(store: Store) -> None:
    add(store, make_digest("raw", DRONES), [["strikes", "humanitarian"]])
    (item,) = store.items_on_topic("strikes")
    assert item.sources == ("Reuters", "AP News")
    assert item.topics == ("strikes", "humanitarian")
    assert item.published == dt.date(2023, 11, 3)
    assert item.ingested_at == NOW
    assert item.section == "World"


# ---------------------------------------------------------------- the file


def test_a_file_database_uses_wal(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_search_index_merges_segments_eight_at_a_time(store: Store) -> None:
    # The default (4) made merging most of the cost of ingesting into a large index.
    row = store.db.execute("SELECT v FROM items_fts_config WHERE k = 'automerge'").fetchone()
    assert row == (FTS_AUTOMERGE,) and FTS_AUTOMERGE == 8


def test_reopening_the_file_keeps_the_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "restart.db"
    first = Store(Database(path))
    add(first, make_digest("raw", SANCTIONS), [["sanctions"]])
    first.register_chat(7, "private", None, time="08:00", timezone="UTC", now=NOW)
    applied = first.db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall()
    first.close()

    second = Store(Database(path))
    try:
        assert second.db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall() == (
            applied
        )
        assert [i.headline for i in second.search("sanctions")] == ["New US sanctions"]
        assert second.get_subscriber(7) is not None
    finally:
        second.close()


# ---------------------------------------------------------------- subscribers


def register(store: Store, chat_id: int = 1, now: dt.datetime = NOW) -> None:
    store.register_chat(chat_id, "private", "Ann", time="08:00", timezone="Europe/Kyiv", now=now)


def test_registering_a_chat_schedules_its_first_briefing(store: Store) -> None:
    subscriber, created = store.register_chat(
        1, "private", "Ann", time="08:00", timezone="Europe/Kyiv", now=NOW
    )
    assert created
    # 08:00 in Kyiv (UTC+2 in November) is 06:00 UTC; NOW is exactly 06:00, so tomorrow.
    assert subscriber.next_due_utc == dt.datetime(2023, 11, 7, 6, 0, tzinfo=dt.UTC)
    assert store.register_chat(1, "private", "Ann", time="09:00", timezone="UTC", now=NOW)[1] is (
        False
    )


def test_follow_and_unfollow(store: Store) -> None:
    register(store)
    assert store.follow(1, "sanctions", kind="topic", now=NOW)
    assert not store.follow(1, "sanctions", kind="topic", now=NOW)
    assert store.follow(1, "Black Sea Fleet", kind="search", now=NOW)
    subscriber = store.get_subscriber(1)
    assert subscriber is not None
    assert (subscriber.topics, subscriber.searches) == (("sanctions",), ("Black Sea Fleet",))
    assert store.unfollow(1, "black sea fleet", kind="search")
    assert not store.unfollow(1, "nato", kind="topic")
    subscriber = store.get_subscriber(1)
    assert subscriber is not None and subscriber.searches == ()


def test_set_schedule_recomputes_next_due(store: Store) -> None:
    register(store)
    changed = store.set_schedule(1, now=NOW, time="18:30", timezone="UTC")
    assert changed.next_due_utc == dt.datetime(2023, 11, 6, 18, 30, tzinfo=dt.UTC)
    saturday = dt.datetime(2023, 11, 4, 12, 0, tzinfo=dt.UTC)
    changed = store.set_schedule(1, now=saturday, days="weekdays", time="07:00")
    assert changed.next_due_utc == dt.datetime(2023, 11, 6, 7, 0, tzinfo=dt.UTC)


def test_due_chat_ids_skips_paused_and_gone_chats(store: Store) -> None:
    for chat_id in (1, 2, 3):
        register(store, chat_id)
    store.set_paused(2, True, now=NOW)
    store.mark_gone(3, now=NOW)
    later = NOW + dt.timedelta(days=1)
    assert store.due_chat_ids(later) == [1]
    assert store.due_chat_ids(NOW) == []


def test_delete_chat_forgets_everything(store: Store) -> None:
    register(store)
    store.follow(1, "nato", kind="topic", now=NOW)
    assert store.delete_chat(1)
    assert store.get_subscriber(1) is None
    assert store.db.execute("SELECT count(*) FROM subscriptions").fetchone()[0] == 0
    assert not store.delete_chat(1)


def test_migrate_chat_moves_the_subscription(store: Store) -> None:
    store.register_chat(-1, "group", "Team", time="08:00", timezone="UTC", now=NOW)
    store.follow(-1, "eu", kind="topic", now=NOW)
    assert store.migrate_chat(-1, -1001, now=NOW)
    moved = store.get_subscriber(-1001)
    assert moved is not None
    assert (moved.chat_type, moved.topics) == ("supergroup", ("eu",))
    assert store.get_subscriber(-1) is None
    assert not store.migrate_chat(-1, -1001, now=NOW)


def test_a_gone_chat_comes_back_with_its_settings(store: Store) -> None:
    register(store)
    store.follow(1, "sanctions", kind="topic", now=NOW)
    store.set_schedule(1, now=NOW, time="21:15")
    store.mark_gone(1, now=NOW)
    assert store.due_chat_ids(NOW + dt.timedelta(days=2)) == []
    back, created = store.register_chat(
        1, "private", "Ann", time="08:00", timezone="UTC", now=NOW
    )
    assert not created
    assert (back.status, back.time, back.timezone, back.topics) == (
        "active", "21:15", "Europe/Kyiv", ("sanctions",),
    )
    assert store.due_chat_ids(NOW + dt.timedelta(days=2)) == [1]


# ---------------------------------------------------------------- feeds


def test_feeds_are_added_once_and_removed(store: Store) -> None:
    assert store.add_feed("https://a.example/rss", added_by=42, now=NOW)
    assert not store.add_feed("https://a.example/rss", added_by=42, now=NOW)
    store.add_feed("https://b.example/rss", added_by=None, now=NOW + dt.timedelta(seconds=1))
    assert [f.url for f in store.feeds()] == ["https://a.example/rss", "https://b.example/rss"]
    assert store.remove_feed("https://a.example/rss")
    assert not store.remove_feed("https://a.example/rss")
    assert store.get_feed("https://a.example/rss") is None


def test_feed_errors_count_until_a_success_clears_them(store: Store) -> None:
    url = "https://a.example/rss"
    store.add_feed(url, added_by=None, now=NOW)
    failed = store.record_feed_error(url, "HTTP 500", now=NOW)
    assert (failed.failures, failed.last_error, failed.error_reported) == (1, "HTTP 500", False)
    store.mark_feed_error_reported(url)
    failed = store.record_feed_error(url, "timed out", now=NOW)
    assert (failed.failures, failed.error_reported) == (2, True)
    assert store.stats().feeds_failing == 1
    store.record_feed_ok(url, etag='"x"', last_modified="Fri, 03 Nov 2023 18:00:00 GMT", now=NOW)
    ok = store.get_feed(url)
    assert ok is not None
    assert (ok.failures, ok.last_error, ok.error_reported, ok.etag) == (0, None, False, '"x"')
    assert ok.last_ok == NOW and ok.last_polled == NOW


def test_topic_counts_for_named_topics_match_the_grouped_counts(store: Store) -> None:
    add(store, make_digest("old", SANCTIONS, DRONES), [["sanctions"], ["strikes", "sanctions"]])
    later = NOW + dt.timedelta(days=3)
    store.add_digest(make_digest("new", GRAIN), [["black-sea", "sanctions"]], now=later)
    slugs = ["sanctions", "strikes", "black-sea", "nato"]
    assert store.topic_counts(topics=slugs) == store.topic_counts() == {
        "sanctions": 3, "strikes": 1, "black-sea": 1,
    }
    since = NOW + dt.timedelta(days=1)
    assert store.topic_counts(since=since, topics=slugs) == store.topic_counts(since=since) == {
        "sanctions": 1, "black-sea": 1,
    }


def test_the_search_index_stays_whole_through_replacements(store: Store) -> None:
    # FTS5 external content: a row is deleted from the index by handing it the very values it
    # indexed; anything else leaves stale words behind (integrity-check would fail).
    lead = ("Kyiv hit overnight.", "Kyiv hit overnight. Two people died in Obolon.", ("AP",))
    url = "https://example.org/daily"
    add(store, make_digest("v1", lead, SANCTIONS, url=url), [["strikes"], ["sanctions"]])
    add(store, make_digest("v2", SANCTIONS, url=url), [["sanctions"]])
    store.db.execute("INSERT INTO items_fts(items_fts, rank) VALUES('integrity-check', 1)")
    assert store.search("Obolon") == []
    assert [item.headline for item in store.search("sanctions")] == ["New US sanctions"]

    add(store, make_digest("v3", lead, url=url), [["strikes"]])
    store.db.execute("INSERT INTO items_fts(items_fts, rank) VALUES('integrity-check', 1)")
    assert [item.headline for item in store.search("overnight Obolon")] == ["Kyiv hit overnight."]


def index_is_whole(store: Store) -> bool:
    # With rank 1 the check compares the index with the items table: an item missing from the
    # index fails it as surely as a stale word.
    store.db.execute("INSERT INTO items_fts(items_fts, rank) VALUES('integrity-check', 1)")
    return True


def test_a_batch_indexes_its_items_once_at_the_end(store: Store) -> None:
    with store.ingest_batch():
        add(store, make_digest("one", SANCTIONS), [["sanctions"]])
        with store.ingest_batch():  # nested: the outer batch indexes
            add(store, make_digest("two", DRONES), [["strikes"]])
        assert store.search("drone") == []  # not yet: one index segment for the whole batch
    assert [item.headline for item in store.search("sanctions")] == ["New US sanctions"]
    assert [item.headline for item in store.search("drone")] == ["Drone attack"]
    assert index_is_whole(store)


def test_a_digest_replaced_inside_its_own_batch_leaves_the_index_whole(store: Store) -> None:
    url = "https://example.org/live"
    with store.ingest_batch():
        add(store, make_digest("v1", DRONES, url=url), [["strikes"]])
        add(store, make_digest("v2", GRAIN, url=url), [["black-sea"]])
        add(store, make_digest("other", SANCTIONS), [["sanctions"]])
    assert store.search("drone") == []
    assert [item.headline for item in store.search("grain")] == ["Grain corridor"]
    assert [item.headline for item in store.search("sanctions")] == ["New US sanctions"]
    assert index_is_whole(store)


def test_a_failed_batch_stores_nothing_and_the_next_one_indexes_normally(store: Store) -> None:
    with pytest.raises(RuntimeError), store.ingest_batch():
        add(store, make_digest("lost", DRONES), [["strikes"]])
        raise RuntimeError("disk full")
    assert store.item_count() == 0
    with store.ingest_batch():
        add(store, make_digest("kept", GRAIN), [["black-sea"]])
    add(store, make_digest("alone", SANCTIONS), [["sanctions"]])  # outside a batch: at once
    assert [item.headline for item in store.search("grain")] == ["Grain corridor"]
    assert [item.headline for item in store.search("sanctions")] == ["New US sanctions"]
    assert index_is_whole(store)
