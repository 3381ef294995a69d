"""Reading inputs: encodings, rejected files, pages and feeds from a real local HTTP server."""

from __future__ import annotations

import codecs
import datetime as dt
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from briefings.fetch import (
    Fetched,
    FetchError,
    NotModified,
    decode,
    fetch_url,
    looks_like_feed,
    read_file,
    read_path,
)
from tests.httpserver import HTTPServerFixture, http_server_fixture  # noqa: F401

CYRILLIC = "Санкції проти Росії розширено. Україна отримала нову допомогу від ЄС."
RUSSIAN_WORD = "Санкции"
FRENCH = "Le café et la crème brûlée, déjà vu à Noël."

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Daily digest</title><link>https://example.org/</link>
<item><title>Digest of 3 November</title><link>https://example.org/2023/11/03</link>
<pubDate>Fri, 03 Nov 2023 18:00:00 GMT</pubDate><description>Short teaser</description>
<content:encoded><![CDATA[<h2>Sanctions</h2><ul><li>The US announced new sanctions.
(Politico)</li></ul>]]></content:encoded></item>
<item><title>Digest of 2 November</title><link>https://example.org/2023/11/02</link>
<pubDate>Thu, 02 Nov 2023 18:00:00 GMT</pubDate>
<description>Plain words about the front line. (Reuters)</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom digest</title>
<id>urn:x</id><updated>2023-11-04T10:00:00Z</updated>
<entry><title>Saturday digest</title><id>urn:x:1</id>
<link href="https://example.org/atom/1"/><updated>2023-11-04T10:00:00Z</updated>
<content type="html">&lt;p&gt;Drone strikes on Odesa. (AP News)&lt;/p&gt;</content></entry>
</feed>"""


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as the_client:
        yield the_client


# ---------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Plain ASCII digest", "utf-8"),
        (CYRILLIC, "utf-8"),
        (CYRILLIC, "utf-8-sig"),
        (CYRILLIC, "cp1251"),
        (RUSSIAN_WORD, "cp1251"),
        (FRENCH, "latin-1"),
        ("Grüße aus München", "latin-1"),
        ("café", "latin-1"),
        (CYRILLIC, "utf-16"),
    ],
)
def test_decode_gets_the_text_back_in_each_encoding(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding), "digest.txt") == text


def test_a_utf8_bom_is_not_part_of_the_text() -> None:
    assert decode(codecs.BOM_UTF8 + b"Title", "x.txt") == "Title"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (bytes(range(256)) * 8, "binary"),
    ],
)
def test_empty_and_binary_data_are_rejected(data: bytes, reason: str) -> None:
    with pytest.raises(FetchError) as caught:
        decode(data, "bad.txt")
    assert reason in caught.value.reason
    assert str(caught.value).startswith("bad.txt: ")
    assert "\n" not in str(caught.value)


def test_data_over_the_limit_is_rejected() -> None:
    with pytest.raises(FetchError, match="too big"):
        decode(b"x" * 2000, "big.txt", max_bytes=1000)


# ---------------------------------------------------------------- files


def test_read_file_decodes_and_hints_the_format(tmp_path: Path) -> None:
    path = tmp_path / "digest.md"
    path.write_bytes(CYRILLIC.encode("cp1251"))
    source = read_file(path, max_bytes=10_000)
    assert source.text == CYRILLIC
    assert source.format == "markdown"
    assert source.name == str(path)
    assert not source.is_feed


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (b"\x00\x01\x02\x03binary", "binary"), (b"x" * 5000, "too big")],
)
def test_read_file_rejects_bad_files_naming_them(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(FetchError) as caught:
        read_file(path, max_bytes=4096)
    assert caught.value.source == str(path)
    assert reason in caught.value.reason


def test_a_missing_path_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="no such file"):
        read_path(tmp_path / "nope.txt", max_bytes=100)


def test_a_directory_yields_its_documents_sorted_and_recursively(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("second", encoding="utf-8")
    (tmp_path / "a.md").write_text("first", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.html").write_text("<p>third</p>", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    sources = read_path(tmp_path, max_bytes=100)
    assert [Path(s.name).name for s in sources] == ["a.md", "b.txt", "c.html"]
    assert [s.format for s in sources] == ["markdown", "text", "html"]


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (RSS.encode(), "", True),
        (ATOM.encode(), "text/plain", True),
        (b'<?xml version="1.0"?>\n<?xml-stylesheet href="s.xsl"?>\n<!-- hi -->\n<rss>', "", True),
        (b"<html><body>hi</body></html>", "text/html", False),
        (b"<html><body>hi</body></html>", "application/xml", True),
        (b"plain text about rss feeds", "text/plain", False),
    ],
)
def test_feeds_are_recognised_by_content_type_or_root_element(
    data: bytes, content_type: str, expected: bool
) -> None:
    assert looks_like_feed(data, content_type) is expected


def test_a_feed_file_is_read_as_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(RSS, encoding="utf-8")
    source = read_file(path, max_bytes=100_000)
    assert source.is_feed
    assert len(source.entries) == 2


# ---------------------------------------------------------------- HTTP


async def test_a_page_is_fetched_with_its_content_type_and_headers(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    url = http_server.route("/page", "<h1>Digest</h1><p>Text</p>",
                            content_type="text/html; charset=utf-8", etag='"v1"')
    fetched = await fetch_url(url, client, max_bytes=10_000)
    assert isinstance(fetched, Fetched)
    assert fetched.status == 200
    assert fetched.text == "<h1>Digest</h1><p>Text</p>"
    assert fetched.format == "html"
    assert fetched.content_type == "text/html"
    assert fetched.url == url
    assert fetched.etag == '"v1"'
    assert not fetched.is_feed


async def test_a_declared_charset_is_honoured(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    url = http_server.route("/cp1251", CYRILLIC.encode("cp1251"),
                            content_type="text/plain; charset=windows-1251")
    fetched = await fetch_url(url, client, max_bytes=10_000)
    assert isinstance(fetched, Fetched)
    assert fetched.text == CYRILLIC


async def test_a_404_is_a_fetch_error_naming_the_url(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    url = http_server.url("/missing")
    with pytest.raises(FetchError) as caught:
        await fetch_url(url, client, max_bytes=10_000)
    assert str(caught.value) == f"{url}: HTTP 404 Not Found"


async def test_a_slow_server_times_out(http_server: HTTPServerFixture) -> None:
    url = http_server.route("/slow", "late", delay=5.0)
    async with httpx.AsyncClient(timeout=0.05) as impatient:
        with pytest.raises(FetchError, match="timed out"):
            await fetch_url(url, impatient, max_bytes=10_000)


async def test_a_refused_connection_is_a_fetch_error(client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=r"could not connect \(connection refused\)"):
        await fetch_url(f"http://127.0.0.1:{port}/", client, max_bytes=10_000)


@pytest.mark.parametrize(
    "content_type", ["text/html", "application/octet-stream", "image/png"]
)
async def test_garbage_bytes_are_rejected(
    http_server: HTTPServerFixture, client: httpx.AsyncClient, content_type: str
) -> None:
    url = http_server.route("/garbage", bytes(range(256)) * 16, content_type=content_type)
    with pytest.raises(FetchError, match=r"not text|binary"):
        await fetch_url(url, client, max_bytes=100_000)


async def test_a_body_past_the_limit_is_abandoned(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    url = http_server.route("/big", "x" * 50_000)
    with pytest.raises(FetchError, match="too big"):
        await fetch_url(url, client, max_bytes=10_000)


async def test_a_conditional_request_can_answer_not_modified(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    url = http_server.route("/feed", RSS, content_type="application/rss+xml", etag='"abc"')
    answer = await fetch_url(url, client, max_bytes=100_000, etag='"abc"')
    assert isinstance(answer, NotModified)
    assert http_server.requests_to("/feed")[-1].headers["if-none-match"] == '"abc"'


async def test_an_rss_feed_becomes_entries_with_date_and_link(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    url = http_server.route("/rss", RSS, content_type="application/rss+xml")
    fetched = await fetch_url(url, client, max_bytes=100_000)
    assert isinstance(fetched, Fetched)
    assert fetched.is_feed
    first, second = fetched.entries
    assert first.title == "Digest of 3 November"
    assert first.url == "https://example.org/2023/11/03"
    assert first.date == dt.date(2023, 11, 3)
    assert first.format == "html"  # content:encoded wins over the teaser
    assert "new sanctions" in first.text
    assert second.text == "Plain words about the front line. (Reuters)"
    assert second.format == "text"
    assert second.date == dt.date(2023, 11, 2)


async def test_an_atom_feed_is_recognised_by_its_body(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    # Served as plain text: the <feed> root still gives it away.
    url = http_server.route("/atom", ATOM, content_type="text/plain")
    fetched = await fetch_url(url, client, max_bytes=100_000)
    assert isinstance(fetched, Fetched)
    assert fetched.is_feed
    (entry,) = fetched.entries
    assert entry.url == "https://example.org/atom/1"
    assert entry.date == dt.date(2023, 11, 4)
    assert entry.format == "html"
    assert "Drone strikes on Odesa" in entry.text


async def test_xml_that_is_not_a_feed_is_rejected(
    http_server: HTTPServerFixture, client: httpx.AsyncClient
) -> None:
    url = http_server.route("/rss-broken", b"\x00\x01\x02 not xml at all",
                            content_type="application/rss+xml")
    with pytest.raises(FetchError, match="not a valid RSS or Atom feed"):
        await fetch_url(url, client, max_bytes=100_000)
