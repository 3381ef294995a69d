"""Turn one digest (plain text, Markdown or an HTML page) into a `Digest` of `Item`s.

The pipeline: HTML goes through trafilatura to Markdown first; the text is normalised; the header
(date line, keyword line, title) is read; lines are grouped into blocks (headings, bullets,
paragraphs); short lines are judged to be headings, story titles, captions or page junk; blocks
become items, with the multi-paragraph story heuristics in `_belongs`. The header lives in
`briefings.digest_header`, blocks and headings in `briefings.digest_blocks`, who reported an item
in `briefings.sources`. Every step is a heuristic, so `parse_digest` never raises: what it cannot
structure becomes one item with a warning, and `Digest.raw` always keeps the input unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import trafilatura
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from briefings import sources
from briefings.digest_blocks import (
    Block,
    group_lines,
    has_markup,
    has_two_sentences,
    heading_text,
    infer_headings,
    is_wrapped,
    lead_sentence,
    plain_text,
    strip_markup,
)
from briefings.digest_header import Meta, read_header, take_author, take_title
from briefings.models import Digest, Item

logger = logging.getLogger(__name__)

FORMATS = ("text", "markdown", "html")

# ------------------------------------------------------------------------------ format detection

_HTML_DOC = re.compile(r"<!doctype\s+html|<html[\s>]|<body[\s>]|<head[\s>]", re.I)
_HTML_TAG = re.compile(
    r"<(/?)(?:p|div|h[1-6]|ul|ol|li|br|article|section|table|tr|td|span|a|strong|em|b|i"
    r"|blockquote|header|footer|nav|main)(?:\s[^<>]{0,500})?/?>",
    re.I,
)
# Markdown: a line that opens with a heading, a list marker, an underline or a quote, or inline
# bold or a link. One pattern each, so that `re` can skip ahead to a literal ("\n", "**", "[")
# instead of trying an alternation at every character of a long plain-text digest.
_MARKDOWN_LINE = r" {0,3}(?:#{1,6}[ \t]+\S|[-*+][ \t]+\S|(?:=+|-{3,})[ \t]*$|>[ \t])"
_MARKDOWN_FIRST_LINE = re.compile(_MARKDOWN_LINE, re.M)
_MARKDOWN = (
    re.compile("\n" + _MARKDOWN_LINE, re.M),
    re.compile(r"\*\*[^*\n]{1,300}\*\*"),
    re.compile(r"__[^_\n]{1,300}__"),
    re.compile(r"\[[^\]\n]{1,300}\]\([^)\s]{1,2000}\)"),
)


def detect_format(text: str) -> str:
    """'html' for a page or a fragment, 'markdown' for headings/bold/links/lists, else 'text'."""
    if _HTML_DOC.search(text):
        return "html"
    tags: list[re.Match[str]] = []
    for match in _HTML_TAG.finditer(text):
        tags.append(match)
        if len(tags) == 3:
            break
    closing = any(tag.group(1) for tag in tags)
    if (tags and text.lstrip().startswith("<")) or (len(tags) == 3 and closing):
        return "html"
    if _MARKDOWN_FIRST_LINE.match(text) or any(pattern.search(text) for pattern in _MARKDOWN):
        return "markdown"
    return "text"


# ------------------------------------------------------------------------------ the entry point


def parse_digest(
    text: str,
    *,
    format: str | None = None,
    url: str | None = None,
    title: str | None = None,
    default_date: dt.date | None = None,
    today: dt.date | None = None,
) -> Digest:
    """Parse one digest. Never raises: what has no structure becomes one item with a warning.

    A date line without a year takes the year that puts it closest to `default_date`, or else
    the latest year that does not put it after `today`. `default_date` is also the date when the
    digest names none. `title` and `url`, when given, win over what the digest says.
    """
    try:
        return _parse(text, format, url, title, default_date, today or dt.date.today())
    except Exception:  # the contract is "any str in, a Digest out": keep the text and say why
        logger.exception("digest parser failed; keeping the whole text as one item")
        body = " ".join(text.split())
        items = (Item(0, None, body[:200], body),) if body else ()
        warning = "parser error: kept the whole text as one item"
        return Digest(raw=text, title=title, url=url, items=items, warnings=(warning,))


def _parse(
    text: str,
    fmt: str | None,
    url: str | None,
    title: str | None,
    default_date: dt.date | None,
    today: dt.date,
) -> Digest:
    meta = Meta()
    if fmt not in FORMATS:
        if fmt is not None:
            meta.warnings.append(f"unknown format {fmt!r}; detected it instead")
        fmt = detect_format(text)
    lines = _normalise(_html_to_markdown(text, url, meta) if fmt == "html" else text)
    if not any(lines):
        meta.warnings.append("empty digest: nothing to parse")
        return _digest(text, fmt, url, title, default_date, meta, [])
    lines = read_header(lines, meta, default_date, today)
    blocks = group_lines(lines, is_wrapped(lines), lambda line: take_author(line, meta))
    blocks = infer_headings(blocks)
    blocks = take_title(blocks, meta, title)
    items = _assemble(blocks)
    if not items:
        meta.warnings.append("no items found: kept the whole text as one item")
        whole = _clean(strip_markup(" ".join(lines)))
        items = [Item(0, None, _shorten(lead_sentence(whole)), whole)] if whole else []
    elif len(items) == 1 and not any(b.kind in ("heading", "bullet") for b in blocks):
        meta.warnings.append("no structure found: the digest is one item")
    return _digest(text, fmt, url, title, default_date, meta, items)


def _digest(
    raw: str,
    fmt: str,
    url: str | None,
    title: str | None,
    default_date: dt.date | None,
    meta: Meta,
    items: list[Item],
) -> Digest:
    return Digest(
        raw=raw,
        title=title or meta.title or meta.heading_title or meta.line_title,
        date=meta.date or default_date,
        publisher=meta.publisher,
        author=meta.author,
        url=url,
        tags=meta.tags,
        sections=tuple(dict.fromkeys(item.section for item in items if item.section)),
        items=tuple(items),
        warnings=tuple(meta.warnings),
        format=fmt,
    )


# ------------------------------------------------------------------------------ HTML


def _html_to_markdown(html: str, url: str | None, meta: Meta) -> str:
    """The article body as Markdown (trafilatura drops navigation, footers, ads) plus metadata."""
    wrapped = f"<html><body>{html}</body></html>"  # trafilatura passes over some bare fragments
    document = _extract(html, url) or _extract(wrapped, url)
    if document is not None:
        meta.title = document.title or None
        meta.author = document.author or None
        meta.publisher = document.sitename or None
        meta.date = _iso_date(document.date)
        markdown = xmltotxt(document.body, include_formatting=True)
        if markdown.strip():
            return markdown
    meta.warnings.append("no article body found in the HTML; parsed all of its text")
    try:
        return trafilatura.html2txt(wrapped)
    except Exception:  # lxml raises on some markup; the digest must survive it
        return html


def _extract(html: str, url: str | None) -> Document | None:
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            favor_recall=True,  # digests are lists of short items; precision mode drops some
            include_comments=False,
            include_formatting=True,
            include_links=True,
            with_metadata=True,
            # no guessing from copyright lines: "© 2023" is not the digest's date
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # lxml and trafilatura raise on odd markup; the digest must survive it
        logger.warning("trafilatura failed on an HTML digest", exc_info=True)
        return None
    return document if isinstance(document, Document) and document.body is not None else None


def _iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# ------------------------------------------------------------------------------ clean text

_ODD_SPACE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")  # NBSP and friends
_ODD_BREAK = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f\u200b\u200e\u200f\u2060\ufeff]")
_RUN_OF_SPACES = re.compile(r"[ \t]{2,}")


def _normalise(text: str) -> list[str]:
    """Lines with NBSP and odd spaces made plain, invisible characters gone, no trailing spaces."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines: list[str] = []
    for line in text.split("\n"):
        # Every odd space, break and invisible character is unprintable, and most lines have none
        # (or only NBSP): `isprintable` spares them three regular expressions.
        if not line.isprintable() and not (line := line.replace("\xa0", " ")).isprintable():
            line = _ODD_BREAK.sub("\n", _ODD_SPACE.sub(" ", line)).replace("\t", "    ")
            lines.extend(part.rstrip() for part in _INVISIBLE.sub("", line).split("\n"))
        else:
            lines.append(line.rstrip())
    return lines


def _clean(text: str) -> str:
    if "\n" not in text:
        return _squeeze(text).strip()
    lines = (_squeeze(line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _squeeze(line: str) -> str:
    """Runs of spaces and tabs become one space."""
    if "\t" in line:
        return _RUN_OF_SPACES.sub(" ", line)
    while "  " in line:  # quicker than the pattern for the usual two spaces after a full stop
        line = line.replace("  ", " ")
    return line


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ------------------------------------------------------------------------------ blocks into items

_OPENING_QUOTES = '"“‘«„'
_CLOSING_QUOTES = '"”’»'
_CONTINUATION = re.compile(
    r"""^(?:(?:however|but|and|also|still|yet|moreover|furthermore|additionally|in\ addition
    |instead|nevertheless|nonetheless|therefore|thus|as\ a\ result|otherwise|even\ so
    |to\ do\ (?:so|this|that)|to\ that\ end|despite\ (?:this|that)|because\ of\ (?:this|that))\b
    |in\ (?:its|his|her|their)\ \w+                      # "In its ruling, ..."
    |(?:he|she|they|it|his|her|their|its|him|them)\b      # a pronoun points back
    |(?:this|these|those|that|such)\ (?!(?:week|weekend|morning|afternoon|evening|night|year
       |month|day|time|summer|winter|spring|autumn|fall)\b)\w
    |the\ (?:man|woman|men|women|person|boy|girl|child|court|judge|company|firm|suspect
       |official|officials|spokesman|spokeswoman|spokesperson|ministry|statement|decision|move
       |incident|ruling|letter|latter|former|same|agency|minister)\b)""",
    re.I | re.X,
)
_ATTRIBUTED = re.compile(
    r"[”\"’»],?\s+(?:[^.!?”\"]{0,80}?\s)?(?:said|says|added|adds|continued|explained|noted"
    r"|stressed|emphasi[sz]ed|told|wrote|writes|insisted|warned|argued|claimed|declared|stated"
    r"|concluded|according)\b"
)
_FIRST_PERSON = re.compile(r"\b(?:I|I['’](?:m|ll|ve|d)|[Ww]e|[Oo]ur|us|[Mm]y)\b")
_PREAMBLE = re.compile(
    r"\bI(?:['’](?:m|ll|ve|d))?\b|(?i:\b(?:my|me)\b|^(?:good\s+(?:morning|afternoon|evening)"
    r"|hello|hi|hey|welcome|dear|greetings)\b|\b(?:newsletter|subscribe)\b"
    r"|\bin\s+(?:this|today['’]s)\s+(?:issue|edition|digest|briefing))"
)
_READ_MORE = re.compile(
    r"\s*\b(?:read more|continue reading|read the full (?:story|article)|full story)[\s.:›»>→…]*$",
    re.I,
)
_TOPIC_WORD = re.compile(r"(?<![\w’'])[a-z][a-z’'-]{2,}")  # lowercase only: names are not topics
_LABEL = re.compile(r"^[A-Z][\w .’'-]{0,40}:\s")  # "Governor: ...", "Reuters: ..."
_DASHES = frozenset("-–—")
_STOPWORDS = _words(
    "the and for with from that this these those its their his her they she not but will would"
    " could can may might more than over about after before into also which who what when"
    " where while since said says say according reported report reports new first last year"
    " years day days week one two three against all any some such other only just very was"
    " were are has have had been being there here then now out off under well even most many"
    " much per via him them our ours you your"
)


@dataclass(slots=True)
class _Draft:
    section: str | None
    parts: list[str] = field(default_factory=list)
    plains: list[str] = field(default_factory=list)  # the parts as plain text
    links: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    headline: str | None = None
    bullet: str = ""  # the list marker, if the story is a list item
    absorbing: bool = False  # under a story title: takes every paragraph up to the next heading
    speech: bool = False  # opened by "...:": takes the first-person speech that follows
    listing: bool = False  # opened by "...:": takes the short list items that follow

    _topics: tuple[int, tuple[str, ...]] = (0, ())  # (parts seen, their topic words)

    def add(self, block: Block) -> None:
        if not self.parts and self.headline is None and block.lead:
            self.headline = plain_text(block.lead)
        self.parts.append(block.text)
        self.plains.append(block.plain)
        self.links.extend(block.links)

    def topic_words(self) -> tuple[str, ...]:
        seen, words = self._topics
        if seen < len(self.parts):
            words = (*words, *_topic_words(" ".join(self.parts[seen:])))
            self._topics = (len(self.parts), words)
        return words


def _assemble(blocks: list[Block]) -> list[Item]:
    top = min((b.level for b in blocks if b.kind == "heading"), default=0)
    bullets = sum(b.kind == "bullet" for b in blocks)
    bullet_doc = bullets >= 2 and bullets >= sum(b.kind == "para" for b in blocks)
    drafts: list[_Draft] = []
    section: str | None = None
    current: _Draft | None = None
    for index, block in enumerate(blocks):
        if block.kind == "heading" and block.level <= top:
            section, current = heading_text(block), None
        elif block.kind == "heading":  # a story title: the paragraphs below are its story
            current = _Draft(section, headline=heading_text(block), absorbing=True)
            current.links.extend(block.links)
            drafts.append(current)
        elif block.kind == "source" and current is not None:
            current.sources.extend(sources.source_line(block.plain))
        elif block.kind == "bullet":
            current = _take_bullet(block, current, section, drafts)
        elif block.kind == "para":
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if not drafts and _is_preamble(block, following, bullet_doc):
                continue
            if current is None or not _belongs(current, block):
                current = _Draft(section)
                drafts.append(current)
            current.add(block)
    _promote_story_titles(drafts)
    items: list[Item] = []
    for draft in drafts:
        if item := _finish(draft, position=len(items)):
            items.append(item)
    return items


def _cites(block: Block, current: _Draft) -> bool:
    """'– Reuters' on its own line under an item cites it (unless the list itself uses '–')."""
    if block.marker not in _DASHES or block.marker == current.bullet or block.blank_before:
        return False
    if len(block.plain.split()) > 4:
        return False
    names = sources.split_sources(block.plain)
    current.sources.extend(names)
    return bool(names)


def _take_bullet(
    block: Block, current: _Draft | None, section: str | None, drafts: list[_Draft]
) -> _Draft:
    """A list item is a new story, unless it cites or lists under the story above."""
    if current is not None:
        if _lists(current, block):
            current.add(block)  # "Key events on Tuesday:" over "- Fed minutes"
            return current
        if _cites(block, current):
            return current
        if current.absorbing and not current.parts:
            drafts.remove(current)  # a story title over a list is only a label
    draft = _Draft(section, bullet=block.marker)
    draft.add(block)
    drafts.append(draft)
    return draft


def _lists(current: _Draft, block: Block) -> bool:
    """Short list items under a paragraph ending with ':' are part of that paragraph's story."""
    if current.bullet or not current.parts or len(block.plain.split()) > 8:
        return False
    current.listing = current.listing or current.plains[-1].endswith(":")
    return current.listing


def _is_preamble(block: Block, following: Block | None, bullet_doc: bool) -> bool:
    """Greetings, notes from the editor and the line introducing the first list."""
    plain = block.plain
    if _PREAMBLE.search(plain):
        return True
    if following is None or following.kind != "bullet":
        return False
    return plain.endswith(":") or (bullet_doc and len(plain.split()) <= 30)


def _belongs(current: _Draft, block: Block) -> bool:
    """Does this paragraph continue the story above? (the multi-paragraph story heuristics)"""
    if current.absorbing:
        return True
    if block.lead or not current.parts:
        return False
    text, last = block.plain, current.plains[-1]
    if last.endswith(":"):  # "President Zelenskyy's evening address on unity:" + the speech
        current.speech = True
        return True
    if current.speech and _FIRST_PERSON.search(text[:300]):
        return True
    if current.bullet and block.indent > 0:
        return True
    if text[:1].islower() or _CONTINUATION.match(text) or _is_quote_continuation(text):
        return True
    return not current.bullet and (_is_title_line(current, text) or _same_topic(current, text))


def _is_quote_continuation(text: str) -> bool:
    """A quote ('"...," he added.') belongs to the story that introduced the speaker."""
    if not text or text[0] not in _OPENING_QUOTES:
        return False
    return bool(_ATTRIBUTED.search(text)) or text.rstrip(" .")[-1:] in _CLOSING_QUOTES


def _is_title_line(current: _Draft, text: str) -> bool:
    """'The Central Bank predicted belt tightening.' (or 'Fed holds - BBC') over a longer paragraph
    is that paragraph's headline."""
    if len(current.parts) != 1 or current.headline:
        return False
    first = current.plains[0]
    words = len(first.split())
    if words > 14 or first[-1:] in ",;:" or has_two_sentences(first):
        return False
    if len(text.split()) < max(12, 2 * words):
        return False
    return not sources.take_trailing_sources(text)[1]  # a paragraph citing its own source stands


def _same_topic(current: _Draft, text: str) -> bool:
    """A long paragraph sharing a phrase and several topic words with the story above continues it.

    ("Russia has shelled 100 towns and villages" -> "Moscow has fired shells on cities, towns and
    villages ..."). Only lowercase words count, so two stories about one country do not merge.
    """
    lead = lead_sentence(text)
    if len(lead.split()) <= 15 or _LABEL.match(text):
        return False  # a short lead sentence or a "Label:" is a run-in headline: a new story
    before, after = current.topic_words(), _topic_words(lead)
    if len(set(before) & set(after)) < 3:
        return False
    return bool(set(pairwise(before)) & set(pairwise(after)))


def _topic_words(text: str) -> list[str]:
    words: list[str] = []
    for found in map(_token_topic_words, text.split()):
        if found:
            words.extend(found)
    return words


@lru_cache(maxsize=16384)  # the same few thousand tokens over and over
def _token_topic_words(token: str) -> tuple[str, ...]:
    """The topic words of one token ('villages,' -> ('village',)): a match never spans a space."""
    return tuple(word for word in map(_topic_word, _TOPIC_WORD.findall(token)) if word)


def _topic_word(found: str) -> str:
    """'villages' -> 'village', "russia's" -> 'russia'; '' for a stopword."""
    word = found.lower().replace("’", "'").removesuffix("'s")
    if word in _STOPWORDS:
        return ""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _drop_read_more(body: str) -> str:
    """'... [Read more](url)' ends without its 'Read more'."""
    start = max(0, len(body) - 40)
    tail = body[start:].lower()  # every phrase has "read" or "full", and only ASCII matches those
    if "read" not in tail and "full" not in tail:
        return body
    read_more = _READ_MORE.search(body, start)
    return body[: read_more.start()] if read_more else body


def _promote_story_titles(drafts: list[_Draft]) -> None:
    """Headings that each sit over exactly one paragraph are story titles, not sections."""
    named = [d.section for d in drafts]
    if len(drafts) < 2 or None in named or len(set(named)) != len(drafts):
        return
    if not any(d.bullet or d.headline for d in drafts):
        for draft in drafts:
            draft.headline, draft.section = draft.section, None


def _finish(draft: _Draft, position: int) -> Item | None:
    cited: list[str] = []
    paragraphs: list[str] = []
    for part in draft.parts:
        if has_markup(part):
            part = strip_markup(part)
        text, found = sources.take_trailing_sources(_clean(part))
        cited.extend(found)
        paragraphs.append(text)
    body = "\n".join(p for p in paragraphs if p)
    body = _drop_read_more(body)
    if not cited and not draft.sources:
        body, found = sources.take_prose_sources(body)
        cited.extend(found)
    headline = draft.headline or _headline(body)
    body = body or headline or ""
    if not body:
        return None
    names = sources.dedupe([*cited, *draft.sources]) if cited or draft.sources else ()
    links = tuple(dict.fromkeys(draft.links))
    return Item(position, draft.section, _shorten(headline or body), body, names, links)


# ------------------------------------------------------------------------------ sentences


def _headline(body: str) -> str:
    first = body.split("\n", 1)[0]
    if first.endswith(":") and len(first.split()) <= 20:
        return first.rstrip(":").strip()  # "President Zelenskyy's evening address on unity:"
    return lead_sentence(first)


def _shorten(text: str, limit: int = 300) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
