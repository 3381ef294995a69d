"""Polling feeds: conditional requests, new entries, pages, and failures reported once."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import httpx
import pytest

from briefings import ingest
from briefings.feeds import FeedReport, poll_feeds, sync_configured_feeds
from briefings.store import Store
from briefings.topics import Catalogue
from tests.httpserver import HTTPServerFixture, http_server_fixture  # noqa: F401

NOW = dt.datetime(2023, 11, 6, 6, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=30)
MODIFIED = "Fri, 03 Nov 2023 18:00:00 GMT"

ENTRY = """<item><title>{title}</title><link>https://example.org/{slug}</link>
<pubDate>{date} GMT</pubDate><description><![CDATA[<h2>Sanctions</h2>
<ul><li>{title}: new sanctions against Russia. (Reuters)</li>
<li>{title}: export controls tightened. (Politico)</li></ul>]]></description></item>"""


def rss(*entries: tuple[str, str, str]) -> str:
    items = "".join(ENTRY.format(title=t, slug=s, date=d) for t, s, d in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Digests</title><link>https://example.org/</link>{items}</channel></rss>"
    )


THURSDAY = ("Thursday digest", "thu", "Thu, 02 Nov 2023 18:00:00")
FRIDAY = ("Friday digest", "fri", "Fri, 03 Nov 2023 18:00:00")
MONDAY = ("Monday digest", "mon", "Mon, 06 Nov 2023 05:00:00")


async def poll(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, now: dt.datetime = NOW
) -> list[FeedReport]:
    return await poll_feeds(store, catalogue, client, now=now, max_bytes=1_000_000)


def test_configured_feeds_are_added_once(store: Store) -> None:
    urls = ["https://a.example/rss", "https://b.example/atom"]
    assert sync_configured_feeds(store, urls, now=NOW) == urls
    assert sync_configured_feeds(store, urls, now=LATER) == []
    assert [feed.url for feed in store.feeds()] == urls


async def test_an_unchanged_feed_is_not_downloaded_again(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, http_server: HTTPServerFixture
) -> None:
    url = http_server.route("/rss", rss(THURSDAY, FRIDAY), content_type="application/rss+xml",
                            etag='"v1"', last_modified=MODIFIED)
    sync_configured_feeds(store, [url], now=NOW)

    (first,) = await poll(store, catalogue, client)
    assert (first.new, first.items, first.error, first.not_modified) == (2, 4, None, False)
    feed = store.get_feed(url)
    assert feed is not None and (feed.etag, feed.last_modified) == ('"v1"', MODIFIED)

    (second,) = await poll(store, catalogue, client, LATER)
    sent = http_server.requests_to("/rss")[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == MODIFIED
    assert (second.new, second.not_modified, second.error) == (0, True, None)
    assert store.digest_count() == 2


async def test_last_modified_alone_makes_the_request_conditional(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, http_server: HTTPServerFixture
) -> None:
    url = http_server.route("/rss", rss(THURSDAY), content_type="application/rss+xml",
                            last_modified=MODIFIED)
    sync_configured_feeds(store, [url], now=NOW)
    await poll(store, catalogue, client)
    (second,) = await poll(store, catalogue, client, LATER)
    assert http_server.requests_to("/rss")[-1].headers["if-modified-since"] == MODIFIED
    assert second.not_modified


async def test_a_new_entry_flows_in_and_known_ones_are_not_stored_twice(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, http_server: HTTPServerFixture
) -> None:
    url = http_server.route("/rss", rss(THURSDAY, FRIDAY), content_type="application/rss+xml",
                            etag='"v1"')
    sync_configured_feeds(store, [url], now=NOW)
    await poll(store, catalogue, client)

    http_server.route("/rss", rss(MONDAY, THURSDAY, FRIDAY), content_type="application/rss+xml",
                      etag='"v2"')
    (report,) = await poll(store, catalogue, client, LATER)

    assert (report.new, report.items) == (1, 2)
    assert store.digest_count() == 3
    newest = store.latest_digests()[0]
    assert (newest.title, newest.date) == ("Monday digest", dt.date(2023, 11, 6))
    feed = store.get_feed(url)
    assert feed is not None and feed.etag == '"v2"'


async def test_a_failing_feed_is_reported_once_until_it_recovers(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, http_server: HTTPServerFixture
) -> None:
    url = http_server.route("/rss", "oops", status=500)
    sync_configured_feeds(store, [url], now=NOW)

    reports = []
    for minutes in range(3):
        (report,) = await poll(store, catalogue, client, NOW + dt.timedelta(minutes=minutes))
        reports.append(report)
    assert [r.report_error for r in reports] == [True, False, False]
    assert reports[0].error == "HTTP 500 Internal Server Error"
    feed = store.get_feed(url)
    assert feed is not None and feed.failures == 3

    http_server.route("/rss", rss(THURSDAY), content_type="application/rss+xml")
    (recovered,) = await poll(store, catalogue, client, LATER)
    assert (recovered.error, recovered.report_error, recovered.new) == (None, False, 1)

    http_server.route("/rss", "", status=404)
    (again,) = await poll(store, catalogue, client, LATER + dt.timedelta(minutes=30))
    assert again.report_error
    assert again.error == "HTTP 404 Not Found"


async def test_one_broken_feed_does_not_stop_the_others(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, http_server: HTTPServerFixture
) -> None:
    broken = http_server.route("/broken", bytes(range(256)) * 8, content_type="text/html")
    good = http_server.route("/rss", rss(FRIDAY), content_type="application/rss+xml")
    sync_configured_feeds(store, [broken, good], now=NOW)
    reports = await poll(store, catalogue, client)
    assert [(r.url, r.new, bool(r.error)) for r in reports] == [(broken, 0, True), (good, 1, False)]


async def test_a_polled_page_is_one_digest_replaced_when_it_changes(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, http_server: HTTPServerFixture
) -> None:
    page = "<html><body><h2>Sanctions</h2><ul><li>{}: new sanctions. (Reuters)</li>" \
           "<li>Second item about export controls. (Politico)</li></ul></body></html>"
    url = http_server.route("/page", page.format("Monday"), content_type="text/html")
    sync_configured_feeds(store, [url], now=NOW)
    (first,) = await poll(store, catalogue, client)
    assert first.new == 1

    (same,) = await poll(store, catalogue, client, LATER)
    assert same.new == 0  # no validators, same text: known by its content hash

    http_server.route("/page", page.format("Tuesday"), content_type="text/html")
    (changed,) = await poll(store, catalogue, client, LATER + dt.timedelta(minutes=30))
    assert changed.new == 1
    assert store.digest_count() == 1
    assert store.search("Tuesday") and not store.search("Monday")


async def test_entries_are_parsed_off_the_event_loop_and_stored_on_it(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient, http_server: HTTPServerFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Parsing a big feed takes seconds; on the loop's thread it would hold up every command.
    threads: set[int] = set()
    real = ingest.prepare_document

    def spying(*args: Any, **kwargs: Any) -> ingest.Prepared:
        threads.add(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "prepare_document", spying)
    url = http_server.route("/rss", rss(THURSDAY, FRIDAY), content_type="application/rss+xml")
    sync_configured_feeds(store, [url], now=NOW)

    (report,) = await poll(store, catalogue, client)
    assert (report.new, report.items) == (2, 4)
    assert threads and threading.get_ident() not in threads
