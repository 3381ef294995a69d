"""The SQLite store: migrations and `Store`, the only module that knows SQL and table names.

Timestamps are stored as fixed-width UTC ISO strings (`2024-01-02T03:04:05.000000Z`) so that
text comparison is time comparison and the indexes serve range queries directly.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database, Migrations

from briefings.models import (
    Digest,
    Feed,
    IngestResult,
    StoredDigest,
    StoredItem,
    Subscriber,
)
from briefings.schedule import next_due

SEP = "\x1f"  # joins denormalised lists (sources, topics) inside one column

migrations = Migrations("briefings")


@migrations()
def m001_digests_and_items(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            url TEXT,
            title TEXT,
            date TEXT,
            publisher TEXT,
            author TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            format TEXT NOT NULL DEFAULT 'text',
            status TEXT NOT NULL DEFAULT 'parsed',
            warnings TEXT NOT NULL DEFAULT '[]',
            raw TEXT NOT NULL,
            ingested_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX digests_url ON digests(url)")
    db.execute("CREATE INDEX digests_ingested ON digests(ingested_at)")
    db.execute(
        """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            digest_id INTEGER NOT NULL REFERENCES digests(id),
            position INTEGER NOT NULL,
            section TEXT,
            headline TEXT NOT NULL,
            text TEXT NOT NULL,
            sources TEXT NOT NULL DEFAULT '',
            topics TEXT NOT NULL DEFAULT '',
            published TEXT,
            ingested_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX items_digest ON items(digest_id, position)")
    db.execute("CREATE INDEX items_ingested ON items(ingested_at)")
    db.execute(
        """
        CREATE TABLE item_topics (
            item_id INTEGER NOT NULL REFERENCES items(id),
            topic TEXT NOT NULL,
            ingested_at TEXT NOT NULL,
            PRIMARY KEY (item_id, topic)
        ) WITHOUT ROWID"""
    )
    # "items on topic T since X, newest first" is a range scan on this index.
    db.execute("CREATE INDEX item_topics_recent ON item_topics(topic, ingested_at, item_id)")
    db.execute(
        """
        CREATE TABLE item_sources (
            item_id INTEGER NOT NULL REFERENCES items(id),
            source TEXT NOT NULL COLLATE NOCASE,
            ingested_at TEXT NOT NULL,
            PRIMARY KEY (item_id, source)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX item_sources_recent ON item_sources(source, ingested_at, item_id)")
    db.table("items").enable_fts(
        ["headline", "text"],
        create_triggers=True,
        tokenize="porter unicode61 remove_diacritics 2",
    )


@migrations()
def m002_subscribers(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE subscribers (
            chat_id INTEGER PRIMARY KEY,
            chat_type TEXT NOT NULL,
            title TEXT,
            time TEXT NOT NULL,
            timezone TEXT NOT NULL,
            days TEXT NOT NULL DEFAULT 'daily',
            paused INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'active',
            quiet_when_empty INTEGER NOT NULL DEFAULT 0,
            next_due_utc TEXT,
            last_window_end TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    # Who is due now: only deliverable rows are in the index.
    db.execute(
        "CREATE INDEX subscribers_due ON subscribers(next_due_utc) "
        "WHERE status = 'active' AND paused = 0"
    )
    db.execute(
        """
        CREATE TABLE subscriptions (
            chat_id INTEGER NOT NULL REFERENCES subscribers(chat_id),
            kind TEXT NOT NULL,
            topic TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, kind, topic)
        ) WITHOUT ROWID"""
    )


@migrations()
def m003_deliveries_and_feeds(db: Database) -> None:
    # One row per subscriber per local briefing day: the UNIQUE key is what makes delivery
    # exactly-once across restarts and across two processes sharing the file.
    db.execute(
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            due_key TEXT NOT NULL,
            status TEXT NOT NULL,
            owner TEXT,
            lease_until TEXT,
            window_start TEXT,
            window_end TEXT,
            parts_total INTEGER NOT NULL DEFAULT 0,
            parts_sent INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (chat_id, due_key)
        )"""
    )
    db.execute("CREATE INDEX deliveries_status ON deliveries(status, lease_until)")
    db.execute(
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            last_polled TEXT,
            last_ok TEXT,
            last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            error_reported INTEGER NOT NULL DEFAULT 0,
            added_by INTEGER,
            created_at TEXT NOT NULL
        )"""
    )


# FTS5 merges index segments whenever this many pile up at one level. With the default, 4,
# merging was the largest part of storing into a large index (80,000 items onto 1M: 4,600
# items/s, against 5,870 with 8); 8 keeps each query's segment count small enough that /search
# stays in single-digit milliseconds at 1M items.
FTS_AUTOMERGE = 8


@migrations()
def m004_fts_automerge(db: Database) -> None:
    db.execute(
        "INSERT INTO items_fts(items_fts, rank) VALUES('automerge', ?)", [FTS_AUTOMERGE]
    )


@migrations()
def m005_button_queries(db: Database) -> None:
    # A query too long for a button's 64-byte callback data travels as a short key; the key is
    # kept here so that the button still works after a restart.
    db.execute(
        """
        CREATE TABLE button_queries (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) WITHOUT ROWID"""
    )


@migrations()
def m006_index_items_in_bulk(db: Database) -> None:
    # The store indexes new items itself, one INSERT ... SELECT per transaction (`_index_from`).
    # Through this row trigger every item insert opened a statement savepoint, and FTS5 (SQLite
    # 3.40) writes its pending index out as a new segment at each savepoint: a segment per item,
    # merged again and again. Measured: 77 against 20 µs of CPU per item on an empty database,
    # 117 against 23 on the benchmark's 1M items.
    db.execute("DROP TRIGGER IF EXISTS items_ai")


# ---------------------------------------------------------------- helpers


def ts(moment: dt.datetime) -> str:
    """A UTC timestamp as stored: fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    # fromisoformat reads the stored form ("...T06:00:00.000000Z") many times faster than
    # strptime, which looks up the locale on every call.
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def content_hash(text: str) -> str:
    """Whitespace-insensitive hash, so re-saving a file with other line endings is 'known'."""
    normal = " ".join(text.split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(words: str) -> str | None:
    """User words -> a safe FTS5 MATCH expression: every word quoted, all required.

    Quotes, operators (AND, NEAR, *, ^, :, -) and punctuation in user input become plain
    terms or vanish; nothing the user types is interpreted as FTS syntax.
    """
    tokens = _FTS_TOKEN.findall(words)
    if not tokens:
        return None
    return " ".join(f'"{token}"' for token in tokens)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(value.split(SEP)) if value else ()


class StoreError(Exception):
    """A store operation that cannot be done as asked."""


class UnknownChat(StoreError):
    def __init__(self, chat_id: int) -> None:
        super().__init__(f"no subscriber with chat id {chat_id}")
        self.chat_id = chat_id


@dataclass(frozen=True)
class Stats:
    subscribers_active: int
    subscribers_paused: int
    subscribers_gone: int
    digests: int
    items: int
    last_ingest: dt.datetime | None
    feeds: int
    feeds_failing: int


ITEM_COLUMNS = (
    "items.id, items.digest_id, items.position, items.section, items.headline, items.text, "
    "items.sources, items.topics, items.published, items.ingested_at"
)


def _item(row: dict[str, Any]) -> StoredItem:
    return StoredItem(
        id=row["id"],
        digest_id=row["digest_id"],
        position=row["position"],
        section=row["section"],
        headline=row["headline"],
        text=row["text"],
        sources=_split(row["sources"]),
        topics=_split(row["topics"]),
        published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
        ingested_at=parse_ts(row["ingested_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
    )


SUBSCRIBER_COLUMNS = (
    "chat_id, chat_type, title, time, timezone, days, paused, status, quiet_when_empty, "
    "next_due_utc, last_window_end"
)


class Store:
    """All reads and writes of the bot's state. Construct with an open Database; migrates."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Inside `ingest_batch`: the first item id not yet in the search index (None: all are).
        self._batch_open = False
        self._unindexed_from: int | None = None
        self._configure()
        migrations.apply(db)

    def _configure(self) -> None:
        # WAL lets the bot read while an ingest writes, and lets two processes share the file
        # (the second one only ever loses a delivery claim, never corrupts anything).
        conn = self.db.conn
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "memory":
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA foreign_keys=ON")

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------ digests and items

    @contextmanager
    def ingest_batch(self) -> Iterator[None]:
        """One transaction for many `add_digest` calls; their items enter the search index
        together at the end (one FTS5 segment for the batch instead of one per digest)."""
        if self._batch_open:  # nested: the outer batch indexes
            yield
            return
        self._batch_open = True
        try:
            with self.db.atomic():
                yield
                self._index_pending()
        finally:
            self._batch_open = False
            self._unindexed_from = None

    def _index_pending(self) -> None:
        if self._unindexed_from is not None:
            self._index_from(self._unindexed_from)
            self._unindexed_from = None

    def _index_from(self, first_id: int) -> None:
        """Put items `first_id` and later into the search index (they are the newest: ids only
        grow inside the writer's transaction)."""
        self.db.execute(
            "INSERT INTO items_fts (rowid, headline, text) "
            "SELECT id, headline, text FROM items WHERE id >= ?",
            [first_id],
        )

    def add_digest(
        self,
        digest: Digest,
        topics: Sequence[Sequence[str]],
        *,
        now: dt.datetime,
        status: str = "parsed",
        digest_hash: str | None = None,
    ) -> IngestResult:
        """Store a parsed digest with each item's topics (same order as `digest.items`).

        The same content twice stores nothing new; the same url with new content replaces the
        old digest's items. `digest_hash` is `content_hash(digest.raw)` if already computed.
        """
        if len(topics) != len(digest.items):
            raise StoreError("one topic list per item is required")
        digest_hash = digest_hash or content_hash(digest.raw)
        known = self.db.execute(
            "SELECT id, (SELECT count(*) FROM items WHERE digest_id = digests.id) "
            "FROM digests WHERE content_hash = ?",
            [digest_hash],
        ).fetchone()
        if known:
            return IngestResult(known[0], False, False, known[1], len(digest.sections), {})
        with self.db.atomic():
            replaced = self._drop_by_url(digest.url)
            digest_id = self._insert_digest(digest, digest_hash, status, now)
            first_id, counts = self._insert_items(digest_id, digest, topics, now)
            if first_id is not None:
                if not self._batch_open:
                    self._index_from(first_id)
                elif self._unindexed_from is None:
                    self._unindexed_from = first_id
        return IngestResult(
            digest_id=digest_id,
            new=True,
            replaced=replaced,
            item_count=len(digest.items),
            sections=len(digest.sections),
            topic_counts=counts,
            warnings=digest.warnings,
        )

    def _drop_by_url(self, url: str | None) -> bool:
        if not url:
            return False
        old = [row[0] for row in self.db.execute("SELECT id FROM digests WHERE url = ?", [url])]
        if old:
            # The delete trigger removes rows from the index by their indexed words: an item of
            # this batch that is not indexed yet must be first.
            self._index_pending()
        for digest_id in old:
            item_ids = "SELECT id FROM items WHERE digest_id = ?"
            self.db.execute(f"DELETE FROM item_topics WHERE item_id IN ({item_ids})", [digest_id])
            self.db.execute(f"DELETE FROM item_sources WHERE item_id IN ({item_ids})", [digest_id])
            self.db.execute("DELETE FROM items WHERE digest_id = ?", [digest_id])
            self.db.execute("DELETE FROM digests WHERE id = ?", [digest_id])
        return bool(old)

    def _insert_digest(
        self, digest: Digest, digest_hash: str, status: str, now: dt.datetime
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO digests (content_hash, url, title, date, publisher, author, tags, "
            "format, status, warnings, raw, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                digest_hash,
                digest.url,
                digest.title,
                digest.date.isoformat() if digest.date else None,
                digest.publisher,
                digest.author,
                json.dumps(list(digest.tags)),
                digest.format,
                status,
                json.dumps(list(digest.warnings)),
                digest.raw,
                ts(now),
            ],
        )
        return int(cursor.lastrowid or 0)

    def _insert_items(
        self, digest_id: int, digest: Digest, topics: Sequence[Sequence[str]], now: dt.datetime
    ) -> tuple[int | None, dict[str, int]]:
        """Insert the items; returns the first new item id and how many items each topic got."""
        stamp = ts(now)
        first_id: int | None = None
        published = digest.date.isoformat() if digest.date else None
        counts: dict[str, int] = {}
        conn = self.db.conn
        topic_rows: list[tuple[int, str, str]] = []
        source_rows: list[tuple[int, str, str]] = []
        for item, item_topics in zip(digest.items, topics, strict=True):
            cursor = conn.execute(
                "INSERT INTO items (digest_id, position, section, headline, text, sources, "
                "topics, published, ingested_at) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    digest_id,
                    item.position,
                    item.section,
                    item.headline,
                    item.text,
                    SEP.join(item.sources),
                    SEP.join(item_topics),
                    published,
                    stamp,
                ],
            )
            item_id = int(cursor.lastrowid or 0)
            if first_id is None:
                first_id = item_id
            for topic in dict.fromkeys(item_topics):
                topic_rows.append((item_id, topic, stamp))
                counts[topic] = counts.get(topic, 0) + 1
            seen: set[str] = set()
            for source in item.sources:
                if source.casefold() not in seen:
                    seen.add(source.casefold())
                    source_rows.append((item_id, source, stamp))
        conn.executemany("INSERT INTO item_topics VALUES (?,?,?)", topic_rows)
        conn.executemany("INSERT INTO item_sources VALUES (?,?,?)", source_rows)
        return first_id, counts

    def remember_query(self, key: str, kind: str, value: str, *, now: dt.datetime) -> None:
        """Keep a button's query under its short key (the same key always means the same query)."""
        self.db.execute(
            "INSERT OR IGNORE INTO button_queries (key, kind, value, created_at) VALUES (?,?,?,?)",
            [key, kind, value, ts(now)],
        )

    def recall_query(self, key: str) -> tuple[str, str] | None:
        row = self.db.execute(
            "SELECT kind, value FROM button_queries WHERE key = ?", [key]
        ).fetchone()
        return (row[0], row[1]) if row else None

    def digest_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM digests").fetchone()[0])

    def item_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM items").fetchone()[0])

    def latest_digests(self, limit: int = 1) -> list[StoredDigest]:
        rows = self.db.query(
            "SELECT d.*, (SELECT count(*) FROM items i WHERE i.digest_id = d.id) AS item_count "
            "FROM digests d ORDER BY d.ingested_at DESC, d.id DESC LIMIT ?",
            [limit],
        )
        return [self._digest(row) for row in rows]

    def get_digest(self, digest_id: int) -> StoredDigest | None:
        rows = list(
            self.db.query(
                "SELECT d.*, (SELECT count(*) FROM items i WHERE i.digest_id = d.id) "
                "AS item_count FROM digests d WHERE d.id = ?",
                [digest_id],
            )
        )
        return self._digest(rows[0]) if rows else None

    @staticmethod
    def _digest(row: dict[str, Any]) -> StoredDigest:
        return StoredDigest(
            id=row["id"],
            title=row["title"],
            date=dt.date.fromisoformat(row["date"]) if row["date"] else None,
            publisher=row["publisher"],
            author=row["author"],
            url=row["url"],
            tags=tuple(json.loads(row["tags"])),
            ingested_at=parse_ts(row["ingested_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
            item_count=row["item_count"],
            status=row["status"],
        )

    def digest_items(self, digest_id: int) -> list[StoredItem]:
        rows = self.db.query(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE digest_id = ? ORDER BY position",
            [digest_id],
        )
        return [_item(row) for row in rows]

    def items_on_topic(
        self,
        topic: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[StoredItem]:
        """Items classified under a catalogue slug, newest first."""
        rows = self.db.query(
            f"SELECT {ITEM_COLUMNS} FROM item_topics t JOIN items ON items.id = t.item_id "
            "WHERE t.topic = ? AND t.ingested_at > ? AND t.ingested_at <= ? "
            "ORDER BY t.ingested_at DESC, t.item_id DESC LIMIT ? OFFSET ?",
            [topic, _lower(since), _upper(until), limit, offset],
        )
        return [_item(row) for row in rows]

    def items_from_source(
        self,
        source: str,
        *,
        since: dt.datetime | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[StoredItem]:
        """Items attributed to an outlet (case-insensitive exact name), newest first."""
        rows = self.db.query(
            f"SELECT {ITEM_COLUMNS} FROM item_sources s JOIN items ON items.id = s.item_id "
            "WHERE s.source = ? AND s.ingested_at > ? "
            "ORDER BY s.ingested_at DESC, s.item_id DESC LIMIT ? OFFSET ?",
            [source, _lower(since), limit, offset],
        )
        return [_item(row) for row in rows]

    def known_sources(self, limit: int = 200) -> list[tuple[str, int]]:
        """Outlets with their item counts, most cited first (for suggestions)."""
        rows = self.db.execute(
            "SELECT source, count(*) AS n FROM item_sources GROUP BY source COLLATE NOCASE "
            "ORDER BY n DESC LIMIT ?",
            [limit],
        )
        return [(row[0], row[1]) for row in rows]

    def search(
        self,
        words: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> list[StoredItem]:
        """Full-text search (stemmed; every word required), newest first.

        User text never reaches FTS syntax: see `fts_query`. "Newest" is the highest item id:
        ids grow with ingestion, and FTS5 walks rowids in descending order without sorting,
        so a common word among a million items costs no more than a rare one.
        """
        match = fts_query(words)
        bounds = self._id_bounds(since, until)
        if match is None or bounds is None:
            return []
        rows = self.db.query(
            f"SELECT {ITEM_COLUMNS} FROM items_fts JOIN items ON items.id = items_fts.rowid "
            "WHERE items_fts MATCH ? AND items_fts.rowid BETWEEN ? AND ? "
            "AND items.ingested_at > ? AND items.ingested_at <= ? "
            "ORDER BY items_fts.rowid DESC LIMIT ? OFFSET ?",
            [match, *bounds, _lower(since), _upper(until), limit, offset],
        )
        return [_item(row) for row in rows]

    def _id_bounds(
        self, since: dt.datetime | None, until: dt.datetime | None
    ) -> tuple[int, int] | None:
        """The item ids ingested in (since, until]: an FTS5 rowid range narrows a MATCH fast."""
        if since is None and until is None:
            return (0, 2**63 - 1)
        low, high = self.db.execute(
            "SELECT min(id), max(id) FROM items WHERE ingested_at > ? AND ingested_at <= ?",
            [_lower(since), _upper(until)],
        ).fetchone()
        return None if low is None else (low, high)

    def items_between(self, since: dt.datetime | None, until: dt.datetime) -> list[StoredItem]:
        """Every item ingested in (since, until], oldest first: the raw material of briefings."""
        rows = self.db.query(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE ingested_at > ? AND ingested_at <= ? "
            "ORDER BY ingested_at, id",
            [_lower(since), ts(until)],
        )
        return [_item(row) for row in rows]

    def search_ids(self, words: str, *, since: dt.datetime | None, until: dt.datetime) -> set[int]:
        """Ids of items matching a free-text topic in a window (for briefing composition)."""
        match = fts_query(words)
        bounds = self._id_bounds(since, until)
        if match is None or bounds is None:
            return set()
        rows = self.db.execute(
            "SELECT items.id FROM items_fts JOIN items ON items.id = items_fts.rowid "
            "WHERE items_fts MATCH ? AND items_fts.rowid BETWEEN ? AND ? "
            "AND items.ingested_at > ? AND items.ingested_at <= ?",
            [match, *bounds, _lower(since), ts(until)],
        )
        return {row[0] for row in rows}

    def topic_counts(
        self, *, since: dt.datetime | None = None, topics: Iterable[str] | None = None
    ) -> dict[str, int]:
        """Items per topic ingested after `since`.

        Given the topics, each is one range count on the (topic, ingested_at) index: at a million
        items that is milliseconds, where grouping every row by topic took most of a second.
        """
        if topics is None:
            rows = self.db.execute(
                "SELECT topic, count(*) FROM item_topics WHERE ingested_at > ? GROUP BY topic",
                [_lower(since)],
            ).fetchall()
            return {row[0]: row[1] for row in rows}
        counts = {}
        for topic in dict.fromkeys(topics):
            found = self.db.execute(
                "SELECT count(*) FROM item_topics WHERE topic = ? AND ingested_at > ?",
                [topic, _lower(since)],
            ).fetchone()[0]
            if found:
                counts[topic] = found
        return counts

    def last_ingest(self) -> dt.datetime | None:
        row = self.db.execute("SELECT max(ingested_at) FROM digests").fetchone()
        return parse_ts(row[0]) if row else None

    # ------------------------------------------------------------ subscribers

    def register_chat(
        self,
        chat_id: int,
        chat_type: str,
        title: str | None,
        *,
        time: str,
        timezone: str,
        now: dt.datetime,
    ) -> tuple[Subscriber, bool]:
        """Register a chat, or bring a gone one back with its settings. Returns (sub, created)."""
        existing = self.get_subscriber(chat_id)
        if existing is not None:
            if existing.status != "active" or existing.title != title:
                self._update(chat_id, {"status": "active", "title": title}, now)
                self._reschedule(chat_id, now)
            return self._require(chat_id), False
        due = next_due(time, timezone, "daily", after=now)
        self.db.execute(
            "INSERT INTO subscribers (chat_id, chat_type, title, time, timezone, next_due_utc, "
            "last_window_end, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [chat_id, chat_type, title, time, timezone, ts(due), None, ts(now), ts(now)],
        )
        return self._require(chat_id), True

    def get_subscriber(self, chat_id: int) -> Subscriber | None:
        rows = list(
            self.db.query(
                f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE chat_id = ?", [chat_id]
            )
        )
        if not rows:
            return None
        return self._subscriber(rows[0], self._subscriptions([chat_id]).get(chat_id, ([], [])))

    def _require(self, chat_id: int) -> Subscriber:
        subscriber = self.get_subscriber(chat_id)
        if subscriber is None:
            raise UnknownChat(chat_id)
        return subscriber

    def _subscriptions(self, chat_ids: Iterable[int]) -> dict[int, tuple[list[str], list[str]]]:
        ids = list(chat_ids)
        result: dict[int, tuple[list[str], list[str]]] = {cid: ([], []) for cid in ids}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT chat_id, kind, topic FROM subscriptions WHERE chat_id IN ({marks}) "
                "ORDER BY created_at, topic",
                chunk,
            )
            for chat_id, kind, topic in rows:
                result[chat_id][0 if kind == "topic" else 1].append(topic)
        return result

    @staticmethod
    def _subscriber(row: dict[str, Any], subs: tuple[list[str], list[str]]) -> Subscriber:
        return Subscriber(
            chat_id=row["chat_id"],
            chat_type=row["chat_type"],
            title=row["title"],
            time=row["time"],
            timezone=row["timezone"],
            days=row["days"],
            paused=bool(row["paused"]),
            status=row["status"],
            quiet_when_empty=bool(row["quiet_when_empty"]),
            next_due_utc=parse_ts(row["next_due_utc"]),
            last_window_end=parse_ts(row["last_window_end"]),
            topics=tuple(subs[0]),
            searches=tuple(subs[1]),
        )

    def _update(self, chat_id: int, values: dict[str, Any], now: dt.datetime) -> None:
        # Column names come from this module's own call sites, never from user input.
        assignments = ", ".join(f"{column} = ?" for column in values)
        cursor = self.db.execute(
            f"UPDATE subscribers SET {assignments}, updated_at = ? WHERE chat_id = ?",
            [*values.values(), ts(now), chat_id],
        )
        if cursor.rowcount == 0:
            raise UnknownChat(chat_id)

    def _reschedule(self, chat_id: int, now: dt.datetime) -> Subscriber:
        sub = self._require(chat_id)
        due = next_due(sub.time, sub.timezone, sub.days, after=now)
        self._update(chat_id, {"next_due_utc": ts(due)}, now)
        return self._require(chat_id)

    def follow(self, chat_id: int, topic: str, *, kind: str, now: dt.datetime) -> bool:
        """Follow a catalogue slug (kind='topic') or a free-text search (kind='search').

        Returns False when it was already followed.
        """
        self._require(chat_id)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO subscriptions (chat_id, kind, topic, created_at) "
            "VALUES (?,?,?,?)",
            [chat_id, kind, topic, ts(now)],
        )
        return cursor.rowcount > 0

    def unfollow(self, chat_id: int, topic: str, *, kind: str) -> bool:
        cursor = self.db.execute(
            "DELETE FROM subscriptions WHERE chat_id = ? AND kind = ? AND topic = ? COLLATE NOCASE",
            [chat_id, kind, topic],
        )
        return cursor.rowcount > 0

    def set_schedule(
        self,
        chat_id: int,
        *,
        now: dt.datetime,
        time: str | None = None,
        timezone: str | None = None,
        days: str | None = None,
    ) -> Subscriber:
        """Change when briefings go out; the next due time is recomputed from `now`."""
        values = {
            key: value
            for key, value in (("time", time), ("timezone", timezone), ("days", days))
            if value is not None
        }
        if values:
            self._update(chat_id, values, now)
        return self._reschedule(chat_id, now)

    def set_paused(self, chat_id: int, paused: bool, *, now: dt.datetime) -> Subscriber:
        self._update(chat_id, {"paused": int(paused)}, now)
        return self._reschedule(chat_id, now) if not paused else self._require(chat_id)

    def set_quiet_when_empty(self, chat_id: int, quiet: bool, *, now: dt.datetime) -> Subscriber:
        self._update(chat_id, {"quiet_when_empty": int(quiet)}, now)
        return self._require(chat_id)

    def mark_gone(self, chat_id: int, *, now: dt.datetime) -> None:
        self._update(chat_id, {"status": "gone"}, now)

    def delete_chat(self, chat_id: int) -> bool:
        """Forget everything stored about a chat (/stop)."""
        with self.db.atomic():
            self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [chat_id])
            self.db.execute("DELETE FROM deliveries WHERE chat_id = ?", [chat_id])
            cursor = self.db.execute("DELETE FROM subscribers WHERE chat_id = ?", [chat_id])
        return cursor.rowcount > 0

    def migrate_chat(self, old_id: int, new_id: int, *, now: dt.datetime) -> bool:
        """A group became a supergroup: its subscription moves to the new id."""
        if self.get_subscriber(old_id) is None or self.get_subscriber(new_id) is not None:
            return False
        with self.db.atomic():
            # The rows referencing the chat move with it: check the keys at commit, not midway.
            self.db.execute("PRAGMA defer_foreign_keys = ON")
            self.db.execute(
                "UPDATE subscribers SET chat_id = ?, chat_type = 'supergroup', updated_at = ? "
                "WHERE chat_id = ?",
                [new_id, ts(now), old_id],
            )
            self.db.execute(
                "UPDATE subscriptions SET chat_id = ? WHERE chat_id = ?", [new_id, old_id]
            )
            self.db.execute("UPDATE deliveries SET chat_id = ? WHERE chat_id = ?", [new_id, old_id])
        return True

    def subscribers(self, chat_ids: Sequence[int]) -> list[Subscriber]:
        """Several subscribers in one go (two queries, however many ids)."""
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(list(chat_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                self.db.query(
                    f"SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE chat_id IN ({marks})",
                    chunk,
                )
            )
        subs = self._subscriptions(row["chat_id"] for row in rows)
        return [self._subscriber(row, subs[row["chat_id"]]) for row in rows]

    def due_chat_ids(self, now: dt.datetime, *, limit: int = 1000) -> list[int]:
        """Active, unpaused chats whose next briefing is due at or before `now` (indexed)."""
        rows = self.db.execute(
            "SELECT chat_id FROM subscribers INDEXED BY subscribers_due "
            "WHERE status = 'active' AND paused = 0 AND next_due_utc <= ? "
            "ORDER BY next_due_utc LIMIT ?",
            [ts(now), limit],
        )
        return [row[0] for row in rows]

    def iter_chat_ids(self) -> Iterator[int]:
        for row in self.db.execute("SELECT chat_id FROM subscribers ORDER BY chat_id"):
            yield row[0]

    def stats(self) -> Stats:
        counts = dict(
            self.db.execute(
                "SELECT CASE WHEN status = 'gone' THEN 'gone' WHEN paused THEN 'paused' "
                "ELSE 'active' END AS state, count(*) FROM subscribers GROUP BY state"
            ).fetchall()
        )
        feeds, failing = self.db.execute(
            "SELECT count(*), coalesce(sum(failures > 0), 0) FROM feeds"
        ).fetchone()
        return Stats(
            subscribers_active=counts.get("active", 0),
            subscribers_paused=counts.get("paused", 0),
            subscribers_gone=counts.get("gone", 0),
            digests=self.digest_count(),
            items=self.item_count(),
            last_ingest=self.last_ingest(),
            feeds=feeds,
            feeds_failing=failing,
        )

    # ------------------------------------------------------------ feeds

    def add_feed(self, url: str, *, added_by: int | None, now: dt.datetime) -> bool:
        """Start polling a feed or page. False when it was already there."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO feeds (url, added_by, created_at) VALUES (?,?,?)",
            [url, added_by, ts(now)],
        )
        return cursor.rowcount > 0

    def remove_feed(self, url: str) -> bool:
        return self.db.execute("DELETE FROM feeds WHERE url = ?", [url]).rowcount > 0

    def feeds(self) -> list[Feed]:
        rows = self.db.query(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY created_at, url")
        return [_feed(row) for row in rows]

    def get_feed(self, url: str) -> Feed | None:
        rows = list(self.db.query(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?", [url]))
        return _feed(rows[0]) if rows else None

    def record_feed_ok(
        self, url: str, *, etag: str | None, last_modified: str | None, now: dt.datetime
    ) -> None:
        """A successful poll: remember the validators and clear the error state."""
        self.db.execute(
            "UPDATE feeds SET etag = ?, last_modified = ?, last_polled = ?, last_ok = ?, "
            "last_error = NULL, failures = 0, error_reported = 0 WHERE url = ?",
            [etag, last_modified, ts(now), ts(now), url],
        )

    def record_feed_error(self, url: str, error: str, *, now: dt.datetime) -> Feed:
        """A failed poll. The returned Feed says whether admins were already told."""
        self.db.execute(
            "UPDATE feeds SET last_polled = ?, last_error = ?, failures = failures + 1 "
            "WHERE url = ?",
            [ts(now), error, url],
        )
        feed = self.get_feed(url)
        if feed is None:
            raise StoreError(f"no feed {url}")
        return feed

    def mark_feed_error_reported(self, url: str) -> None:
        self.db.execute("UPDATE feeds SET error_reported = 1 WHERE url = ?", [url])

    # ------------------------------------------------------------ deliveries

    def transaction(self) -> AbstractContextManager[Database]:
        """Group several delivery writes into one commit (`with store.transaction(): ...`)."""
        return self.db.atomic()

    def claim_delivery(
        self,
        chat_id: int,
        due_key: str,
        *,
        owner: str,
        now: dt.datetime,
        lease_until: dt.datetime,
        window_start: dt.datetime,
        window_end: dt.datetime,
    ) -> Delivery | None:
        """Take one chat's briefing for one local day, atomically (exactly once across restarts
        and processes): a new row, or one whose lease expired and that was not sent.

        A takeover of an interrupted delivery keeps its window and parts_sent, so it resumes
        where it stopped. None: it was sent, or another owner holds the lease.
        """
        stamp, until = _stamp(now), _stamp(lease_until)
        start, end = _stamp(window_start), _stamp(window_end)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO deliveries (chat_id, due_key, status, owner, lease_until, "
            "window_start, window_end, attempts, created_at, updated_at) "
            "VALUES (?,?,'sending',?,?,?,?,1,?,?)",
            [chat_id, due_key, owner, until, start, end, stamp, stamp],
        )
        if cursor.rowcount == 0:
            resume = "(parts_sent > 0 AND status IN ('sending', 'failed'))"
            cursor = self.db.execute(
                "UPDATE deliveries SET "
                f"window_start = CASE WHEN {resume} THEN window_start ELSE ? END, "
                f"window_end = CASE WHEN {resume} THEN window_end ELSE ? END, "
                f"parts_total = CASE WHEN {resume} THEN parts_total ELSE 0 END, "
                f"parts_sent = CASE WHEN {resume} THEN parts_sent ELSE 0 END, "
                "status = 'sending', owner = ?, lease_until = ?, attempts = attempts + 1, "
                "error = NULL, updated_at = ? "
                "WHERE chat_id = ? AND due_key = ? AND status != 'sent' "
                "AND (lease_until IS NULL OR lease_until <= ?)",
                [start, end, owner, until, stamp, chat_id, due_key, stamp],
            )
            if cursor.rowcount == 0:
                return None
            return self.get_delivery(chat_id, due_key)
        return Delivery(chat_id, due_key, "sending", owner, lease_until, window_start,
                        window_end, parts_total=0, parts_sent=0, attempts=1, error=None)

    def progress_delivery(
        self,
        chat_id: int,
        due_key: str,
        *,
        owner: str,
        parts_sent: int,
        parts_total: int,
        lease_until: dt.datetime,
        now: dt.datetime,
    ) -> bool:
        """Record the parts sent so far and extend the lease. False: the claim was lost."""
        cursor = self.db.execute(
            "UPDATE deliveries SET parts_sent = ?, parts_total = ?, lease_until = ?, "
            "updated_at = ? WHERE chat_id = ? AND due_key = ? AND owner = ? "
            "AND status = 'sending'",
            [parts_sent, parts_total, _stamp(lease_until), _stamp(now), chat_id, due_key, owner],
        )
        return cursor.rowcount > 0

    def finish_delivery(
        self,
        chat_id: int,
        due_key: str,
        *,
        owner: str,
        status: str,
        now: dt.datetime,
        error: str | None = None,
        retry_after: dt.datetime | None = None,
        expected_due: dt.datetime | None = None,
        next_due: dt.datetime | None = None,
        window_end: dt.datetime | None = None,
        parts_sent: int | None = None,
        parts_total: int | None = None,
    ) -> bool:
        """Close a claim with `status` and, in the same transaction, move the subscriber on:
        `next_due` replaces `expected_due` (unless the schedule changed meanwhile) and
        `window_end` becomes the new `last_window_end`. False: the claim was lost.

        `retry_after` leaves the row claimable again from that moment (a transient failure).
        """
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE deliveries SET status = ?, error = ?, lease_until = ?, updated_at = ?, "
                "parts_sent = coalesce(?, parts_sent), parts_total = coalesce(?, parts_total) "
                "WHERE chat_id = ? AND due_key = ? AND owner = ? AND status = 'sending'",
                [status, error, _lower(retry_after) or None, _stamp(now), parts_sent, parts_total,
                 chat_id, due_key, owner],
            )
            if cursor.rowcount == 0:
                return False
            self._move_on(chat_id, expected_due, next_due, window_end, now)
        return True

    def skip_delivery(
        self,
        chat_id: int,
        due_key: str,
        *,
        reason: str,
        expected_due: dt.datetime,
        next_due: dt.datetime,
        now: dt.datetime,
    ) -> None:
        """Record a briefing that will not be sent (too late after downtime); schedule the next."""
        with self.db.atomic():
            self.db.execute(
                "INSERT OR IGNORE INTO deliveries (chat_id, due_key, status, error, created_at, "
                "updated_at) VALUES (?,?,'skipped',?,?,?)",
                [chat_id, due_key, reason, _stamp(now), _stamp(now)],
            )
            self._move_on(chat_id, expected_due, next_due, None, now)

    def advance_schedule(
        self, chat_id: int, *, expected_due: dt.datetime, next_due: dt.datetime, now: dt.datetime
    ) -> bool:
        """Move next_due_utc on from `expected_due`; False if it had changed meanwhile."""
        return self._move_on(chat_id, expected_due, next_due, None, now)

    def _move_on(
        self,
        chat_id: int,
        expected_due: dt.datetime | None,
        next_due: dt.datetime | None,
        window_end: dt.datetime | None,
        now: dt.datetime,
    ) -> bool:
        """One UPDATE: next_due_utc moves on only from `expected_due`; the window only forward."""
        if (next_due is None or expected_due is None) and window_end is None:
            return False
        expected = _stamp(expected_due) if expected_due and next_due else None
        end = _stamp(window_end) if window_end else None
        cursor = self.db.execute(
            "UPDATE subscribers SET "
            "next_due_utc = CASE WHEN next_due_utc = ? THEN ? ELSE next_due_utc END, "
            "last_window_end = CASE WHEN ? IS NOT NULL AND (last_window_end IS NULL "
            "OR last_window_end < ?) THEN ? ELSE last_window_end END, "
            "updated_at = ? WHERE chat_id = ? AND (next_due_utc = ? OR ? IS NOT NULL)",
            [expected, _stamp(next_due) if next_due else None, end, end, end, _stamp(now), chat_id,
             expected, end],
        )
        return cursor.rowcount > 0

    def get_delivery(self, chat_id: int, due_key: str) -> Delivery | None:
        found = self.deliveries(chat_id, due_key=due_key)
        return found[0] if found else None

    def deliveries(
        self, chat_id: int | None = None, *, due_key: str | None = None
    ) -> list[Delivery]:
        """Delivery records, oldest first, optionally for one chat and/or one local day."""
        clauses, params = [], []
        for column, value in (("chat_id", chat_id), ("due_key", due_key)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.query(f"SELECT * FROM deliveries {where} ORDER BY id", params)
        return [_delivery(row) for row in rows]


FEED_COLUMNS = (
    "url, etag, last_modified, last_polled, last_ok, last_error, failures, error_reported"
)


def _feed(row: dict[str, Any]) -> Feed:
    return Feed(
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_polled=parse_ts(row["last_polled"]),
        last_ok=parse_ts(row["last_ok"]),
        last_error=row["last_error"],
        failures=row["failures"],
        error_reported=bool(row["error_reported"]),
    )


def _lower(moment: dt.datetime | None) -> str:
    return ts(moment) if moment else ""


def _upper(moment: dt.datetime | None) -> str:
    return ts(moment) if moment else "9999"


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one chat's briefing for one local day (a `deliveries` row)."""

    chat_id: int
    due_key: str
    status: str  # "sending" | "sent" | "failed" | "rejected" | "gone" | "skipped"
    owner: str | None
    lease_until: dt.datetime | None
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    parts_total: int
    parts_sent: int
    attempts: int
    error: str | None


def _delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(
        chat_id=row["chat_id"],
        due_key=row["due_key"],
        status=row["status"],
        owner=row["owner"],
        lease_until=parse_ts(row["lease_until"]),
        window_start=parse_ts(row["window_start"]),
        window_end=parse_ts(row["window_end"]),
        parts_total=row["parts_total"],
        parts_sent=row["parts_sent"],
        attempts=row["attempts"],
        error=row["error"],
    )


@functools.lru_cache(maxsize=4096)
def _stamp(moment: dt.datetime) -> str:
    """`ts`, remembered: a fan-out stamps the same few moments thousands of times."""
    return ts(moment)
