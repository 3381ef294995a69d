"""Lines into blocks, and which blocks are headings, story titles, captions or page junk.

Also the text helpers the digest parser shares: Markdown links and emphasis, symbols, sentences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from briefings import sources
from briefings.sentences import first_sentences

# ------------------------------------------------------------------------------ clean text

_LINK = re.compile(
    r"(!?)\[([^\[\]\n]{0,500})\]\(\s*<?([^()\s<>]{1,2000})>?(?:\s+\"[^\"\n]{0,300}\")?\s*\)"
)
_AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,2000})>")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]\"'”’]{1,2000}")
_STRONG = re.compile(r"\*\*|__")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]{1,300}?)(?<=\S)\*(?![\w*])")
_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)([^_\n]{1,300}?)(?<=\S)_(?![\w_])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def _unlink(text: str) -> tuple[str, list[str], str | None]:
    """Markdown links become their text: (text, urls, text of a link that opens the line)."""
    if "](" not in text and "://" not in text:
        return text, [], None
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


def strip_markup(text: str) -> str:
    text = _UNDERSCORE.sub(r"\1", _EMPHASIS.sub(r"\1", _STRONG.sub("", text)))
    return _ESCAPE.sub(r"\1", text.replace("`", ""))


def has_markup(text: str) -> bool:
    """Is there anything for `strip_markup` to take away? ('*', '_', '`' or a backslash)"""
    return "*" in text or "_" in text or "`" in text or "\\" in text


def plain_text(text: str) -> str:
    """Without Markdown emphasis, and every run of whitespace one space."""
    if has_markup(text):
        text = strip_markup(text)
    elif "  " not in text and text.isprintable() and text[:1] != " " and text[-1:] != " ":
        return text  # already plain: the only whitespace in printable text is " "
    return " ".join(text.split())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk") or char in "\ufe0f\u200d\u20e3"


def strip_symbols(text: str) -> str:
    """'📰 Evening digest' -> 'Evening digest'."""
    if text[:1].isalnum():  # the usual case: no symbol to take off
        return text.strip()
    start = 0
    while start < len(text) and (text[start] == " " or _is_symbol(text[start])):
        start += 1
    return text[start:].strip()


# ------------------------------------------------------------------------------ sentences

def lead_sentence(text: str) -> str:
    return first_sentences(text).strip()


def has_two_sentences(text: str) -> bool:
    return len(lead_sentence(text)) < len(text.strip())


# ------------------------------------------------------------------------------ lines into blocks

ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?$")
_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)$")
_RULE = re.compile(r"^ {0,3}(?:(?:[-*_=~•·][ \t]*){3,}|\.{3,})$")
_RULE_MARKS = frozenset("-*_=~•·.")
BULLET = re.compile(
    r"^(?P<indent> *)(?P<marker>[-*+•·◦‣⁃▪▫●○■□►▸▹▶➤➢→✓✔✗–—]|\d{1,3}[.)]|\(\d{1,3}\))"
    r"[ \t]+(?P<text>\S.*)$"
)
_TRAILING_LINK = re.compile(r"\[([^\[\]\n]{1,60})\]\([^()\s]{1,2000}\)$")
_CITATION_BEFORE = frozenset('.!?"”’)—–-|:')
_QUOTE_LINE = re.compile(r"^ {0,3}>[ \t]?")
_BOLD_LEAD = re.compile(r"^(?:\*\*|__)(?P<lead>[^*_\n]{1,200}?)(?:\*\*|__)(?P<rest>.*)$")
_STRAY_STOP = re.compile(r"^[.,;]+(?=[A-Z])")  # ".PM Shmyhal: ..."
_LIST_MARKERS = frozenset("-*+•·◦‣⁃▪▫●○■□►▸▹▶➤➢→✓✔✗–—")
_TERMINAL = ".,;:!"


@dataclass(slots=True)
class Block:
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
            self._memo = (self.text, plain_text(self.text))
        return self._memo[1]


def is_wrapped(lines: list[str]) -> bool:
    """Hard-wrapped text (e-mail style), whose lines join into paragraphs."""
    if max(map(len, lines), default=0) > 100:
        return False
    breaks = sum(
        1
        for a, b in pairwise(lines)
        if len(a) >= 55 and b and a[-1] not in ".!?:" and not BULLET.match(b)
    )
    return breaks >= 2


def group_lines(lines: list[str], wrapped: bool, is_author: Callable[[str], bool]) -> list[Block]:
    """Lines into blocks: continuation lines join their bullet or paragraph.

    `is_author` judges (and records) an author line: 'By Jane Doe', 'Author: ...'.
    """
    blocks: list[Block] = []
    blank = True
    for line in lines:
        if not line.strip():
            blank = True
            continue
        if blocks and not blank and blocks[-1].kind == "para" and _UNDERLINE.match(line):
            blocks[-1].kind, blocks[-1].level = "heading", 1 if "=" in line else 2
            continue
        block = _classify(line)
        if block is None:  # a horizontal rule
            blank = True
            continue
        _mark_junk(block, is_author)
        if blocks and not blank and _joins(blocks[-1], block, wrapped):
            _join(blocks[-1], block)
        else:
            block.blank_before = blank
            blocks.append(block)
        blank = False
    return blocks


def _classify(line: str) -> Block | None:
    # (each pattern is only tried when the line opens with what it needs: most lines are prose)
    quote = ">" in line[:4] and bool(_QUOTE_LINE.match(line))
    if quote:
        line = _QUOTE_LINE.sub("", line)
    if "#" in line[:4] and (heading := ATX.match(line)):
        text, links, _ = _unlink(heading.group(2))
        return Block("heading", text, level=len(heading.group(1)), links=links)
    stripped = line.lstrip(" ")
    if stripped[:1] in _RULE_MARKS and _RULE.match(line):
        return None
    marker, body = _bullet(line)
    text, links, lead = _unlink(_cite_trailing_link(body.strip()))
    lead = lead if lead and len(lead.split()) >= 3 else None
    indent = len(line) - len(stripped)
    kind = "bullet" if marker else "para"
    block = Block(kind, text, indent=indent, marker=marker, quote=quote, lead=lead, links=links)
    if text.startswith(("**", "__")) and (bold := _BOLD_LEAD.match(text)):
        rest = bold.group("rest").strip()
        if not marker and not rest.strip(" :."):  # a whole bold line is a heading
            return Block("heading", bold.group("lead").strip(" :"), level=4, links=links)
        if rest:
            block.lead = bold.group("lead").strip().rstrip(":").strip()
    if not marker and text.startswith((".", ",", ";")):
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
    if match := BULLET.match(line):
        return match.group("marker"), match.group("text")
    stripped = line.lstrip(" ")
    if stripped[:1].isalnum():  # no emoji bullet either
        return "", line
    end = 0
    while end < min(len(stripped), 8) and _is_symbol(stripped[end]):
        end += 1
    if 0 < end < len(stripped) and stripped[end] == " " and stripped[end:].strip():
        return stripped[:end], stripped[end:]  # emoji bullets: 🔹 ▪️ 📌 🇺🇦
    return "", line


def _joins(last: Block, block: Block, wrapped: bool) -> bool:
    """Does this line (no blank line before it) continue the block above?"""
    if block.kind == "bullet" and last.kind == "bullet":  # a nested bullet joins its parent
        return block.indent >= last.indent + 2 and not heading_like(last.plain)
    if block.kind != "para" or last.kind not in ("para", "bullet") or block.lead:
        return False
    if last.quote or block.quote:
        return last.quote == block.quote
    starts_low = block.plain[:1].islower()
    if last.kind == "bullet":
        return block.indent > last.indent or starts_low or not heading_like(block.plain)
    if wrapped:
        return not (heading_like(block.plain) and last.plain[-1:] in ".!?:")
    return starts_low and last.plain[-1:] not in ".!?:"


def _join(last: Block, block: Block) -> None:
    title = not block.plain[:1].islower() and last.plain[-1:] not in ",;"
    if last.kind == "bullet" and last.lead is None and title and heading_like(last.plain):
        last.lead = last.plain  # "1. Fed holds rates" over its paragraph: the item's headline
        last.text += "\n" + block.text
    else:
        last.text += " " + block.text
    last.links += block.links


# ------------------------------------------------------------------------------ junk

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


def _mark_junk(block: Block, is_author: Callable[[str], bool]) -> None:
    """Page leftovers, author lines and 'Source: X' lines are not items."""
    if block.kind not in ("para", "bullet"):
        return
    plain = block.plain.strip(" •-*›»→|")
    cookies = "ookie" in plain and _COOKIES.search(plain) and len(plain.split()) <= 60
    if cookies or _JUNK.match(plain) or _SOCIAL.match(plain) or not any(map(str.isalnum, plain)):
        block.kind = "junk"
    elif block.kind == "para" and sources.source_line(plain):
        block.kind = "source"
    elif block.kind == "para" and is_author(plain):
        block.kind = "author"


# ------------------------------------------------------------------------------ headings


def heading_like(text: str) -> bool:
    """Short, one line, no closing punctuation: 'Combat Situation Update', 'Catching up…'."""
    text = strip_symbols(text)
    if len(text) > 90 or "://" in text:
        return False
    words = text.split()
    if not 1 <= len(words) <= 12:
        return False
    if (text[-1] in _TERMINAL and not text.endswith("...")) or (text[-1] == "?" and len(words) > 8):
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘«"):
        return False
    if has_two_sentences(text):
        return False
    return not sources.take_trailing_sources(text)[1]  # "Fed holds rates - BBC" is a story


def is_caps(text: str) -> bool:
    if not text.isupper() or len(text.split()) > 12 or len(text) > 90:
        return False
    return sum(map(str.isalpha, text)) >= 3


def _is_label(text: str) -> bool:
    """'Europe:' or 'Top stories:' over a list is a heading; 'Here are the stories:' is not."""
    if not text.endswith(":"):
        return False
    words = text.split()
    return len(words) <= 3 and words[0].lower() != "here"


def _candidate(blocks: list[Block], index: int) -> bool:
    """Could this block be a heading, judging by its shape and what follows it?"""
    block = blocks[index]
    following = blocks[index + 1] if index + 1 < len(blocks) else None
    plain = block.plain
    if block.quote or block.kind not in ("para", "bullet"):
        return False
    if not (heading_like(plain) or is_caps(plain) or (_is_label(plain) and following)):
        return False
    if block.kind == "bullet":  # a label over its own list: "📌 WORLD" over "• ...", "- Europe"
        if following is None or following.kind != "bullet":
            return False
        label = is_caps(plain) or len(plain.split()) <= 6
        emoji = _is_symbol(block.marker[0]) and block.marker not in _LIST_MARKERS
        emoji = emoji and following.marker != block.marker
        return label and (emoji or following.indent > block.indent)
    if following is None or following.kind in ("bullet", "heading") or is_caps(plain):
        return True
    return following.kind == "para" and (
        heading_like(following.plain) or len(following.plain) > 1.3 * len(plain) + 20
    )


def _is_caption(block: Block, previous: Block | None, any_blank: bool) -> bool:
    """'United Nations' under a story: no punctuation at all, hugging the item above."""
    text = block.plain
    if previous is None or previous.kind not in ("bullet", "para") or is_caps(text):
        return False
    bare = len(text.split()) <= 5 and all(c.isalnum() or c in " -'’/&." for c in text)
    return bare and (not block.blank_before or not any_blank)


def infer_headings(blocks: list[Block]) -> list[Block]:
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
        block.kind, block.level, block.text = "heading", 5, heading_text(block)
        after = blocks[index + 2] if index + 2 < len(blocks) else None
        if chained and following.kind != "heading" and after and after.kind == "para":
            # "Programming…" / "China's Military Diplomacy ..." / "by ..." / the story
            following.kind, following.level = "heading", 6
            following.text = heading_text(following)
            index += 2 if index + 2 < len(blocks) and candidates[index + 2] else 1
        index += 1
    return _drop_junk(blocks)


def _drop_junk(blocks: list[Block]) -> list[Block]:
    kept: list[Block] = []
    for block in blocks:
        if block.kind != "junk":
            kept.append(block)
        elif kept and kept[-1].kind in ("bullet", "para"):
            kept[-1].links += block.links  # "Read more: https://..." belongs to the story above
    return kept


def heading_text(block: Block) -> str:
    return strip_symbols(block.plain).rstrip(":").strip()
