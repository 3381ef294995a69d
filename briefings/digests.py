"""Turn one digest (plain text, Markdown or an HTML page) into a `Digest` of `Item`s.

The pipeline: HTML goes through trafilatura to Markdown first; the text is normalised; the header
(date line, keyword line, title) is read; lines are grouped into blocks (headings, bullets,
paragraphs); short lines are judged to be headings, story titles, captions or page junk; blocks
become items, with the multi-paragraph story heuristics in `_belongs`. Who reported an item lives
in `briefings.sources`. Every step is a heuristic, so `parse_digest` never raises: what it cannot
structure becomes one item with a warning, and `Digest.raw` always keeps the input unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from itertools import pairwise

import trafilatura
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from briefings import sources
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
_MARKDOWN = re.compile(
    r"^ {0,3}#{1,6}[ \t]+\S|\*\*[^*\n]{1,300}\*\*|__[^_\n]{1,300}__"
    r"|\[[^\]\n]{1,300}\]\([^)\s]{1,2000}\)|^ {0,3}[-*+][ \t]+\S|^ {0,3}(?:=+|-{3,})[ \t]*$"
    r"|^ {0,3}>[ \t]",
    re.M,
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
    return "markdown" if _MARKDOWN.search(text) else "text"


# ------------------------------------------------------------------------------ the entry point


@dataclass
class _Meta:
    title: str | None = None  # from the page's metadata
    heading_title: str | None = None  # a lone top-level heading
    line_title: str | None = None  # beside or above the date line
    date: dt.date | None = None
    author: str | None = None
    publisher: str | None = None
    tags: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)


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
    meta = _Meta()
    if fmt not in FORMATS:
        if fmt is not None:
            meta.warnings.append(f"unknown format {fmt!r}; detected it instead")
        fmt = detect_format(text)
    lines = _normalise(_html_to_markdown(text, url, meta) if fmt == "html" else text)
    if not any(lines):
        meta.warnings.append("empty digest: nothing to parse")
        return _digest(text, fmt, url, title, default_date, meta, [])
    lines = _read_header(lines, meta, default_date, today)
    blocks = _infer_headings(_group(lines, _is_wrapped(lines), meta))
    blocks = _take_title(blocks, meta, title)
    items = _assemble(blocks)
    if not items:
        meta.warnings.append("no items found: kept the whole text as one item")
        whole = _clean(_strip_markup(" ".join(lines)))
        items = [Item(0, None, _shorten(_lead_sentence(whole)), whole)] if whole else []
    elif len(items) == 1 and not any(b.kind in ("heading", "bullet") for b in blocks):
        meta.warnings.append("no structure found: the digest is one item")
    return _digest(text, fmt, url, title, default_date, meta, items)


def _digest(
    raw: str,
    fmt: str,
    url: str | None,
    title: str | None,
    default_date: dt.date | None,
    meta: _Meta,
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


def _html_to_markdown(html: str, url: str | None, meta: _Meta) -> str:
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
_LINK = re.compile(
    r"(!?)\[([^\[\]\n]{0,500})\]\(\s*<?([^()\s<>]{1,2000})>?(?:\s+\"[^\"\n]{0,300}\")?\s*\)"
)
_AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,2000})>")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'”’]{1,2000}")
_MARKUP_CHAR = re.compile(r"[*_`\\]")
_STRONG = re.compile(r"\*\*|__")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]{1,300}?)(?<=\S)\*(?![\w*])")
_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]{1,300}?)(?<=\S)_(?![\w_])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def _normalise(text: str) -> list[str]:
    """Lines with NBSP and odd spaces made plain, invisible characters gone, no trailing spaces."""
    text = _ODD_BREAK.sub("\n", _ODD_SPACE.sub(" ", text)).replace("\t", "    ")
    return [line.rstrip() for line in _INVISIBLE.sub("", text).split("\n")]


def _clean(text: str) -> str:
    lines = (_RUN_OF_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _unlink(text: str) -> tuple[str, list[str], str | None]:
    """Markdown links become their text: (text, urls, text of a link that opens the line)."""
    urls: list[str] = []
    lead: list[str] = []

    def keep_text(match: re.Match[str]) -> str:
        if match.group(1):  # an image: its alt text is a caption, not part of the story
            return ""
        urls.append(match.group(3))
        if not urls[1:] and not text[: match.start()].strip(" *_"):
            lead.append(match.group(2).strip(" *_"))
        return match.group(2)

    if "](" in text:
        text = _LINK.sub(keep_text, text)
    if "://" in text:
        text = _AUTOLINK.sub(lambda m: m.group(1), text)
        urls.extend(m.group(0).rstrip(".,;:") for m in _BARE_URL.finditer(text))
    return text, list(dict.fromkeys(urls)), lead[0] if lead else None


def _strip_markup(text: str) -> str:
    text = _UNDERSCORE.sub(r"\1", _EMPHASIS.sub(r"\1", _STRONG.sub("", text)))
    return _ESCAPE.sub(r"\1", text.replace("`", ""))


def _plain(text: str) -> str:
    return " ".join((_strip_markup(text) if _MARKUP_CHAR.search(text) else text).split())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") or char in "\ufe0f\u200d\u20e3"


def _strip_symbols(text: str) -> str:
    """'📰 Evening digest' -> 'Evening digest'."""
    start = 0
    while start < len(text) and (text[start] == " " or _is_symbol(text[start])):
        start += 1
    return text[start:].strip()


# ------------------------------------------------------------------------------ header

_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATES = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<y>\d{{4}}))?\b", re.I
    ),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}})\b)?", re.I),
    re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\b"),
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY = re.compile(
    r"\b(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:day|nesday|rsday|urday)?\b\.?", re.I
)
_DATE_LABEL = re.compile(
    r"^(?:last\s+)?(?:published|updated|posted|date|as of|edition|issue|on)\b(?:\s+on\b)?", re.I
)
_TAGS_LABEL = re.compile(r"^(?:tags|keywords|topics)\s*:\s*(?P<tags>\S.*)$", re.I)
_SEPARATORS = " :|,•·–—-"


def _read_header(
    lines: list[str], meta: _Meta, default_date: dt.date | None, today: dt.date
) -> list[str]:
    """Take a date line (and the title beside or above it) and a keyword line off the top."""
    lines = list(lines)
    title_above: int | None = None
    seen = 0
    for index, line in enumerate(lines):
        if not line:
            continue
        if seen == 5 or _BULLET.match(line):
            break
        seen += 1
        plain = _plain(heading.group(2) if (heading := _ATX.match(line)) else line)
        rest = _take_date(plain, meta, default_date, today) if meta.date is None else None
        if rest is not None:
            lines[index] = ""
            if not _title_beside_date(rest, meta) and title_above is not None:
                meta.line_title = _strip_symbols(_plain(lines[title_above].lstrip(" #")))
                lines[title_above] = ""
        elif not meta.tags and (tags := _tags(plain)):
            meta.tags, lines[index] = tags, ""
        title_above = index if seen == 1 and (_heading_like(plain) or _is_caps(plain)) else None
    return lines


def _take_date(line: str, meta: _Meta, default_date: dt.date | None, today: dt.date) -> str | None:
    """The date of a short line; returns the rest of the line, or None if there is no date."""
    if len(line.split()) > 12:
        return None
    for pattern in _DATES:
        match = pattern.search(line)
        if match and (found := _to_date(match, default_date, today)):
            meta.date = found
            rest = _WEEKDAY.sub(" ", f"{line[: match.start()]} {line[match.end() :]}")
            return _strip_symbols(" ".join(rest.split()).strip(_SEPARATORS))
    return None


def _title_beside_date(rest: str, meta: _Meta) -> bool:
    """'Nov 2 : E-Stories' has a title; 'Published 2023-11-10 by Jane Doe' has an author."""
    rest = _DATE_LABEL.sub("", rest).strip(_SEPARATORS)
    if not rest:
        return False
    if not _take_author(rest, meta) and len(rest.split()) <= 8:
        meta.line_title = rest
    return True


def _to_date(match: re.Match[str], default_date: dt.date | None, today: dt.date) -> dt.date | None:
    groups = match.groupdict()
    month = _MONTHS.index(groups["mon"][:3].lower()) + 1 if groups.get("mon") else int(groups["m"])
    day, year = int(groups["d"]), groups.get("y")
    if year:
        return _safe_date(int(year), month, day)
    if default_date is not None:  # the year that puts the date closest to the hint
        near = default_date.year
        options = [d for y in (near - 1, near, near + 1) if (d := _safe_date(y, month, day))]
        return min(options, key=lambda d: abs(d - default_date), default=None)
    for year_back in range(today.year, today.year - 8, -1):  # the latest one not in the future
        candidate = _safe_date(year_back, month, day)
        if candidate and candidate <= today:
            return candidate
    return None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _tags(line: str) -> tuple[str, ...]:
    """'#a #b', 'Tags: a, b' or a run of capitalised keywords ('Day616 100TownsHit Clooney ...')."""
    if labelled := _TAGS_LABEL.match(line):
        return tuple(t.strip(" #") for t in re.split(r"[,;]", labelled["tags"]) if t.strip(" #"))
    words = line.split()
    if len(words) >= 2 and all(w.startswith("#") and len(w) > 1 for w in words):
        return tuple(w.lstrip("#") for w in words)
    if len(words) < 6 or any(
        w[-1] in ".,;:!?" or not (w[0].isupper() or w[0].isdigit()) for w in words
    ):
        return ()
    # a Title Case headline is not a keyword line; keyword lines have odd tokens or many of them
    odd = sum(1 for w in words if "&" in w or any(c.isdigit() for c in w) or _inner_capital(w))
    return tuple(words) if len(words) >= 8 or odd >= 2 else ()


def _inner_capital(word: str) -> bool:
    return not word.isupper() and any(c.isupper() for c in word[1:])


# ------------------------------------------------------------------------------ lines into blocks

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?$")
_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)$")
_RULE = re.compile(r"^ {0,3}(?:(?:[-*_=~•·][ \t]*){3,}|\.{3,})$")
_BULLET = re.compile(
    r"^(?P<indent> *)(?P<marker>[-*+•·◦‣⁃▪▫●○■□►▸▹▶➤➢→✓✔✗–—]|\d{1,3}[.)]|\(\d{1,3}\))"
    r"[ \t]+(?P<text>\S.*)$"
)
_TRAILING_LINK = re.compile(r"\[([^\[\]\n]{1,60})\]\([^()\s]{1,2000}\)$")
_CITATION_BEFORE = frozenset('.!?"”’)—–-|:')
_QUOTE_LINE = re.compile(r"^ {0,3}>[ \t]?")
_BOLD_LEAD = re.compile(r"^(?:\*\*|__)(?P<lead>[^*_\n]{1,200}?)(?:\*\*|__)(?P<rest>.*)$")
_STRAY_STOP = re.compile(r"^[.,;]+(?=[A-Z])")  # ".PM Shmyhal: ..."
_DASHES = frozenset("-–—")
_LIST_MARKERS = frozenset("-*+•·◦‣⁃▪▫●○■□►▸▹▶➤➢→✓✔✗–—")
_TERMINAL = ".,;:!"


@dataclass
class _Block:
    kind: str  # "heading" | "bullet" | "para" | "junk" | "source" | "author"
    text: str  # links replaced by their text; Markdown emphasis still in place
    level: int = 0  # headings: 1-6 Markdown, 4 a bold line, 5 inferred, 6 a story title
    indent: int = 0
    marker: str = ""
    blank_before: bool = True
    quote: bool = False
    lead: str | None = None  # a run-in headline: "**Title.** body", "[Title](url) - Source"
    links: list[str] = field(default_factory=list)
    _memo: tuple[str, str] = ("", "")  # (text, plain text): blocks are judged many times

    @property
    def plain(self) -> str:
        if self._memo[0] is not self.text:
            self._memo = (self.text, _plain(self.text))
        return self._memo[1]


def _is_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped text (e-mail style), whose lines join into paragraphs."""
    if max(map(len, lines), default=0) > 100:
        return False
    breaks = sum(
        1
        for a, b in pairwise(lines)
        if len(a) >= 55 and b and a[-1] not in ".!?:" and not _BULLET.match(b)
    )
    return breaks >= 2


def _group(lines: list[str], wrapped: bool, meta: _Meta) -> list[_Block]:
    """Lines into blocks: continuation lines join their bullet or paragraph."""
    blocks: list[_Block] = []
    blank = True
    for line in lines:
        if not line.strip():
            blank = True
            continue
        if _UNDERLINE.match(line) and blocks and not blank and blocks[-1].kind == "para":
            blocks[-1].kind, blocks[-1].level = "heading", 1 if "=" in line else 2
            continue
        block = _classify(line)
        if block is None:  # a horizontal rule
            blank = True
            continue
        _mark_junk(block, meta)
        if blocks and not blank and _joins(blocks[-1], block, wrapped):
            _join(blocks[-1], block)
        else:
            block.blank_before = blank
            blocks.append(block)
        blank = False
    return blocks


def _classify(line: str) -> _Block | None:
    quote = bool(_QUOTE_LINE.match(line))
    if quote:
        line = _QUOTE_LINE.sub("", line)
    if heading := _ATX.match(line):
        text, links, _ = _unlink(heading.group(2))
        return _Block("heading", text, level=len(heading.group(1)), links=links)
    if _RULE.match(line):
        return None
    marker, body = _bullet(line)
    text, links, lead = _unlink(_cite_trailing_link(body.strip()))
    indent = len(line) - len(line.lstrip(" "))
    block = _Block("bullet" if marker else "para", text, indent=indent, marker=marker, quote=quote)
    block.links, block.lead = links, lead if lead and len(lead.split()) >= 3 else None
    if bold := _BOLD_LEAD.match(text):
        rest = bold.group("rest").strip()
        if not marker and not rest.strip(" :."):  # a whole bold line is a heading
            return _Block("heading", bold.group("lead").strip(" :"), level=4, links=links)
        if rest:
            block.lead = bold.group("lead").strip().rstrip(":").strip()
    if not marker:
        block.text = _STRAY_STOP.sub("", text)
    return block


def _cite_trailing_link(text: str) -> str:
    """'... won the election. [Politico](https://...)' cites Politico: wrap it in parentheses."""
    start = text.rfind("[") if text.endswith(")") else -1
    link = _TRAILING_LINK.match(text, start) if start > 0 else None
    if link is None or text[:start].rstrip()[-1:] not in _CITATION_BEFORE:
        return text
    return f"{text[:start]}({text[start:]})" if sources.looks_like_source(link[1]) else text


def _bullet(line: str) -> tuple[str, str]:
    if match := _BULLET.match(line):
        return match.group("marker"), match.group("text")
    stripped = line.lstrip(" ")
    end = 0
    while end < min(len(stripped), 8) and _is_symbol(stripped[end]):
        end += 1
    if 0 < end < len(stripped) and stripped[end] == " " and stripped[end:].strip():
        return stripped[:end], stripped[end:]  # emoji bullets: 🔹 ▪️ 📌 🇺🇦
    return "", line


def _joins(last: _Block, block: _Block, wrapped: bool) -> bool:
    """Does this line (no blank line before it) continue the block above?"""
    if block.kind == "bullet" and last.kind == "bullet":  # a nested bullet joins its parent
        return block.indent >= last.indent + 2 and not _heading_like(last.plain)
    if block.kind != "para" or last.kind not in ("para", "bullet") or block.lead:
        return False
    if last.quote or block.quote:
        return last.quote == block.quote
    starts_low = block.plain[:1].islower()
    if last.kind == "bullet":
        return block.indent > last.indent or starts_low or not _heading_like(block.plain)
    if wrapped:
        return not (_heading_like(block.plain) and last.plain[-1:] in ".!?:")
    return starts_low and last.plain[-1:] not in ".!?:"


def _join(last: _Block, block: _Block) -> None:
    title = not block.plain[:1].islower() and last.plain[-1:] not in ",;"
    if last.kind == "bullet" and last.lead is None and title and _heading_like(last.plain):
        last.lead = last.plain  # "1. Fed holds rates" over its paragraph: the item's headline
        last.text += "\n" + block.text
    else:
        last.text += " " + block.text
    last.links += block.links


# ------------------------------------------------------------------------------ junk and authors

_JUNK = re.compile(
    r"""^(?:all\ news|(?:read|see)\ (?:more|also)|read\ (?:the\ )?(?:full\ )?(?:story|article)
    |continue\ reading|more(?:\ news|\ stories)?|share(?:\ this(?:\ article|\ story|\ post)?)?
    |share\ (?:on|via)\ \w+|tweet|print|e-?mail|comments?|like|reply|subscribe(?:\ now|\ here)?
    |subscribe\ to\ .{1,60}|sign\ up.{0,60}|sign\ in|log\ ?in|register|advertisement|advert|ad
    |sponsored(?:\ content)?|related(?:\ articles|\ stories|\ posts|\ content|\ news)?|top|home
    |back\ to\ top|menu|search|skip\ to\ (?:main\ )?content|(?:previous|next)(?:\ post|\ story)?
    |click\ here.{0,60}|(?:view|see|load|show)\ (?:all|more).{0,40}|follow\ us.{0,60}
    |unsubscribe.{0,80}|view\ (?:this\ email\ )?in\ (?:your\ )?browser|forwarded\ this.{0,60}
    |manage\ (?:your\ )?(?:preferences|subscription).{0,40}|©.{0,160}|copyright\b.{0,160}
    |(?:photo|image|picture|credit|credits|illustration)\s*(?::|by)\s.{1,120}
    |(?:getty\ images|ap\ photo|afp\ via|reuters/|epa-efe).{0,80}|all\ rights\ reserved.{0,60}
    |that['’]s\ (?:all|it)\ for\ today.{0,60}|thanks?\ (?:you\ )?for\ reading.{0,80}
    |see\ you\ (?:tomorrow|next\ week|soon).{0,40}|until\ next\ time.{0,40}
    |you(?:['’]re|\ are)\ receiving\ this.{0,120}|you\ received\ this.{0,120}
    |this\ email\ was\ sent.{0,120})[\s.!:›»>→|]*$""",
    re.I | re.X,
)
_SOCIAL = re.compile(
    r"^(?:(?:facebook|twitter|x|linkedin|whatsapp|telegram|e-?mail|reddit|pinterest|copy\ link"
    r"|print|share)[\s,|·•/]*){2,}$",
    re.I | re.X,
)
_COOKIES = re.compile(r"\bcookies?\b.*\b(?:accept|consent|privacy|policy|settings|use)\b", re.I)
_AUTHOR = re.compile(
    r"^(?:(?P<label>authors?|written\ by|compiled\ by|edited\ by|posted\ by)\s*[:\-–—]?|by)\s+"
    r"(?P<who>\S.{0,150})$",
    re.I | re.X,
)
_AUTHOR_PARTS = re.compile(r"\s*[,|;]\s*|\s+[–—-]\s+")
_JOB_TITLE = re.compile(
    r"\b(?:analyst|editor|reporter|correspondent|writer|journalist|director|manager|fellow"
    r"|researcher|contributor|producer|intern|chief|head|senior|staff|columnist)\b",
    re.I,
)


def _mark_junk(block: _Block, meta: _Meta) -> None:
    """Page leftovers, author lines and 'Source: X' lines are not items."""
    if block.kind not in ("para", "bullet"):
        return
    plain = block.plain.strip(" •-*›»→|")
    cookies = "ookie" in plain and _COOKIES.search(plain) and len(plain.split()) <= 60
    if cookies or _JUNK.match(plain) or _SOCIAL.match(plain) or not any(map(str.isalnum, plain)):
        block.kind = "junk"
    elif block.kind == "para" and sources.source_line(plain):
        block.kind = "source"
    elif block.kind == "para" and _take_author(plain, meta):
        block.kind = "author"


def _take_author(line: str, meta: _Meta) -> bool:
    """'Author: Sophie Adams-Smith, Media Analyst, Promote Ukraine' -> author and publisher."""
    match = _AUTHOR.match(line)
    if not match:
        return False
    who = match.group("who").strip()
    if not match.group("label") and (
        len(line.split()) > 7 or not who[:1].isupper() or who[-1] in ".!?"
    ):
        return False  # "By contrast, ..." and "By Monday the army ..." are prose
    parts = [part for part in _AUTHOR_PARTS.split(who) if part]
    meta.author = meta.author or parts[0]
    if len(parts) > 1 and not _JOB_TITLE.search(parts[-1]):
        meta.publisher = meta.publisher or parts[-1]
    return True


# ------------------------------------------------------------------------------ headings


def _heading_like(text: str) -> bool:
    """Short, one line, no closing punctuation: 'Combat Situation Update', 'Catching up…'."""
    text = _strip_symbols(text)
    words = text.split()
    if not 1 <= len(words) <= 12 or len(text) > 90 or "://" in text:
        return False
    if (text[-1] in _TERMINAL and not text.endswith("...")) or (text[-1] == "?" and len(words) > 8):
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘«"):
        return False
    if _has_two_sentences(text):
        return False
    return not sources.take_trailing_sources(text)[1]  # "Fed holds rates - BBC" is a story


def _is_caps(text: str) -> bool:
    if not text.isupper() or len(text.split()) > 12 or len(text) > 90:
        return False
    return sum(map(str.isalpha, text)) >= 3


def _is_label(text: str) -> bool:
    """'Europe:' or 'Top stories:' over a list is a heading; 'Here are the stories:' is not."""
    words = text.split()
    return text.endswith(":") and len(words) <= 3 and words[0].lower() != "here"


def _candidate(blocks: list[_Block], index: int) -> bool:
    """Could this block be a heading, judging by its shape and what follows it?"""
    block = blocks[index]
    following = blocks[index + 1] if index + 1 < len(blocks) else None
    plain = block.plain
    if block.quote or block.kind not in ("para", "bullet"):
        return False
    if not (_heading_like(plain) or _is_caps(plain) or (_is_label(plain) and following)):
        return False
    if block.kind == "bullet":  # a label over its own list: "📌 WORLD" over "• ...", "- Europe"
        if following is None or following.kind != "bullet":
            return False
        label = _is_caps(plain) or len(plain.split()) <= 6
        emoji = _is_symbol(block.marker[0]) and block.marker not in _LIST_MARKERS
        emoji = emoji and following.marker != block.marker
        return label and (emoji or following.indent > block.indent)
    if following is None or following.kind in ("bullet", "heading") or _is_caps(plain):
        return True
    return following.kind == "para" and (
        _heading_like(following.plain) or len(following.plain) > 1.3 * len(plain) + 20
    )


def _is_caption(block: _Block, previous: _Block | None, any_blank: bool) -> bool:
    """'United Nations' under a story: no punctuation at all, hugging the item above."""
    text = block.plain
    if previous is None or previous.kind not in ("bullet", "para") or _is_caps(text):
        return False
    bare = len(text.split()) <= 5 and all(c.isalnum() or c in " -'’/&." for c in text)
    return bare and (not block.blank_before or not any_blank)


def _infer_headings(blocks: list[_Block]) -> list[_Block]:
    """Decide which short lines are section headings, story titles, captions or leftovers."""
    blocks = _drop_junk(blocks)
    any_blank = any(b.blank_before for b in blocks[1:])
    candidates = [_candidate(blocks, i) for i in range(len(blocks))]
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if not candidates[index]:
            index += 1
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        chained = following is not None and (candidates[index + 1] or following.kind == "heading")
        previous = blocks[index - 1] if index else None
        if following is None or (chained and _is_caption(block, previous, any_blank)):
            block.kind = "junk"  # a caption, or a short line dangling after the last story
            index += 1
            continue
        block.kind, block.level, block.text = "heading", 5, _heading_text(block)
        after = blocks[index + 2] if index + 2 < len(blocks) else None
        if chained and following.kind != "heading" and after and after.kind == "para":
            # "Programming…" / "China's Military Diplomacy ..." / "by ..." / the story
            following.kind, following.level = "heading", 6
            following.text = _heading_text(following)
            index += 2 if index + 2 < len(blocks) and candidates[index + 2] else 1
        index += 1
    return _drop_junk(blocks)


def _drop_junk(blocks: list[_Block]) -> list[_Block]:
    kept: list[_Block] = []
    for block in blocks:
        if block.kind != "junk":
            kept.append(block)
        elif kept and kept[-1].kind in ("bullet", "para"):
            kept[-1].links += block.links  # "Read more: https://..." belongs to the story above
    return kept


def _heading_text(block: _Block) -> str:
    return _strip_symbols(block.plain).rstrip(":").strip()


def _take_title(blocks: list[_Block], meta: _Meta, title: str | None) -> list[_Block]:
    """A heading over the whole digest (a lone top heading, the page title) is not a section."""
    if not blocks or blocks[0].kind != "heading":
        return blocks
    first, second = blocks[0], blocks[1] if len(blocks) > 1 else None
    known = {t.casefold() for t in (title, meta.title, meta.line_title) if t}
    lone_h1 = first.level == 1 and sum(b.kind == "heading" and b.level == 1 for b in blocks) == 1
    over = second is not None and second.kind == "heading" and second.level <= first.level
    if lone_h1 or over or first.plain.casefold() in known:
        meta.heading_title = _heading_text(first)
        return blocks[1:]
    return blocks


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
_STOPWORDS = _words(
    "the and for with from that this these those its their his her they she not but will would"
    " could can may might more than over about after before into also which who what when"
    " where while since said says say according reported report reports new first last year"
    " years day days week one two three against all any some such other only just very was"
    " were are has have had been being there here then now out off under well even most many"
    " much per via him them our ours you your"
)


@dataclass
class _Draft:
    section: str | None
    parts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    headline: str | None = None
    bullet: str = ""  # the list marker, if the story is a list item
    absorbing: bool = False  # under a story title: takes every paragraph up to the next heading
    speech: bool = False  # opened by "...:": takes the first-person speech that follows
    listing: bool = False  # opened by "...:": takes the short list items that follow

    _topics: tuple[int, tuple[str, ...]] = (0, ())  # (parts seen, their topic words)

    def add(self, block: _Block) -> None:
        if not self.parts and self.headline is None and block.lead:
            self.headline = _plain(block.lead)
        self.parts.append(block.text)
        self.links.extend(block.links)

    def topic_words(self) -> tuple[str, ...]:
        seen, words = self._topics
        if seen < len(self.parts):
            words = (*words, *_topic_words(" ".join(self.parts[seen:])))
            self._topics = (len(self.parts), words)
        return words


def _assemble(blocks: list[_Block]) -> list[Item]:
    top = min((b.level for b in blocks if b.kind == "heading"), default=0)
    bullets = sum(b.kind == "bullet" for b in blocks)
    bullet_doc = bullets >= 2 and bullets >= sum(b.kind == "para" for b in blocks)
    drafts: list[_Draft] = []
    section: str | None = None
    current: _Draft | None = None
    for index, block in enumerate(blocks):
        if block.kind == "heading" and block.level <= top:
            section, current = _heading_text(block), None
        elif block.kind == "heading":  # a story title: the paragraphs below are its story
            current = _Draft(section, headline=_heading_text(block), absorbing=True)
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
    finished = [item for draft in drafts if (item := _finish(draft))]
    return [replace(item, position=position) for position, item in enumerate(finished)]


def _cites(block: _Block, current: _Draft) -> bool:
    """'– Reuters' on its own line under an item cites it (unless the list itself uses '–')."""
    if block.marker not in _DASHES or block.marker == current.bullet or block.blank_before:
        return False
    if len(block.plain.split()) > 4:
        return False
    names = sources.split_sources(block.plain)
    current.sources.extend(names)
    return bool(names)


def _take_bullet(
    block: _Block, current: _Draft | None, section: str | None, drafts: list[_Draft]
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


def _lists(current: _Draft, block: _Block) -> bool:
    """Short list items under a paragraph ending with ':' are part of that paragraph's story."""
    if current.bullet or not current.parts or len(block.plain.split()) > 8:
        return False
    current.listing = current.listing or _plain(current.parts[-1]).endswith(":")
    return current.listing


def _is_preamble(block: _Block, following: _Block | None, bullet_doc: bool) -> bool:
    """Greetings, notes from the editor and the line introducing the first list."""
    plain = block.plain
    if _PREAMBLE.search(plain):
        return True
    if following is None or following.kind != "bullet":
        return False
    return plain.endswith(":") or (bullet_doc and len(plain.split()) <= 30)


def _belongs(current: _Draft, block: _Block) -> bool:
    """Does this paragraph continue the story above? (the multi-paragraph story heuristics)"""
    if current.absorbing:
        return True
    if block.lead or not current.parts:
        return False
    text, last = block.plain, _plain(current.parts[-1])
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
    first = _plain(current.parts[0])
    words = len(first.split())
    if words > 14 or first[-1:] in ",;:" or _has_two_sentences(first):
        return False
    if len(text.split()) < max(12, 2 * words):
        return False
    return not sources.take_trailing_sources(text)[1]  # a paragraph citing its own source stands


def _same_topic(current: _Draft, text: str) -> bool:
    """A long paragraph sharing a phrase and several topic words with the story above continues it.

    ("Russia has shelled 100 towns and villages" -> "Moscow has fired shells on cities, towns and
    villages ..."). Only lowercase words count, so two stories about one country do not merge.
    """
    lead = _lead_sentence(text)
    if len(lead.split()) <= 15 or _LABEL.match(text):
        return False  # a short lead sentence or a "Label:" is a run-in headline: a new story
    before, after = current.topic_words(), _topic_words(lead)
    if len(set(before) & set(after)) < 3:
        return False
    return bool(set(pairwise(before)) & set(pairwise(after)))


def _topic_words(text: str) -> list[str]:
    words = (w.lower().replace("’", "'").removesuffix("'s") for w in _TOPIC_WORD.findall(text))
    return [_stem(w) for w in words if w not in _STOPWORDS]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _promote_story_titles(drafts: list[_Draft]) -> None:
    """Headings that each sit over exactly one paragraph are story titles, not sections."""
    named = [d.section for d in drafts]
    if len(drafts) < 2 or None in named or len(set(named)) != len(drafts):
        return
    if not any(d.bullet or d.headline for d in drafts):
        for draft in drafts:
            draft.headline, draft.section = draft.section, None


def _finish(draft: _Draft) -> Item | None:
    cited: list[str] = []
    paragraphs: list[str] = []
    for part in draft.parts:
        if _MARKUP_CHAR.search(part):
            part = _strip_markup(part)
        text, found = sources.take_trailing_sources(_clean(part))
        cited.extend(found)
        paragraphs.append(text)
    body = "\n".join(p for p in paragraphs if p)
    if read_more := _READ_MORE.search(body, max(0, len(body) - 40)):  # "... [Read more](url)"
        body = body[: read_more.start()]
    if not cited and not draft.sources:
        body, found = sources.take_prose_sources(body)
        cited.extend(found)
    headline = draft.headline or _headline(body)
    body = body or headline or ""
    if not body:
        return None
    names = sources.dedupe([*cited, *draft.sources])
    links = tuple(dict.fromkeys(draft.links))
    return Item(0, draft.section, _shorten(headline or body), body, names, links)


# ------------------------------------------------------------------------------ sentences

_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = _words(
    "mr mrs ms dr st gen col lt sgt capt gov sen rep prof jr sr inc ltd co corp vs etc e.g i.e"
    " no jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m p.m approx fig"
    " vol mt ft rev hon adm maj cmdr brig pres"
)


def _headline(body: str) -> str:
    first = body.split("\n", 1)[0]
    if first.endswith(":") and len(first.split()) <= 20:
        return first.rstrip(":").strip()  # "President Zelenskyy's evening address on unity:"
    return _lead_sentence(first)


def _lead_sentence(text: str) -> str:
    for match in _BOUNDARY.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()].rsplit(None, 1)
        word = before[-1].lstrip("\"'“‘([").lower() if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # "Nov. 1", "St. Anthony's", "Bonnie S. Glaser"
        return text[: match.end()].strip()
    return text.strip()


def _has_two_sentences(text: str) -> bool:
    return len(_lead_sentence(text)) < len(text.strip())


def _shorten(text: str, limit: int = 300) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
