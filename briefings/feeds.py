"""Polling the stored feeds and pages: conditional GETs, ingest what is new, report failures once.

A feed that starts failing is reported to the admins the first time only; after a success it
becomes reportable again. Pages that are not feeds are polled too: each is one digest, replaced by
the store when the page's text changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from briefings.fetch import Fetched, FetchError, NotModified, fetch_url
from briefings.ingest import Summary, ingest_source
from briefings.models import Feed
from briefings.store import Store
from briefings.topics import Catalogue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedReport:
    """What one poll of one feed did."""

    url: str
    new: int = 0  # digests stored (new or replacing an older version)
    items: int = 0
    not_modified: bool = False
    error: str | None = None
    report_error: bool = False  # tell the admins: the first failure since the last success


def sync_configured_feeds(store: Store, urls: Iterable[str], *, now: dt.datetime) -> list[str]:
    """Add the feeds from the settings (BRIEFINGS_FEEDS); returns those that were new."""
    return [url for url in urls if store.add_feed(url, added_by=None, now=now)]


async def poll_feeds(
    store: Store,
    catalogue: Catalogue,
    client: httpx.AsyncClient,
    *,
    now: dt.datetime,
    max_bytes: int,
) -> list[FeedReport]:
    """Poll every stored feed once, in order of addition."""
    feeds = store.feeds()
    # Fetch concurrently; parse in a worker thread; store one feed after another on this thread
    # (SQLite stays on the loop's thread).
    responses = await asyncio.gather(*(_fetch(feed, client, max_bytes=max_bytes) for feed in feeds))
    return [
        await _record(store, catalogue, feed, response, now=now)
        for feed, response in zip(feeds, responses, strict=True)
    ]


async def _fetch(
    feed: Feed, client: httpx.AsyncClient, *, max_bytes: int
) -> Fetched | NotModified | FetchError:
    try:
        return await fetch_url(
            feed.url,
            client,
            max_bytes=max_bytes,
            etag=feed.etag,
            last_modified=feed.last_modified,
        )
    except FetchError as error:
        return error
    except Exception as error:  # a parser bug on one feed must not stop the others
        log.debug("fetching feed %s failed", feed.url, exc_info=True)
        return FetchError(feed.url, f"could not be read ({type(error).__name__}: {error})")


async def _record(
    store: Store,
    catalogue: Catalogue,
    feed: Feed,
    response: Fetched | NotModified | FetchError,
    *,
    now: dt.datetime,
) -> FeedReport:
    if isinstance(response, FetchError):
        return _failed(store, feed.url, response.reason, now=now)
    if isinstance(response, NotModified):
        store.record_feed_ok(feed.url, etag=feed.etag, last_modified=feed.last_modified, now=now)
        return FeedReport(feed.url, not_modified=True)
    try:
        summary = await ingest_source(store, catalogue, response, now=now)
    except Exception as error:  # a broken feed must not stop the others
        log.debug("ingesting feed %s failed", feed.url, exc_info=True)
        return _failed(store, feed.url, f"could not be ingested ({error})", now=now)
    store.record_feed_ok(
        feed.url,
        etag=response.etag or None,
        last_modified=response.last_modified or None,
        now=now,
    )
    return _succeeded(feed.url, summary)


def _succeeded(url: str, summary: Summary) -> FeedReport:
    for line in summary.errors:
        log.info("feed %s: %s", url, line)
    return FeedReport(url, new=summary.new + summary.replaced, items=summary.items)


def _failed(store: Store, url: str, reason: str, *, now: dt.datetime) -> FeedReport:
    log.info("feed %s failed: %s", url, reason)
    feed = store.record_feed_error(url, reason, now=now)
    report = not feed.error_reported
    if report:
        store.mark_feed_error_reported(url)
    return FeedReport(url, error=reason, report_error=report)
