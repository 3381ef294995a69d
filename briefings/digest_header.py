"""The top of a digest: its date line, the title beside or above it, a keyword line, authors.

`read_header` reads lines (before they are grouped into blocks), records what it finds in a `Meta`
and blanks the lines it used, so they do not become items; `take_author` judges author lines
anywhere; `take_title` takes a heading over the whole digest off the blocks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from briefings.digest_blocks import (
    ATX,
    BULLET,
    Block,
    heading_like,
    heading_text,
    is_caps,
    plain_text,
    strip_symbols,
)


@dataclass
class Meta:
    """What the parser learns about the digest as a whole, and the warnings it gives."""

    title: str | None = None  # from the page's metadata
    heading_title: str | None = None  # a lone top-level heading
    line_title: str | None = None  # beside or above the date line
    date: dt.date | None = None
    author: str | None = None
    publisher: str | None = None
    tags: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ dates and keywords

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


def read_header(
    lines: list[str], meta: Meta, default_date: dt.date | None, today: dt.date
) -> list[str]:
    """Take a date line (and the title beside or above it) and a keyword line off the top."""
    lines = list(lines)
    title_above: int | None = None
    seen = 0
    for index, line in enumerate(lines):
        if not line:
            continue
        if seen == 5 or BULLET.match(line):
            break
        seen += 1
        plain = plain_text(heading.group(2) if (heading := ATX.match(line)) else line)
        rest = _take_date(plain, meta, default_date, today) if meta.date is None else None
        if rest is not None:
            lines[index] = ""
            if not _title_beside_date(rest, meta) and title_above is not None:
                meta.line_title = strip_symbols(plain_text(lines[title_above].lstrip(" #")))
                lines[title_above] = ""
        elif not meta.tags and (tags := _tags(plain)):
            meta.tags, lines[index] = tags, ""
        title_above = index if seen == 1 and (heading_like(plain) or is_caps(plain)) else None
    return lines


def _take_date(line: str, meta: Meta, default_date: dt.date | None, today: dt.date) -> str | None:
    """The date of a short line; returns the rest of the line, or None if there is no date."""
    if len(line.split()) > 12:
        return None
    for pattern in _DATES:
        match = pattern.search(line)
        if match and (found := _to_date(match, default_date, today)):
            meta.date = found
            rest = _WEEKDAY.sub(" ", f"{line[: match.start()]} {line[match.end() :]}")
            return strip_symbols(" ".join(rest.split()).strip(_SEPARATORS))
    return None


def _title_beside_date(rest: str, meta: Meta) -> bool:
    """'Nov 2 : E-Stories' has a title; 'Published 2023-11-10 by Jane Doe' has an author."""
    rest = _DATE_LABEL.sub("", rest).strip(_SEPARATORS)
    if not rest:
        return False
    if not take_author(rest, meta) and len(rest.split()) <= 8:
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
    odd = sum(1 for w in words if "&" in w or _has_digit(w) or _inner_capital(w))
    return tuple(words) if len(words) >= 8 or odd >= 2 else ()


def _has_digit(word: str) -> bool:
    return not word.isalpha() and any(map(str.isdigit, word))  # letters are never digits


def _inner_capital(word: str) -> bool:
    rest = word[1:]
    return not word.isupper() and not rest.islower() and any(map(str.isupper, rest))


# ------------------------------------------------------------------------------ authors

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


def take_author(line: str, meta: Meta) -> bool:
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


# ------------------------------------------------------------------------------ the title


def take_title(blocks: list[Block], meta: Meta, title: str | None) -> list[Block]:
    """A heading over the whole digest (a lone top heading, the page title) is not a section."""
    if not blocks or blocks[0].kind != "heading":
        return blocks
    first, second = blocks[0], blocks[1] if len(blocks) > 1 else None
    known = {t.casefold() for t in (title, meta.title, meta.line_title) if t}
    lone_h1 = first.level == 1 and sum(b.kind == "heading" and b.level == 1 for b in blocks) == 1
    over = second is not None and second.kind == "heading" and second.level <= first.level
    if lone_h1 or over or first.plain.casefold() in known:
        meta.heading_title = heading_text(first)
        return blocks[1:]
    return blocks
