"""Grouping items into stories: the same news in several digests is one story naming every source.

Two items are one story when some sentence of one's headline and lead says what a sentence of
the other's says: most of the rarer content words (numbers included, "1 million" ~ "a million")
are shared, and rapidfuzz's token_set_ratio over those words agrees. Items of one digest are
never merged: its author already kept its stories apart. Weights are inverse document
frequencies over the window, so "Russia" and "Ukraine" count for little and "shells" for a lot.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from briefings.models import StoredItem
from briefings.sentences import split_sentences
from briefings.sources import distinct_outlets

LEAD_SENTENCES = 3  # of an item's text, after its headline
MIN_SHARED = 4  # content words two sentences must share
MIN_OVERLAP = 0.6  # weighted share of the shorter sentence's content words
MIN_RATIO = 75.0  # rapidfuzz token_set_ratio over the content words
MAX_POSTINGS = 60  # words in more items than this find no candidate pairs on their own

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_STOP_WORDS = """
    a about above after again against all also although am among an and any are around as at be
    because been before being between both but by can could did do does doing during each
    either else ever few for from further had has have having he her here hers him his how
    however i if in into is it its itself just least less let like made make many may me might
    more most much must my near neither no nor not now of off on once one only or other our out
    over own per quite rather re s said same say says she should since so some still such than
    that the their them then there these they this those though through thus to too under until
    up upon us very via was we were what when where whether which while who whom whose why will
    with within without would yet you your told according reported reports report new
"""
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Story:
    """Items that tell the same news; `lead` is the one whose words an entry quotes."""

    items: tuple[StoredItem, ...]

    @property
    def lead(self) -> StoredItem:
        return self.items[0]

    @property
    def id(self) -> int:
        return self.lead.id

    @property
    def sources(self) -> tuple[str, ...]:
        return distinct_outlets(source for item in self.items for source in item.sources)

    @property
    def latest(self) -> dt.datetime:
        return max(item.ingested_at for item in self.items)

    @property
    def digests(self) -> int:
        return len({item.digest_id for item in self.items})


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> tuple[str, ...]:
    """Lower-case stems of the words that carry meaning, numbers included, in order."""
    words = []
    for token in _TOKEN.findall(text.casefold().replace("’", "'")):
        token = token.replace(",", "")
        if token in _STOP or (len(token) < 3 and not token.isdigit()):
            continue
        words.append(_stem(token))
    return tuple(words)


def lead_sentences(item: StoredItem) -> list[str]:
    """The headline and the first sentences of the text, without repeating the headline."""
    text = item.text.strip()
    headline = item.headline.strip()
    if headline and text.startswith(headline):
        text = text[len(headline) :].strip()
    sentences = split_sentences(text)[:LEAD_SENTENCES]
    return [s for s in [headline, *sentences] if s]


@dataclass
class _Profile:
    item: StoredItem
    sentences: list[tuple[str, ...]]
    words: frozenset[str]


def _profiles(items: Sequence[StoredItem]) -> list[_Profile]:
    profiles = []
    for item in items:
        sentences = [content_words(s) for s in lead_sentences(item)]
        sentences = [s for s in sentences if len(s) >= MIN_SHARED]
        profiles.append(_Profile(item, sentences, frozenset(w for s in sentences for w in s)))
    return profiles


def _weights(profiles: Sequence[_Profile]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for profile in profiles:
        df.update(profile.words)
    total = max(len(profiles), 1)
    return {word: math.log((1 + total) / (1 + n)) + 1.0 for word, n in df.items()}


def same_news(a: Iterable[str], b: Iterable[str], weights: dict[str, float]) -> bool:
    """Do these two sentences (as content words) say the same thing?"""
    words_a, words_b = set(a), set(b)
    shared = words_a & words_b
    if len(shared) < MIN_SHARED:
        return False

    def mass(words: set[str]) -> float:
        return math.fsum(weights.get(word, 1.0) for word in words)  # exact in any set order

    if mass(shared) < MIN_OVERLAP * min(mass(words_a), mass(words_b)):
        return False
    return fuzz.token_set_ratio(" ".join(sorted(words_a)), " ".join(sorted(words_b))) >= MIN_RATIO


def _match(p: _Profile, q: _Profile, weights: dict[str, float]) -> tuple[int, int] | None:
    """Where the two items start telling the same news (content words in), if they do."""
    pairs = sorted(
        ((i, j) for i in range(len(p.sentences)) for j in range(len(q.sentences))), key=sum
    )
    for i, j in pairs:
        a, b = p.sentences[i], q.sentences[j]
        if same_news(a, b, weights):
            shared = set(a) & set(b)
            return _offset(p.sentences, i, shared), _offset(q.sentences, j, shared)
    return None


def _offset(sentences: Sequence[tuple[str, ...]], index: int, shared: set[str]) -> int:
    before = sum(len(sentence) for sentence in sentences[:index])
    sentence = sentences[index]
    return before + next(n for n, word in enumerate(sentence) if word in shared)


def _candidates(profiles: Sequence[_Profile]) -> Iterable[tuple[int, int]]:
    postings: dict[str, list[int]] = defaultdict(list)
    for index, profile in enumerate(profiles):
        for word in profile.words:
            postings[word].append(index)
    for index, profile in enumerate(profiles):
        shared: Counter[int] = Counter()
        for word in profile.words:
            found = postings[word]
            if len(found) <= MAX_POSTINGS:
                shared.update(other for other in found if other > index)
        for other, count in sorted(shared.items()):  # fixed order: merging depends on it
            if count >= MIN_SHARED - 1 and profiles[other].item.digest_id != profile.item.digest_id:
                yield index, other


def cluster(items: Sequence[StoredItem]) -> list[Story]:
    """Group items into stories, at most one item per digest in each.

    A story's lead is the item that opens with it (the shared words come earliest), so the
    entry quotes the item that is about the story rather than one that mentions it in passing.
    Stories come in the order of their first item.
    """
    profiles = _profiles(items)
    weights = _weights(profiles)
    parent = list(range(len(profiles)))
    digests = [{profile.item.digest_id} for profile in profiles]
    depth = [1 << 30] * len(profiles)  # how far into an item its story starts

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i, j in _candidates(profiles):
        ri, rj = root(i), root(j)
        if ri == rj or digests[ri] & digests[rj]:
            continue
        found = _match(profiles[i], profiles[j], weights)
        if found is None:
            continue
        keep, gone = min(ri, rj), max(ri, rj)
        parent[gone] = keep
        digests[keep] |= digests[gone]
        depth[i] = min(depth[i], found[0])
        depth[j] = min(depth[j], found[1])
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(profiles)):
        groups[root(index)].append(index)
    stories = []
    for _, members in sorted(groups.items()):
        ordered = sorted(members, key=lambda m: (depth[m], -len(profiles[m].item.sources), m))
        stories.append(Story(tuple(profiles[m].item for m in ordered)))
    return stories
