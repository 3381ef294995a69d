"""Reading inputs: files, directories, web pages and RSS/Atom feeds, decoded to text.

Everything that can go wrong with one input becomes a `FetchError` naming that input, so a caller
reading many inputs can report each failure on one line and carry on with the rest.
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import re
import socket
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import feedparser
import httpx
from charset_normalizer import from_bytes

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
_FORMAT_BY_SUFFIX = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
_FORMAT_BY_TYPE = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
# The encodings our digests really come in, tried first. Anything else is left to
# charset-normalizer's full search. cp1250 is left out on purpose: on short texts it wins ties
# against cp1251 and cp1252 and turns both into mojibake.
_LIKELY_ENCODINGS = ["cp1251", "cp1252", "latin_1", "koi8_r"]
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
_WORD = re.compile(r"[^\W\d_]+")
_TAG = re.compile(r"<[a-zA-Z/!]")
# A feed's root element, after any XML declaration, stylesheet instructions and comments.
_FEED_START = re.compile(rb"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)


class FetchError(Exception):
    """One input that could not be read; `str()` is a one-line message naming it."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class Entry:
    """One feed entry, ready to be parsed as a digest of its own."""

    text: str
    format: str
    title: str | None = None
    url: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class Source:
    """A decoded input. A feed carries its entries; everything else is one document."""

    name: str  # what the user gave: a path or a URL
    text: str
    format: str | None = None  # a hint for the parser; None: let it detect
    url: str | None = None
    is_feed: bool = False
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Fetched(Source):
    """A source fetched over HTTP, with what the response said about itself."""

    status: int = 200
    content_type: str = ""
    headers: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass(frozen=True)
class NotModified:
    """A conditional request answered 304: nothing new since the last poll."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


# ---------------------------------------------------------------- decoding


def describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def decode(data: bytes, name: str, *, max_bytes: int | None = None) -> str:
    """Bytes of a text document -> str, or FetchError if it is empty, binary or too big.

    A BOM or valid UTF-8 wins; otherwise charset-normalizer decides among the usual suspects.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise FetchError(
            name, f"too big ({describe_size(len(data))}; the limit is {describe_size(max_bytes)})"
        )
    if not data.strip():
        raise FetchError(name, "empty")
    text = _decode_bom(data)
    if text is None:
        if b"\x00" in data:
            raise FetchError(name, "binary data, not text")
        text = _decode_guess(data, name)
    if _looks_binary(text):
        raise FetchError(name, "binary data, not text")
    if not text.strip():
        raise FetchError(name, "empty")
    return text


def _decode_bom(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_guess(data: bytes, name: str) -> str:
    matches = list(from_bytes(data, cp_isolation=_LIKELY_ENCODINGS)) or list(from_bytes(data))
    if not matches:
        raise FetchError(name, "not text (no character encoding fits)")
    # On short texts several single-byte encodings decode without "chaos"; the one whose words
    # look like words of one script (not "Ñàíêöèè" or "crиme") is the right one.
    best = min(matches, key=lambda match: (-_plausibility(str(match)), match.chaos))
    log.debug("%s: decoded as %s", name, best.encoding)
    return str(best)


def _plausibility(text: str) -> float:
    """Share of non-ASCII words that are written in one script with few accents."""
    words = [word for word in _WORD.findall(text) if not word.isascii()]
    if not words:
        return 1.0
    return sum(_plausible_word(word) for word in words) / len(words)


def _plausible_word(word: str) -> bool:
    scripts = {unicodedata.name(char, "?").split(" ")[0] for char in word}
    if len(scripts) > 1:
        return False
    if scripts == {"LATIN"}:
        accented = sum(not char.isascii() for char in word)
        return accented * 2 <= len(word)
    return True


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    controls = sum(
        unicodedata.category(char) == "Cc" and char not in "\t\n\r\f\v" for char in sample
    )
    return controls > max(2, len(sample) // 100)


# ---------------------------------------------------------------- files


def format_for_path(path: Path) -> str | None:
    return _FORMAT_BY_SUFFIX.get(path.suffix.lower())


def list_paths(path: Path) -> list[Path]:
    """A file -> itself; a directory -> its documents, sorted, recursively."""
    if path.is_dir():
        found = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
        )
        if not found:
            raise FetchError(str(path), f"no {'/'.join(DOCUMENT_SUFFIXES)} files in directory")
        return found
    if not path.exists():
        raise FetchError(str(path), "no such file or directory")
    return [path]


def read_file(path: Path, max_bytes: int) -> Source:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FetchError(
                name, f"too big ({describe_size(size)}; the limit is {describe_size(max_bytes)})"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise FetchError(name, "no such file or directory") from None
    except IsADirectoryError:
        raise FetchError(name, "is a directory") from None
    except OSError as error:
        raise FetchError(name, error.strerror or type(error).__name__) from None
    return to_source(name, data, format_hint=format_for_path(path), max_bytes=max_bytes)


def read_path(path: Path, max_bytes: int) -> list[Source]:
    """Every document at `path` (a file or a directory). The first bad one raises."""
    return [read_file(p, max_bytes) for p in list_paths(path)]


# ---------------------------------------------------------------- feeds and sources


def looks_like_feed(data: bytes, content_type: str = "") -> bool:
    kind = content_type.lower()
    if "rss" in kind or "atom" in kind or kind in ("application/xml", "text/xml"):
        return True
    head = data[:2048].lstrip(codecs.BOM_UTF8)
    return bool(_FEED_START.match(head))


def to_source(
    name: str,
    data: bytes,
    *,
    format_hint: str | None = None,
    content_type: str = "",
    url: str | None = None,
    max_bytes: int | None = None,
) -> Source:
    """Decoded bytes as a Source; a feed's entries are parsed out."""
    if data.strip() and looks_like_feed(data, content_type):
        return _feed_source(name, data, url=url)
    return Source(
        name=name, text=decode(data, name, max_bytes=max_bytes), format=format_hint, url=url
    )


def _feed_source(name: str, data: bytes, *, url: str | None) -> Source:
    # feedparser gets the bytes: it honours the encoding the XML declares.
    parsed = feedparser.parse(data, response_headers={"content-location": url or ""})
    if not parsed.get("version") and not parsed.entries:
        raise FetchError(name, "not a valid RSS or Atom feed")
    entries = tuple(entry for entry in map(_entry, parsed.entries) if entry is not None)
    text = "\n\n".join(entry.text for entry in entries)
    return Source(name=name, text=text, format="html", url=url, is_feed=True, entries=entries)


def _entry(raw: Any) -> Entry | None:
    contents = raw.get("content") or []
    if contents and contents[0].get("value", "").strip():
        value, kind = contents[0]["value"], contents[0].get("type", "")
    else:
        value = raw.get("summary", "")
        kind = raw.get("summary_detail", {}).get("type", "")
    if not value.strip():
        return None
    # RSS <description> claims text/html even when it is plain text.
    is_html = "html" in kind and bool(_TAG.search(value))
    return Entry(
        text=value,
        format="html" if is_html else "text",
        title=raw.get("title") or None,
        url=raw.get("link") or None,
        date=_entry_date(raw),
    )


def _entry_date(raw: Any) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        moment: time.struct_time | None = raw.get(key)
        if moment:
            return dt.date(moment.tm_year, moment.tm_mon, moment.tm_mday)
    return None


# ---------------------------------------------------------------- HTTP


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _content_type(headers: httpx.Headers) -> tuple[str, str | None]:
    message = Message()
    message["content-type"] = headers.get("content-type", "")
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) else None


async def fetch_url(
    url: str,
    client: httpx.AsyncClient,
    *,
    max_bytes: int,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched | NotModified:
    """GET a page or feed (conditionally, when etag/last_modified are given).

    The body is streamed and abandoned past `max_bytes`. Every failure is a FetchError.
    """
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
            if response.status_code == 304:
                return NotModified(url, etag, last_modified)
            _check_status(url, response)
            data = await _read_body(url, response, max_bytes)
    except httpx.TimeoutException:
        raise FetchError(url, "timed out") from None
    except httpx.ConnectError as error:
        raise FetchError(url, f"could not connect ({_connect_reason(error)})") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise FetchError(url, "not a valid http(s) URL") from None
    except httpx.HTTPError as error:
        raise FetchError(url, f"request failed ({_reason(error)})") from None
    return _fetched(url, response, data, max_bytes)


def _check_status(url: str, response: httpx.Response) -> None:
    if response.status_code >= 400 or response.status_code < 200:
        phrase = response.reason_phrase or ""
        raise FetchError(url, f"HTTP {response.status_code} {phrase}".strip())


async def _read_body(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    limit = f"the limit is {describe_size(max_bytes)}"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"too big ({describe_size(int(declared))}; {limit})")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(url, f"too big (more than {describe_size(max_bytes)}; {limit})")
    return bytes(body)


def _fetched(url: str, response: httpx.Response, data: bytes, max_bytes: int) -> Fetched:
    content_type, charset = _content_type(response.headers)
    if content_type.startswith(_BINARY_TYPES):
        raise FetchError(url, f"not text ({content_type})")
    if not looks_like_feed(data, content_type):
        data = _recode(data, charset)
    source = to_source(
        url,
        data,
        format_hint=_FORMAT_BY_TYPE.get(content_type),
        content_type=content_type,
        url=url,
        max_bytes=max_bytes,
    )
    return Fetched(
        name=url,
        text=source.text,
        format=source.format,
        url=url,
        is_feed=source.is_feed,
        entries=source.entries,
        status=response.status_code,
        content_type=content_type,
        headers={key.lower(): value for key, value in response.headers.items()},
    )


def _recode(data: bytes, charset: str | None) -> bytes:
    """Honour a charset the server declared, as UTF-8 (which `decode` prefers).

    Valid UTF-8 wins over the declaration: servers that default to ISO-8859-1 are common.
    """
    if not charset or b"\x00" in data:
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data


def _connect_reason(error: Exception) -> str:
    """httpx says "All connection attempts failed"; the cause underneath says why."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "unknown host"
        cause = cause.__cause__ or cause.__context__
    return _reason(error)


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[-1] if text else type(error).__name__
