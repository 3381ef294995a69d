"""The ingest pipeline: text -> parsed digest -> classified items -> the store.

`ingest_text` stores one digest; `ingest_source` one fetched Source (a feed: one digest per
entry); `ingest_inputs` many files, directories and URLs, where one failing input never stops the
others and every failure becomes one line in the `Summary`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import itertools
import logging
import multiprocessing as mp
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from briefings.digests import parse_digest
from briefings.fetch import FetchError, Source, fetch_url, is_url, list_paths, read_file
from briefings.models import Digest, IngestResult, Item
from briefings.store import Store, content_hash
from briefings.topics import Catalogue, classify

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, total), called after each digest


class EmptyInput(ValueError):
    """There is no text to ingest (an empty file, post or feed entry)."""


@dataclass(frozen=True)
class Document:
    """One digest-to-be: a whole file or page, or one feed entry."""

    name: str  # for messages: the path, URL or entry link
    text: str
    format: str | None = None
    url: str | None = None
    title: str | None = None
    feed_date: dt.date | None = None


@dataclass
class Summary:
    """What a batch of ingests did; shared by the CLI and the bot."""

    new: int = 0
    known: int = 0
    replaced: int = 0
    items: int = 0
    topics: Counter[str] = field(default_factory=Counter)
    stored: list[tuple[int, str]] = field(default_factory=list)  # (digest id, input): new ones
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each: "<input>: <reason>"

    @property
    def digests(self) -> int:
        return self.new + self.known + self.replaced

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def add(self, name: str, result: IngestResult) -> None:
        if not result.new:
            self.known += 1
            return
        if result.replaced:
            self.replaced += 1
        else:
            self.new += 1
        self.items += result.item_count
        self.topics.update(result.topic_counts)
        self.stored.append((result.digest_id, name))
        self.warnings.extend(f"{name}: {warning}" for warning in result.warnings)

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(f"{name}: {reason}")


# ---------------------------------------------------------------- one digest


def pick_date(
    explicit: dt.date | None,
    own: dt.date | None,
    feed_date: dt.date | None,
    default_date: dt.date | None,
    now: dt.datetime,
) -> dt.date:
    """The date a digest is filed under: what the operator said, else what the digest says,
    else when the feed or channel published it, else the default, else today (UTC)."""
    for candidate in (explicit, own, feed_date, default_date):
        if candidate is not None:
            return candidate
    return now.astimezone(dt.UTC).date()


def is_unparsed(digest: Digest) -> bool:
    """No structure found: the parser fell back to the whole text as (at most) one item."""
    return bool(digest.warnings) and not digest.sections and len(digest.items) <= 1


def item_text(item: Item) -> str:
    """What the classifier reads: the headline carries as much as the body."""
    return f"{item.headline}\n{item.text}"


@dataclass(frozen=True)
class Prepared:
    """A digest parsed and classified, ready to store (picklable: made in worker processes)."""

    name: str
    digest: Digest | None = None
    topics: tuple[tuple[str, ...], ...] = ()
    status: str = "parsed"
    error: str | None = None  # why nothing can be stored
    # content_hash(digest.raw), computed where the digest was parsed: in a batch that is a worker,
    # and the one process that writes the store has the least CPU to spare.
    digest_hash: str = ""


def prepare(
    catalogue: Catalogue,
    text: str,
    *,
    now: dt.datetime,
    url: str | None = None,
    title: str | None = None,
    format: str | None = None,
    date: dt.date | None = None,
    feed_date: dt.date | None = None,
    default_date: dt.date | None = None,
    name: str = "",
) -> Prepared:
    """Parse and classify one digest, touching no store. Raises EmptyInput for blank text."""
    if not text.strip():
        raise EmptyInput("empty")
    # The year of a "Nov 2" heading is inferred from the nearest date we know of.
    reference = date or feed_date or default_date or now.astimezone(dt.UTC).date()
    digest = parse_digest(text, format=format, url=url, title=title, today=reference)
    digest = dataclasses.replace(
        digest, date=pick_date(date, digest.date, feed_date, default_date, now)
    )
    topics = tuple(classify(item_text(item), catalogue).topics for item in digest.items)
    status = "unparsed" if is_unparsed(digest) else "parsed"
    return Prepared(name or url or "", digest, topics, status, digest_hash=content_hash(digest.raw))


def store_prepared(store: Store, prepared: Prepared, *, now: dt.datetime) -> IngestResult:
    if prepared.digest is None:
        raise EmptyInput(prepared.error or "empty")
    return store.add_digest(
        prepared.digest, prepared.topics, now=now, status=prepared.status,
        digest_hash=prepared.digest_hash or None,
    )


def ingest_text(
    store: Store,
    catalogue: Catalogue,
    text: str,
    *,
    now: dt.datetime,
    url: str | None = None,
    title: str | None = None,
    format: str | None = None,
    date: dt.date | None = None,
    feed_date: dt.date | None = None,
    default_date: dt.date | None = None,
) -> IngestResult:
    """Parse, classify and store one digest. Raises EmptyInput for blank text.

    A text without recognisable structure is stored all the same (status "unparsed", raw kept);
    the parser's warnings come back in the result.
    """
    prepared = prepare(
        catalogue, text, now=now, url=url, title=title, format=format, date=date,
        feed_date=feed_date, default_date=default_date,
    )
    return store_prepared(store, prepared, now=now)


# ---------------------------------------------------------------- sources


def documents(source: Source) -> list[Document]:
    """A document source is one Document; a feed is one per entry."""
    if not source.is_feed:
        return [Document(source.name, source.text, source.format, source.url)]
    return [
        Document(
            name=entry.url or source.name,
            text=entry.text,
            format=entry.format,
            url=entry.url,
            title=entry.title,
            feed_date=entry.date,
        )
        for entry in source.entries
    ]


def _documents_noting_empty(source: Source, summary: Summary) -> list[Document]:
    """`documents(source)`; a feed without entries is a warning in the summary."""
    if source.is_feed and not source.entries:
        summary.warnings.append(f"{source.name}: the feed has no entries")
    return documents(source)


async def ingest_source(
    store: Store, catalogue: Catalogue, source: Source, *, now: dt.datetime
) -> Summary:
    """Ingest a fetched file, page or feed; a feed entry that fails is one error line and the
    other entries are still stored.

    For a running bot: parsing and classifying (the slow part, seconds for a big feed) run in a
    worker thread so the event loop keeps answering commands; the store is written on the loop's
    own thread, where its SQLite connection lives."""
    summary = Summary()
    prepared = await prepare_in_thread(catalogue, _documents_noting_empty(source, summary), now=now)
    store_all(store, prepared, summary, now=now)
    return summary


async def prepare_in_thread(
    catalogue: Catalogue, docs: Sequence[Document], *, now: dt.datetime,
    date: dt.date | None = None,
) -> list[Prepared]:
    # One process (workers=1): forking a threaded server could copy a lock held by another
    # thread into the child.
    return await asyncio.to_thread(
        lambda: list(prepare_all(catalogue, docs, now=now, date=date, workers=1))
    )


def prepare_document(
    catalogue: Catalogue, document: Document, *, now: dt.datetime, date: dt.date | None = None
) -> Prepared:
    """`prepare` for a Document; every failure becomes `Prepared.error`, never an exception."""
    try:
        return prepare(
            catalogue, document.text, now=now, url=document.url, title=document.title,
            format=document.format, date=date, feed_date=document.feed_date, name=document.name,
        )
    except EmptyInput as error:
        return Prepared(document.name, error=str(error))
    except Exception as error:  # one broken document must not stop the batch
        log.debug("preparing %s failed", document.name, exc_info=True)
        return Prepared(
            document.name, error=f"could not be ingested ({type(error).__name__}: {error})"
        )


# Below this many documents, starting worker processes costs more than it saves.
PARALLEL_FROM = 32
# A transaction's size. FTS5 writes a segment of index at every commit, and the same B-tree
# pages are written again by each one: one commit per digest spent more time committing than
# inserting. But the last transaction is indexed and committed after the workers have finished,
# on one core: on the 1M-item benchmark 2,000 items a commit beat 5,000 (the tail fell from 0.2
# to 0.09 s of a 2.8 s run) and 1,000 cost the writer more CPU.
BATCH_ITEMS = 2000
BATCH_SECONDS = 1.0

_worker_catalogue: Catalogue | None = None
WORKER_NICENESS = 10


def _init_worker(catalogue: Catalogue) -> None:
    global _worker_catalogue
    _worker_catalogue = catalogue
    # The one SQLite writer (the parent) is the pipeline's bottleneck: it gets a core whenever
    # it wants one, and the workers share what is left instead of competing with it.
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def _prepare_in_worker(document: Document, now: dt.datetime, date: dt.date | None) -> Prepared:
    if _worker_catalogue is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker has no catalogue")
    return prepare_document(_worker_catalogue, document, now=now, date=date)


def prepare_all(
    catalogue: Catalogue,
    docs: Sequence[Document],
    *,
    now: dt.datetime,
    date: dt.date | None = None,
    workers: int | None = None,
) -> Iterator[Prepared]:
    """Prepared documents in input order; parsing and classifying use every core for big
    batches (the store stays in this process: SQLite connections don't cross processes)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if len(docs) < PARALLEL_FROM or workers < 2 or "fork" not in mp.get_all_start_methods():
        yield from (prepare_document(catalogue, doc, now=now, date=date) for doc in docs)
        return
    # fork: the workers inherit the imported parser and the compiled catalogue rules.
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context("fork"),
        initializer=_init_worker,
        initargs=(catalogue,),
    ) as pool:
        task = functools.partial(_prepare_in_worker, now=now, date=date)
        yield from pool.map(task, docs, chunksize=8)


def ingest_documents(
    store: Store,
    catalogue: Catalogue,
    docs: Sequence[Document],
    *,
    now: dt.datetime,
    date: dt.date | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Many digests at once: prepared on every core, stored in batched transactions."""
    summary = Summary()
    _ingest_documents(store, catalogue, docs, summary, now=now, date=date, progress=progress)
    return summary


def _ingest_documents(
    store: Store,
    catalogue: Catalogue,
    docs: Sequence[Document],
    summary: Summary,
    *,
    now: dt.datetime,
    date: dt.date | None,
    progress: Progress | None,
) -> None:
    prepared = prepare_all(catalogue, docs, now=now, date=date)
    store_all(store, prepared, summary, now=now, total=len(docs), progress=progress)


def store_all(
    store: Store,
    prepared: Iterable[Prepared],
    summary: Summary,
    *,
    now: dt.datetime,
    total: int = 0,
    progress: Progress | None = None,
) -> None:
    """Store prepared documents as they come, in batched transactions; each failure is one
    summary line.

    A transaction takes each document as soon as the workers hand it over (instead of first
    collecting a batch), so the store works while the workers do; it ends after `BATCH_ITEMS`
    items or `BATCH_SECONDS`, so another writer (the bot) never waits long for the database.
    """
    pending = iter(prepared)
    done = 0
    for first in pending:
        started = time.monotonic()
        items = 0
        with store.ingest_batch():
            for document in itertools.chain((first,), pending):
                items += _store_one(store, document, summary, now=now)
                done += 1
                if progress is not None:
                    progress(done, total)
                if items >= BATCH_ITEMS or time.monotonic() - started >= BATCH_SECONDS:
                    break


def _store_one(
    store: Store, prepared: Prepared, summary: Summary, *, now: dt.datetime
) -> int:
    """Store one document; returns how many items that wrote (0 for a known or failed one)."""
    if prepared.error is not None or prepared.digest is None:
        summary.fail(prepared.name, prepared.error or "empty")
        return 0
    try:
        result = store_prepared(store, prepared, now=now)
    except Exception as error:  # one broken document must not stop the batch
        log.debug("storing %s failed", prepared.name, exc_info=True)
        summary.fail(prepared.name, f"could not be stored ({type(error).__name__}: {error})")
        return 0
    summary.add(prepared.name, result)
    return result.item_count if result.new else 0


# ---------------------------------------------------------------- many inputs


async def read_input(
    spec: str, client: httpx.AsyncClient, *, max_bytes: int
) -> list[Source | FetchError]:
    """One command-line input -> its sources, or the error each part of it hit."""
    try:
        if is_url(spec):
            fetched = await fetch_url(spec, client, max_bytes=max_bytes)
            return [fetched] if isinstance(fetched, Source) else []
        paths = list_paths(Path(spec).expanduser())
    except FetchError as error:
        return [error]
    except Exception as error:  # a bug on one input must not stop the others
        log.debug("reading %s failed", spec, exc_info=True)
        return [FetchError(spec, f"could not be read ({type(error).__name__}: {error})")]
    return [_read_file(path, max_bytes) for path in paths]


def _read_file(path: Path, max_bytes: int) -> Source | FetchError:
    try:
        return read_file(path, max_bytes)
    except FetchError as error:
        return error
    except Exception as error:
        log.debug("reading %s failed", path, exc_info=True)
        return FetchError(str(path), f"could not be read ({type(error).__name__}: {error})")


async def ingest_inputs(
    store: Store,
    catalogue: Catalogue,
    inputs: Sequence[str],
    *,
    now: dt.datetime,
    client: httpx.AsyncClient,
    max_bytes: int,
    date: dt.date | None = None,
    progress: Progress | None = None,
    off_loop: bool = False,
) -> Summary:
    """Files, directories, web pages and feeds, in order. Failures become summary errors.

    `off_loop` (a running bot): parse and classify in a worker thread, as
    `ingest_source` does; the command line uses every core instead.
    """
    summary = Summary()
    # Fetch every URL at once (the client's pool bounds it); store in input order afterwards.
    read = await asyncio.gather(*(read_input(spec, client, max_bytes=max_bytes) for spec in inputs))
    docs: list[Document] = []
    for found in read:
        for source in found:
            if isinstance(source, FetchError):
                summary.fail(source.source, source.reason)
            else:
                docs.extend(_documents_noting_empty(source, summary))
    if off_loop:
        prepared = await prepare_in_thread(catalogue, docs, now=now, date=date)
        store_all(store, prepared, summary, now=now, total=len(docs), progress=progress)
    else:
        _ingest_documents(store, catalogue, docs, summary, now=now, date=date, progress=progress)
    return summary
