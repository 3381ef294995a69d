"""Rendering every message a user reads: one jinja Environment over `templates/`.

Templates are Telegram HTML (`*.html.j2`): autoescape is on, so every string from a digest or a
user is escaped; StrictUndefined turns a typo in a template into an error in tests, not a blank.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from briefings.sentences import first_sentences

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MESSAGE_LIMIT = 4096

_TAG = re.compile(r"<(/?)([a-z-]+)([^>]*)>")
_ENTITY = re.compile(r"&[#a-zA-Z0-9]+;")


def join_sources(sources: Sequence[str]) -> str:
    """('Politico', 'Reuters') -> 'Politico, Reuters' (read as '— Politico, Reuters')."""
    return ", ".join(dict.fromkeys(sources))


def extract(text: str, sentences: int = 2, limit: int = 320) -> str:
    """The first sentences of a text's first paragraph, verbatim (a substring of `text`), cut
    at a word boundary within `limit` and then marked with "…"."""
    paragraph = text.strip().split("\n", 1)[0].rstrip()
    chosen = first_sentences(paragraph, sentences)
    if len(chosen) <= limit:
        return chosen
    cut = chosen[:limit].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return cut + "…"


def highlight(text: str, words: Iterable[str]) -> Markup:
    """Escape `text` and put the words (and their inflections) in bold."""
    stems = sorted({w.casefold()[: max(3, len(w) - 2)] for w in words if w.strip()}, key=len)
    escaped = str(escape(text))
    if not stems:
        return Markup(escaped)
    pattern = re.compile(
        r"(?<![\w&])(" + "|".join(re.escape(str(escape(s))) for s in reversed(stems)) + r")\w*",
        re.IGNORECASE,
    )
    return Markup(pattern.sub(lambda m: f"<b>{m.group(0)}</b>", escaped))


class Composer:
    """Renders templates and packs rendered blocks into Telegram-sized messages."""

    def __init__(self, templates: Path = TEMPLATES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(templates)),
            autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # Templates ship with the code; checking their files on every render (a stat per
            # message) is wasted in a fan-out of thousands.
            auto_reload=False,
        )
        self.env.filters["sources"] = join_sources
        self.env.filters["extract"] = extract
        self.env.filters["highlight"] = highlight

    def render(self, template: str, /, **context: Any) -> str:
        """Render `templates/<template>.html.j2`; blank lines in excess are squeezed.

        Positional-only, so a template may have a variable called `name` (buttons.html.j2).
        """
        text = self.env.get_template(f"{template}.html.j2").render(**context)
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def plain(self, template: str, /, **context: Any) -> str:
        """A template as plain text, for places Telegram does not parse HTML (buttons, alerts).

        Tags are dropped before entities are decoded, so `&` and `<` from a digest or a user
        come out as typed and never as markup.
        """
        return html.unescape(_TAG.sub("", self.render(template, **context)))

    def label(self, name: str, **context: Any) -> str:
        """The text of the inline button `name` in `templates/buttons.html.j2`."""
        return self.plain("buttons", name=name, **context)

    def pack(
        self, blocks: Iterable[str], limit: int = MESSAGE_LIMIT, sep: str = "\n\n"
    ) -> list[str]:
        """Pack rendered blocks into as few messages as fit, splitting only between blocks.

        A single block longer than `limit` is split safely with `split_html`.
        """
        messages: list[str] = []
        current = ""
        for block in blocks:
            block = block.strip()
            if not block:
                continue
            candidate = f"{current}{sep}{block}" if current else block
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                messages.append(current)
            if len(block) <= limit:
                current = block
            else:
                *whole, current = split_html(block, limit)
                messages.extend(whole)
        if current:
            messages.append(current)
        return messages


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into parts of at most `limit` characters.

    Cuts only outside tags and entities, preferring a newline, then a space; tags open at a
    cut are closed at its end and reopened at the start of the next part.
    """
    parts: list[str] = []
    rest = text
    reopen = ""
    while len(reopen) + len(rest) > limit:
        room = limit - len(reopen) - 64  # headroom for the closing tags we add
        cut = _cut_point(rest, max(room, 1))
        head, rest = rest[:cut], rest[cut:].lstrip()
        body = reopen + head
        stack = _open_tags(body)
        parts.append(body + "".join(f"</{name}>" for name, _ in reversed(stack)))
        reopen = "".join(opening for _, opening in stack)
    if rest.strip():
        parts.append(reopen + rest)
    return parts


def _cut_point(text: str, room: int) -> int:
    unsafe = _unsafe_spans(text[: room + 16])
    for marker in ("\n", " "):
        index = text.rfind(marker, 0, room)
        while index > 0 and any(start < index < end for start, end in unsafe):
            index = text.rfind(marker, 0, index)
        if index > room // 3:
            return index
    index = room
    for start, end in unsafe:
        if start < index < end:
            index = start
    return max(index, 1)


def _unsafe_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _TAG.finditer(text)] + [m.span() for m in _ENTITY.finditer(text)]


def _open_tags(html: str) -> list[tuple[str, str]]:
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2)
        if not closing:
            stack.append((name, match.group(0)))
        elif stack and stack[-1][0] == name:
            stack.pop()
    return stack
