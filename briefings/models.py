"""Frozen value objects shared by every layer. No behaviour beyond small derived views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """One story in a digest, in the order it appeared."""

    position: int
    section: str | None
    headline: str
    text: str
    sources: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Digest:
    """A parsed digest. `raw` always holds the full input, even when nothing could be structured."""

    raw: str
    title: str | None = None
    date: dt.date | None = None
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    warnings: tuple[str, ...] = ()
    format: str = "text"  # "text" | "markdown" | "html"


@dataclass(frozen=True)
class Topic:
    """A catalogue entry."""

    slug: str
    label: str
    meaning: str


@dataclass(frozen=True)
class Classification:
    """What `classify` decided, and why: slug -> the phrases that matched."""

    topics: tuple[str, ...]
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredItem:
    """An item as read back from the store, with everything a reader needs."""

    id: int
    digest_id: int
    position: int
    section: str | None
    headline: str
    text: str
    sources: tuple[str, ...]
    topics: tuple[str, ...]
    published: dt.date | None  # the digest's date, if known
    ingested_at: dt.datetime  # UTC, aware


@dataclass(frozen=True)
class StoredDigest:
    id: int
    title: str | None
    date: dt.date | None
    publisher: str | None
    author: str | None
    url: str | None
    tags: tuple[str, ...]
    ingested_at: dt.datetime
    item_count: int
    status: str  # "parsed" | "unparsed"


@dataclass(frozen=True)
class IngestResult:
    """What storing one digest did."""

    digest_id: int
    new: bool  # False when the same content was already stored
    replaced: bool  # True when the same url had different content before
    item_count: int
    sections: int
    topic_counts: dict[str, int]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subscriber:
    """A chat (private chat, group, supergroup) that receives briefings."""

    chat_id: int
    chat_type: str
    title: str | None
    time: str  # "HH:MM", local
    timezone: str  # IANA name or fixed offset like "+02:00"
    days: str  # "daily" | "weekdays"
    paused: bool
    status: str  # "active" | "gone"
    quiet_when_empty: bool
    next_due_utc: dt.datetime | None
    last_window_end: dt.datetime | None  # items ingested before this were already briefed
    topics: tuple[str, ...] = ()  # catalogue slugs
    searches: tuple[str, ...] = ()  # free-text topics


@dataclass(frozen=True)
class Feed:
    """A polled RSS/Atom feed or page."""

    url: str
    etag: str | None
    last_modified: str | None
    last_polled: dt.datetime | None
    last_ok: dt.datetime | None
    last_error: str | None
    failures: int
    error_reported: bool
