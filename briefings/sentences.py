"""Where sentences end: one rule for the parser's lead sentences, the briefing's extracts and the
story matcher's lead sentences.

A sentence ends at . ! ? or … (and any closing quotes or brackets) when whitespace and a capital
(Latin or Cyrillic), a digit or an opening quote follow, unless the stop closes an abbreviation:
"Nov. 1", "U.S. officials", "Gen. Smith", "Bonnie S. Glaser".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-ZА-ЯЁЇІЄҐ0-9])")
_STOPS = ".!?…"
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "prof",
    "jr", "sr", "inc", "ltd", "co", "corp", "vs", "etc", "no", "est", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "fig", "vol", "mt", "ft",
    "rev", "hon", "adm", "maj", "cmdr", "brig", "pres",
})
_DOTTED = re.compile(r"(?:[a-z]\.){1,3}[a-z]")  # u.s, e.g, a.m, u.s.a


def _closes_abbreviation(text: str, stop: int) -> bool:
    """Whether the stop at text[stop] ends an abbreviation rather than a sentence."""
    before = text[max(0, stop - 12) : stop].rsplit(None, 1)
    word = before[-1].lstrip("\"'“‘([").lower() if before else ""
    return (
        word in _ABBREVIATIONS
        or (len(word) == 1 and word.isalpha())
        or _DOTTED.fullmatch(word) is not None
    )


def sentence_ends(text: str) -> Iterator[int]:
    """Offsets just past each sentence end in `text` (after its stop and closing quotes)."""
    # No sentence ends before the first stop: the pattern need not look there.
    first = min((i for i in (text.find(stop) for stop in _STOPS) if i >= 0), default=-1)
    if first < 0:
        return
    for match in _END.finditer(text, first):
        if not _closes_abbreviation(text, match.start()):
            yield match.end()


def first_sentences(text: str, count: int = 1) -> str:
    """The first `count` sentences of `text`, verbatim; all of it if it has no more."""
    ends = list(islice(sentence_ends(text), count))
    return text[: ends[-1]] if len(ends) == count else text


def split_sentences(text: str) -> list[str]:
    """Every sentence of `text`, stripped, in order."""
    pieces, start = [], 0
    for end in sentence_ends(text):
        pieces.append(text[start:end].strip())
        start = end
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]
