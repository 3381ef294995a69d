"""Composing briefings from the two sample digests: stories, verbatim entries, budget, More."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from briefings.briefing import (
    Briefing,
    BriefingComposer,
    Entry,
    Window,
    more_data,
    parse_more,
    window_for,
)
from briefings.compose import MESSAGE_LIMIT, Composer
from briefings.ingest import ingest_text
from briefings.models import StoredItem
from briefings.store import Store
from briefings.stories import cluster, content_words, same_news
from briefings.topics import Catalogue

FIXTURES = Path(__file__).parent / "fixtures"
INGESTED = dt.datetime(2023, 11, 6, 5, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2023, 11, 6, 6, 0, tzinfo=dt.UTC)
DAY = Window(NOW - dt.timedelta(hours=24), NOW)


@pytest.fixture(scope="module")
def samples(catalogue: Catalogue) -> Store:
    store = Store(Database(memory=True))
    for path in sorted(FIXTURES.glob("00[01]_*.txt")):
        ingest_text(store, catalogue, path.read_text(encoding="utf-8"), now=INGESTED)
    return store


def composer(store: Store, catalogue: Catalogue, budget: int = 3500) -> BriefingComposer:
    return BriefingComposer(store, Composer(), catalogue, budget=budget)


def items_by_id(store: Store) -> dict[int, StoredItem]:
    return {item.id: item for item in store.items_between(None, NOW)}


def all_entries(briefing: Briefing) -> list[Entry]:
    return [e for section in briefing.sections for e in (*section.entries, *section.more)]


def shells_entry(briefing: Briefing) -> Entry:
    found = [e for e in all_entries(briefing) if "million artillery shells" in e.headline]
    assert len(found) == 1, [e.headline for e in all_entries(briefing)]
    return found[0]


# ---------------------------------------------------------------- stories


def test_the_two_shells_sentences_say_the_same_thing():
    weights: dict[str, float] = {}
    first = content_words(
        "North Korea is estimated to have already sent a million shells to Russia."
    )
    second = content_words("North Korea sent over 1 million artillery shells to Russia.")
    assert same_news(first, second, weights)


def test_the_million_shells_story_is_one_story_with_both_digests(samples: Store):
    stories = cluster(samples.items_between(None, NOW))
    shells = [s for s in stories if any("million artillery shells" in i.headline for i in s.items)]
    assert len(shells) == 1
    story = shells[0]
    assert story.digests == 2
    assert "million artillery shells" in story.lead.headline  # the item that is about it leads
    assert any("already sent a million shells" in item.text for item in story.items)
    assert {"Politico", "Associated Press"} <= set(story.sources)


def test_other_north_korea_stories_stay_apart(samples: Store):
    stories = cluster(samples.items_between(None, NOW))
    korean = [s for s in stories if any("North Korea" in i.text for i in s.items)]
    leads = [s.lead.headline for s in korean]
    assert len(korean) >= 4, leads
    missiles = [s for s in korean if "several types of missiles" in s.lead.headline]
    assert len(missiles) == 1 and len(missiles[0].items) == 1


def test_items_of_one_digest_are_never_merged(samples: Store):
    for story in cluster(samples.items_between(None, NOW)):
        assert len({item.digest_id for item in story.items}) == len(story.items)


# Item 1 tells the news of items 2 and 3, which come from one digest: it can join only one of
# them, and which one must not depend on the order Python happens to iterate a set of words in
# (string hashing is seeded per process; a "More on" button recomposes in a later process).
RIVALS = """
import datetime as dt
from briefings.models import StoredItem
from briefings.stories import cluster
drones = "Russia launched forty drones at Odesa overnight, damaging port infrastructure"
texts = [
    (2, drones + " and grain silos."),
    (1, drones + ", officials said."),
    (1, "Overnight Russia launched forty drones at Odesa, damaging port infrastructure and silos."),
]
items = [
    StoredItem(id=n, digest_id=digest, position=n, section=None, headline=text[:30], text=text,
               sources=("AP",), topics=(), published=None,
               ingested_at=dt.datetime(2023, 11, 6, tzinfo=dt.UTC))
    for n, (digest, text) in enumerate(texts, start=1)
]
print([[item.id for item in story.items] for story in cluster(items)])
"""


def test_stories_are_the_same_in_every_process() -> None:
    # Seed 27 made the old code join items 1 and 3 (found by trying seeds 1-30 on CPython 3.11).
    runs = {
        subprocess.run(
            [sys.executable, "-c", RIVALS], capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONHASHSEED": seed}, cwd=Path(__file__).parent.parent,
        ).stdout.strip()
        for seed in ("1", "27")
    }
    assert runs == {"[[1, 2], [3]]"}  # the earlier item wins


# ---------------------------------------------------------------- briefings


def test_the_shells_story_is_one_entry_naming_every_source(samples: Store, catalogue: Catalogue):
    briefing = composer(samples, catalogue, budget=100_000).compose(
        ("north-korea", "military-aid"), (), DAY
    )
    entry = shells_entry(briefing)
    assert {"Politico", "Associated Press"} <= set(entry.sources)
    assert len(entry.item_ids) == 2
    text = "\n".join(briefing.messages)
    assert text.count("North Korea sent over 1 million artillery shells") == 1
    assert "already sent a million shells" not in text  # Politico's telling is not repeated
    assert "<i>— " in entry.text and "Politico" in entry.text and "Associated Press" in entry.text


def test_every_entry_is_quoted_verbatim_from_its_item(samples: Store, catalogue: Catalogue):
    items = items_by_id(samples)
    briefing = composer(samples, catalogue, budget=1_000_000).compose(
        catalogue.slugs, ("Zelenskyy",), DAY
    )
    entries = all_entries(briefing)
    assert len(entries) > 40
    for entry in entries:
        lead = items[entry.item_ids[0]]
        assert entry.headline and entry.headline in lead.headline + lead.text
        assert entry.summary.removesuffix("…") in lead.text
        assert set(entry.sources) >= set(lead.sources)


def test_an_item_on_several_followed_topics_appears_once(samples: Store, catalogue: Catalogue):
    items = items_by_id(samples)
    several = [i for i in items.values() if len(i.topics) >= 3]
    assert several
    item = several[0]
    briefing = composer(samples, catalogue, budget=100_000).compose(item.topics, (), DAY)
    hits = [e for e in all_entries(briefing) if item.id in e.item_ids]
    assert len(hits) == 1
    story_ids = [e.story_id for e in all_entries(briefing)]
    assert len(story_ids) == len(set(story_ids))


def test_a_search_and_a_topic_share_entries_without_repeating_them(
    samples: Store, catalogue: Catalogue
):
    briefing = composer(samples, catalogue, budget=100_000).compose(
        ("north-korea",), ("artillery shells",), DAY
    )
    shells_entry(briefing)  # exactly once
    keys = [section.key for section in briefing.sections]
    assert "t:north-korea" in keys


def test_stories_carried_by_more_sources_come_first(samples: Store, catalogue: Catalogue):
    briefing = composer(samples, catalogue, budget=100_000).compose(("strikes",), (), DAY)
    entries = briefing.sections[0].entries
    breadth = [max(len(e.sources), 1) for e in entries]
    assert breadth == sorted(breadth, reverse=True)
    assert [e.score for e in entries] == sorted((e.score for e in entries), reverse=True)


def test_the_budget_keeps_a_briefing_short_and_more_buttons_hold_the_rest(
    samples: Store, catalogue: Catalogue
):
    topics = ("strikes", "humanitarian", "north-korea")
    full = composer(samples, catalogue, budget=100_000).compose(topics, (), DAY)
    short_composer = composer(samples, catalogue, budget=1200)
    short = short_composer.compose(topics, (), DAY)
    shown = sum(len(e.text) for s in short.sections for e in s.entries)
    assert shown <= 1200
    assert len(short.messages) == 1
    # Every topic keeps its best story; what was left out sits behind one button per topic.
    assert {s.key for s in short.sections} == {s.key for s in full.sections}
    with_more = [s for s in short.sections if s.more]
    assert [b.text for b in short.buttons] == [
        f"More on {s.title} ({len(s.more)})" for s in with_more
    ]
    assert all(len(b.data.encode()) <= 64 for b in short.buttons)
    # The button brings exactly the stories that were left out.
    for section, button in zip(with_more, short.buttons, strict=True):
        parsed = parse_more(button.data)
        assert parsed is not None
        window, token = parsed
        assert window == DAY
        found, messages = short_composer.more(topics, (), window, token)
        assert found is not None and found.key == section.key
        body = "\n".join(messages)
        assert all(entry.text in body for entry in section.more)
        assert not any(entry.text in body for entry in section.entries)
    assert len(all_entries(short)) == len(all_entries(full))


def test_a_long_briefing_is_split_into_telegram_sized_messages(
    samples: Store, catalogue: Catalogue
):
    briefing = composer(samples, catalogue, budget=1_000_000).compose(catalogue.slugs, (), DAY)
    assert len(briefing.messages) > 2
    assert all(len(message) <= MESSAGE_LIMIT for message in briefing.messages)
    assert not briefing.buttons


def test_nothing_new_is_one_line(samples: Store, catalogue: Catalogue):
    later = Window(NOW, NOW + dt.timedelta(hours=1))
    briefing = composer(samples, catalogue).compose(("north-korea",), (), later)
    assert briefing.empty
    assert len(briefing.messages) == 1
    assert "\n" not in briefing.messages[0]
    assert "Nothing new on your topics" in briefing.messages[0]


def test_a_chat_following_nothing_is_told_how_to_follow(samples: Store, catalogue: Catalogue):
    briefing = composer(samples, catalogue).compose((), (), DAY)
    assert briefing.empty and "/topics" in briefing.messages[0]


def test_items_briefed_before_are_not_briefed_again(samples: Store, catalogue: Catalogue):
    after = Window(INGESTED, NOW)  # the window starts where the last briefing's ended
    assert composer(samples, catalogue).compose(("strikes",), (), after).empty


def test_a_new_subscriber_gets_the_last_24_hours(samples: Store):
    sub, _ = Store(Database(memory=True)).register_chat(
        1, "private", None, time="08:00", timezone="UTC", now=NOW
    )
    assert window_for(sub, NOW) == Window(NOW - dt.timedelta(hours=24), NOW)
    briefed = dataclasses.replace(sub, last_window_end=INGESTED)
    assert window_for(briefed, NOW) == Window(INGESTED, NOW)


def test_subscribers_with_the_same_topics_share_one_composition(
    samples: Store, catalogue: Catalogue
):
    shared = composer(samples, catalogue)
    first = shared.compose(("strikes", "energy"), ("Kherson",), DAY)
    again = shared.compose(["strikes", "energy"], ["Kherson"], DAY)
    assert first is again
    assert shared.compose(("energy", "strikes"), ("Kherson",), DAY) is first  # order-blind
    assert shared.compose(("energy",), ("Kherson",), DAY) is not first


def test_more_button_data_round_trips_and_fits():
    window = Window(
        dt.datetime(2023, 11, 5, 6, 0, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2023, 11, 6, 6, 0, 30, 654321, tzinfo=dt.UTC),
    )
    for key in ("t:north-korea", "s:" + "very long words " * 10):
        data = more_data(window, key)
        assert len(data.encode()) <= 64
        parsed = parse_more(data)
        assert parsed is not None and parsed[0] == window
    assert parse_more("topic:toggle:x") is None
    assert parse_more("more:zz:!!:t:x") is None


@pytest.mark.parametrize(
    ("name", "context", "expected"),
    [
        ("topic", {"label": "Trade & <Tariffs>", "count": 3, "followed": True},
         "Trade & <Tariffs> · 3 ✓"),
        ("search", {"search": "AT&T <b>"}, "🔎 Search “AT&T <b>”"),
        ("more", {"title": "R&D <labs>", "count": 2}, "More on R&D <labs> (2)"),
    ],
)
def test_a_button_label_is_plain_text_with_ampersands_and_brackets_as_typed(
    name: str, context: dict[str, object], expected: str
):
    assert Composer().label(name, **context) == expected
