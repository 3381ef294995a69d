"""What the bot shows for a request, as rendered messages plus an inline keyboard.

A view is built the same way whether a command asked for it or a button tap did, so a command
sends it and a tap edits the message in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup

from bot import keyboards
from bot.context import Services
from bot.keyboards import Query
from briefings.models import StoredItem, Subscriber
from briefings.schedule import zone

PAGE = 5  # items per page of /topic, /search, /source


@dataclass(frozen=True)
class View:
    messages: list[str]
    markup: InlineKeyboardMarkup | None = field(default=None)


def next_briefing(sub: Subscriber | None) -> dt.datetime | None:
    """When the next briefing comes, in the chat's local time; None when paused or gone."""
    if sub is None or sub.paused or sub.status != "active" or sub.next_due_utc is None:
        return None
    return sub.next_due_utc.astimezone(zone(sub.timezone))


def picker(svc: Services, sub: Subscriber | None) -> View:
    week_ago = svc.now() - dt.timedelta(days=7)
    followed = sub.topics if sub else ()
    labels = [topic.label for topic in svc.catalogue if topic.slug in followed]
    text = svc.composer.render(
        "topics", followed=labels, searches=sub.searches if sub else ()
    )
    counts = svc.store.topic_counts(since=week_ago, topics=svc.catalogue.slugs)
    markup = keyboards.topic_picker(svc.composer, svc.catalogue, followed, counts)
    return View([text], markup)


def settings_panel(svc: Services, sub: Subscriber) -> View:
    labels = [topic.label for topic in svc.catalogue if topic.slug in sub.topics]
    text = svc.composer.render("settings", sub=sub, topics=labels, next=next_briefing(sub))
    return View([text], keyboards.settings_panel(svc.composer, sub))


def fetch_items(svc: Services, query: Query, offset: int, limit: int) -> list[StoredItem]:
    store = svc.store
    if query.kind == "topic":
        return store.items_on_topic(query.value, limit=limit, offset=offset)
    if query.kind == "source":
        return store.items_from_source(query.value, limit=limit, offset=offset)
    return store.search(query.value, limit=limit, offset=offset)


def title_of(svc: Services, query: Query) -> str:
    return svc.catalogue.label(query.value) if query.kind == "topic" else query.value


def day_of(item: StoredItem) -> dt.date:
    """The day an item is news of: its digest's date, else the day it was stored."""
    return item.published or item.ingested_at.date()


def item_blocks(svc: Services, items: Sequence[StoredItem], words: Sequence[str] = ()) -> list[str]:
    """One rendered block per item, newest first; the first item of each day carries its date."""
    blocks: list[str] = []
    previous: dt.date | None = None
    for item in sorted(items, key=day_of, reverse=True):  # stable: ingest order within a day
        day = day_of(item)
        blocks.append(
            svc.composer.render("item", item=item, day=day if day != previous else None,
                                words=list(words))
        )
        previous = day
    return blocks


def items_page(svc: Services, query: Query, offset: int) -> View:
    """A page of items for a topic, a search or a source, with paging buttons."""
    found = fetch_items(svc, query, offset, PAGE + 1)
    items, older = found[:PAGE], len(found) > PAGE
    words = query.value.split() if query.kind == "search" else []
    header = svc.composer.render(
        "items", kind=query.kind, title=title_of(svc, query), offset=offset,
        count=len(items), older=older,
    )
    messages = svc.composer.pack([header, *item_blocks(svc, items, words)])
    markup = keyboards.pager(
        svc.composer, query, offset, page=PAGE, older=older, memory=svc.queries
    )
    return View(messages, markup)
