"""Inline keyboards and the callback data their buttons carry (always under 64 bytes).

Button labels are plain text (Telegram does not parse HTML in them); their words live in
`templates/buttons.html.j2` and come from `Composer.label`. Topic labels and outlet names are
shown as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from briefings.compose import Composer
from briefings.models import Subscriber, Topic
from briefings.store import Store

CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data
TIME_PRESETS = ("07:00", "08:00", "09:00", "18:00")
KINDS = {"t": "topic", "s": "search", "o": "source"}
CODES = {kind: code for code, kind in KINDS.items()}


@dataclass(frozen=True)
class Query:
    """What a page of items shows: a catalogue topic (slug), a search (words) or a source."""

    kind: str  # "topic" | "search" | "source"
    value: str


class QueryMemory(Protocol):
    """Where a query too long for a button waits behind its short key."""

    def remember(self, key: str, query: Query) -> None: ...

    def recall(self, key: str) -> Query | None: ...


class StoredQueries:
    """QueryMemory in the store, so that page buttons keep working after a restart."""

    def __init__(self, store: Store, clock: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.clock = clock

    def remember(self, key: str, query: Query) -> None:
        self.store.remember_query(key, query.kind, query.value, now=self.clock())

    def recall(self, key: str) -> Query | None:
        found = self.store.recall_query(key)
        return Query(*found) if found is not None else None


def fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= CALLBACK_LIMIT


def page_data(query: Query, offset: int, memory: QueryMemory) -> str:
    """'page:<kind>:<offset>:<value>', or 'page:k:<offset>:<key>' with the query remembered."""
    data = f"page:{CODES[query.kind]}:{offset}:{query.value}"
    if fits(data):
        return data
    key = hashlib.sha1(f"{query.kind}:{query.value}".encode()).hexdigest()[:12]
    memory.remember(key, query)
    return f"page:k:{offset}:{key}"


def parse_page_data(data: str, memory: QueryMemory) -> tuple[Query, int] | None:
    """The query and offset of a page button; None when it is malformed or forgotten."""
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[0] != "page" or not parts[2].isdigit():
        return None
    code, offset, value = parts[1], int(parts[2]), parts[3]
    if code == "k":
        found = memory.recall(value)
        return (found, offset) if found is not None else None
    if code not in KINDS or not value:
        return None
    return Query(KINDS[code], value), offset


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[start : start + width]) for start in range(0, len(buttons), width)]


def topic_picker(
    composer: Composer,
    topics: Iterable[Topic],
    followed: Iterable[str],
    counts: Mapping[str, int],
) -> InlineKeyboardMarkup:
    """Every catalogue topic, two per row, ✓ on the followed ones, with this week's count."""
    chosen = set(followed)
    buttons = [
        _button(
            composer.label(
                "topic",
                label=topic.label,
                count=counts.get(topic.slug, 0),
                followed=topic.slug in chosen,
            ),
            f"topic:toggle:{topic.slug}",
        )
        for topic in topics
        if fits(f"topic:toggle:{topic.slug}")
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def topic_choices(
    composer: Composer,
    topics: Iterable[Topic],
    memory: QueryMemory,
    *,
    search: str | None = None,
) -> InlineKeyboardMarkup:
    """Buttons that open a topic's items; optionally one more that searches the words."""
    buttons = [_button(topic.label, page_data(Query("topic", topic.slug), 0, memory))
               for topic in topics]
    rows = _rows(buttons, 2)
    if search:
        data = page_data(Query("search", search), 0, memory)
        rows.append([_button(composer.label("search", search=search), data)])
    return InlineKeyboardMarkup(rows)


def source_choices(
    names: Iterable[str], memory: QueryMemory
) -> InlineKeyboardMarkup:
    buttons = [_button(name, page_data(Query("source", name), 0, memory)) for name in names]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def pager(
    composer: Composer,
    query: Query,
    offset: int,
    *,
    page: int,
    older: bool,
    memory: QueryMemory,
) -> InlineKeyboardMarkup | None:
    """Older / newer buttons for a page of items, or None when there is nothing to page to."""
    buttons = []
    if older:
        buttons.append(_button(composer.label("older"), page_data(query, offset + page, memory)))
    if offset > 0:
        buttons.append(
            _button(composer.label("newer"), page_data(query, max(0, offset - page), memory))
        )
    return InlineKeyboardMarkup([buttons]) if buttons else None


def settings_panel(composer: Composer, sub: Subscriber) -> InlineKeyboardMarkup:
    label = composer.label
    return InlineKeyboardMarkup(
        [
            [_button(label("resume"), "set:paused:0") if sub.paused
             else _button(label("pause"), "set:paused:1")],
            [_button(label("send_note", on=not sub.quiet_when_empty), "set:quiet:0"),
             _button(label("stay_quiet", on=sub.quiet_when_empty), "set:quiet:1")],
            [_button(label("daily", on=sub.days == "daily"), "set:days:daily"),
             _button(label("weekdays", on=sub.days == "weekdays"), "set:days:weekdays")],
            [_button(label("time", time=preset, on=sub.time == preset), f"set:time:{preset}")
             for preset in TIME_PRESETS],
            [_button(label("choose_topics"), "set:topics")],
        ]
    )
