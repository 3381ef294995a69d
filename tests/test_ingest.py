"""The ingest pipeline: dates, unparsed digests, summaries, and many inputs where some fail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from briefings import ingest
from briefings.digests import parse_digest
from briefings.fetch import Source
from briefings.ingest import (
    PARALLEL_FROM,
    Document,
    EmptyInput,
    Summary,
    ingest_documents,
    ingest_inputs,
    ingest_source,
    ingest_text,
    prepare_all,
)
from briefings.store import Store
from briefings.topics import Catalogue
from tests.httpserver import HTTPServerFixture, http_server_fixture  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = [FIXTURES / "000_51635e4d9e4636c5.txt", FIXTURES / "001_e037ba12bc8febe1.txt"]
SAMPLES_DIR = Path(__file__).parent.parent / "examples" / "digests"  # the same two, alone
NOW = dt.datetime(2023, 11, 6, 6, 0, tzinfo=dt.UTC)

BODY = """Sanctions

• The United States announced nearly 100 new sanctions against Russia. (Politico)
• The EU prepared a twelfth sanctions package against Moscow. (Reuters)

Black Sea

• Ships left Odesa with grain despite Russian threats. (AP News)
"""
DATED = "Daily digest, 1 November 2023\n\n" + BODY

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Digests</title><link>https://example.org/</link>
<item><title>Thursday</title><link>https://example.org/2</link>
<pubDate>Thu, 02 Nov 2023 18:00:00 GMT</pubDate>
<description><![CDATA[<h2>Sanctions</h2><ul><li>New sanctions on Russian metals. (Reuters)</li>
<li>Sanctions evasion through third countries. (FT)</li></ul>]]></description></item>
<item><title>Friday</title><link>https://example.org/3</link>
<pubDate>Fri, 03 Nov 2023 18:00:00 GMT</pubDate>
<description><![CDATA[<h2>Strikes</h2><ul><li>A drone strike hit Odesa port. (AP News)</li>
<li>Missiles struck Kharkiv overnight. (Reuters)</li></ul>]]></description></item>
</channel></rss>"""


def stored_date(store: Store, digest_id: int) -> dt.date | None:
    digest = store.get_digest(digest_id)
    assert digest is not None
    return digest.date


# ---------------------------------------------------------------- ingest_text


EXPLICIT = dt.date(2023, 10, 30)
FEED = dt.date(2023, 11, 2)


@pytest.mark.parametrize(
    ("text", "date", "feed_date", "expected"),
    [
        (DATED, EXPLICIT, FEED, EXPLICIT),  # what the operator says wins
        (DATED, None, FEED, dt.date(2023, 11, 1)),  # then the digest's own date
        (BODY, None, FEED, FEED),  # then the feed entry's / channel post's date
        (BODY, None, None, NOW.date()),  # then today
        (BODY, EXPLICIT, None, EXPLICIT),
    ],
)
def test_the_date_a_digest_is_filed_under(
    store: Store,
    catalogue: Catalogue,
    text: str,
    date: dt.date | None,
    feed_date: dt.date | None,
    expected: dt.date,
) -> None:
    result = ingest_text(store, catalogue, text, now=NOW, date=date, feed_date=feed_date)
    assert stored_date(store, result.digest_id) == expected
    assert {item.published for item in store.digest_items(result.digest_id)} == {expected}


def test_items_are_classified_and_stored(store: Store, catalogue: Catalogue) -> None:
    result = ingest_text(store, catalogue, BODY, now=NOW)
    assert result.new and result.item_count == 3
    assert result.topic_counts.get("sanctions") == 2
    assert [i.sources for i in store.items_on_topic("sanctions")] == [("Reuters",), ("Politico",)]


def test_a_digest_without_structure_is_kept_raw_with_warnings(
    store: Store, catalogue: Catalogue
) -> None:
    text = "just a few words nobody could call a digest"
    result = ingest_text(store, catalogue, text, now=NOW)
    assert result.warnings
    stored = store.get_digest(result.digest_id)
    assert stored is not None and stored.status == "unparsed"
    raw = store.db.execute("SELECT raw FROM digests WHERE id = ?", [result.digest_id]).fetchone()
    assert raw[0] == text


def test_a_structured_digest_is_parsed(store: Store, catalogue: Catalogue) -> None:
    stored = store.get_digest(ingest_text(store, catalogue, BODY, now=NOW).digest_id)
    assert stored is not None and stored.status == "parsed"


def test_blank_text_is_not_ingested(store: Store, catalogue: Catalogue) -> None:
    with pytest.raises(EmptyInput):
        ingest_text(store, catalogue, " \n\t ", now=NOW)
    assert store.digest_count() == 0


def test_the_same_url_with_new_text_replaces_the_old_digest(
    store: Store, catalogue: Catalogue
) -> None:
    url = "https://example.org/today"
    ingest_text(store, catalogue, BODY, now=NOW, url=url)
    result = ingest_text(store, catalogue, DATED + "\n• One more item. (BBC)\n", now=NOW, url=url)
    assert result.new and result.replaced
    assert store.digest_count() == 1


# ---------------------------------------------------------------- summaries


def test_the_summary_counts_new_known_replaced_items_and_topics(
    store: Store, catalogue: Catalogue
) -> None:
    summary = Summary()
    for text, url in ((BODY, "u1"), (BODY, "u1"), (DATED, "u1"), (DATED + "x", None)):
        summary.add("input", ingest_text(store, catalogue, text, now=NOW, url=url))
    assert (summary.new, summary.known, summary.replaced) == (2, 1, 1)
    assert summary.digests == 4
    assert summary.items == 9
    assert summary.topics["sanctions"] == 6
    assert [name for _, name in summary.stored] == ["input"] * 3
    assert not summary.failed


async def test_a_feed_source_is_one_digest_per_entry(
    store: Store, catalogue: Catalogue
) -> None:
    from briefings.fetch import Entry

    source = Source(
        name="feed", text="", is_feed=True,
        entries=(Entry(BODY, "text", "One", "https://e.org/1", FEED),
                 Entry("", "text", "Empty", "https://e.org/2", FEED)),
    )
    summary = await ingest_source(store, catalogue, source, now=NOW)
    assert summary.new == 1
    assert summary.errors == ["https://e.org/2: empty"]
    (digest,) = store.latest_digests()
    assert (digest.url, digest.title, digest.date) == ("https://e.org/1", "One", FEED)


# ---------------------------------------------------------------- many inputs


async def test_the_samples_are_ingested_and_then_known(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient
) -> None:
    expected_items = sum(
        len(parse_digest(p.read_text(encoding="utf-8")).items) for p in SAMPLES
    )
    summary = await ingest_inputs(store, catalogue, [str(SAMPLES_DIR)], now=NOW, client=client,
                                  max_bytes=1_000_000)
    assert (summary.new, summary.known, summary.errors) == (2, 0, [])
    assert summary.items == expected_items == store.item_count()
    again = await ingest_inputs(store, catalogue, [str(p) for p in SAMPLES], now=NOW,
                                client=client, max_bytes=1_000_000)
    assert (again.new, again.known, again.items) == (0, 2, 0)


async def test_one_failing_input_does_not_stop_the_others(
    store: Store,
    catalogue: Catalogue,
    client: httpx.AsyncClient,
    http_server: HTTPServerFixture,
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "missing.txt"
    page = http_server.route("/digest", BODY)
    gone = http_server.url("/gone")
    feed = http_server.route("/feed.xml", RSS, content_type="application/rss+xml")
    calls: list[tuple[int, int]] = []

    summary = await ingest_inputs(
        store, catalogue,
        [str(empty), str(SAMPLES[0]), str(binary), gone, str(missing), page, feed],
        now=NOW, client=client, max_bytes=1_000_000, progress=lambda *a: calls.append(a),
    )

    assert summary.new == 4  # the sample, the page, two feed entries
    assert [line.split(": ")[0] for line in summary.errors] == [
        str(empty), str(binary), gone, str(missing),
    ]
    assert all("\n" not in line for line in summary.errors)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    dates = {d.date for d in store.latest_digests(limit=10) if d.url and "example" in d.url}
    assert dates == {dt.date(2023, 11, 2), dt.date(2023, 11, 3)}


async def test_an_explicit_date_applies_to_every_input(
    store: Store, catalogue: Catalogue, client: httpx.AsyncClient
) -> None:
    summary = await ingest_inputs(store, catalogue, [str(p) for p in SAMPLES], now=NOW,
                                  client=client, max_bytes=1_000_000, date=EXPLICIT)
    assert summary.new == 2
    assert {d.date for d in store.latest_digests(limit=5)} == {EXPLICIT}


# ---------------------------------------------------------------- large batches


def many_documents(count: int) -> list[Document]:
    """Distinct digests: the samples and BODY with a serial number, and some blank ones."""
    texts = [path.read_text(encoding="utf-8") for path in SAMPLES] + [BODY]
    docs = [
        Document(f"doc-{n}", f"{texts[n % 3]}\nIssue {n}.\n" if n % 10 else "  ")
        for n in range(count)
    ]
    return docs


def test_a_large_batch_is_prepared_in_workers_exactly_as_one_by_one(catalogue: Catalogue) -> None:
    docs = many_documents(PARALLEL_FROM + 8)
    parallel = list(prepare_all(catalogue, docs, now=NOW, workers=2))
    serial = list(prepare_all(catalogue, docs, now=NOW, workers=1))
    assert parallel == serial
    assert [p.name for p in parallel] == [d.name for d in docs]  # input order kept


def test_a_large_batch_stores_every_digest_and_reports_the_blank_ones(
    store: Store, catalogue: Catalogue
) -> None:
    docs = many_documents(PARALLEL_FROM + 8)
    progress: list[int] = []
    summary = ingest_documents(
        store, catalogue, docs, now=NOW, progress=lambda done, total: progress.append(done)
    )
    blank = [d.name for d in docs if not d.text.strip()]
    assert summary.new == len(docs) - len(blank)
    assert [error.split(":")[0] for error in summary.errors] == blank
    assert store.digest_count() == summary.new
    assert progress == list(range(1, len(docs) + 1))


def test_a_batch_too_big_for_one_transaction_is_stored_in_several(
    store: Store, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "BATCH_ITEMS", 3)  # a transaction per digest or two
    commits: list[int] = []
    store.db.conn.set_trace_callback(lambda sql: commits.append(1) if sql == "COMMIT" else None)
    docs = [doc for doc in many_documents(12) if doc.text.strip()]
    summary = ingest_documents(store, catalogue, docs, now=NOW)
    store.db.conn.set_trace_callback(None)
    assert summary.new == len(docs) and not summary.errors
    assert 1 < len(commits) <= len(docs)
    assert store.item_count() == summary.items
    store.db.execute("INSERT INTO items_fts(items_fts, rank) VALUES('integrity-check', 1)")
