"""Composing a subscriber's briefing: the stories on their topics since their last one.

Work is shared. A `BriefingComposer` lives for one clock tick: it reads and clusters the items
of the tick's window once (`_Window`), renders each story's entry once, and composes once per
distinct (topics, searches, window): at 100,000 subscribers most of them share a few thousand
topic mixes, so composing for a subscriber is mostly a dictionary lookup.

Every word of an entry is the stored item's own: the headline and one or two sentences cut from
its text (`extract`), then the sources. Ranking: how many sources carry the story, then how
recent it is and how closely it matches the topic. A `budget` of characters of entries keeps a
briefing short; what is left out of a topic sits behind its "More on" button.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from briefings.compose import Composer, extract
from briefings.models import StoredItem, Subscriber
from briefings.sources import distinct_outlets
from briefings.store import Store
from briefings.stories import Story, cluster
from briefings.topics import Catalogue

FRESH = dt.timedelta(hours=24)  # a new subscriber's first briefing looks back this far
MORE_PREFIX = "more"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Window:
    """Items ingested in (start, end] go into a briefing."""

    start: dt.datetime
    end: dt.datetime


def window_for(sub: Subscriber, now: dt.datetime, fresh: dt.timedelta = FRESH) -> Window:
    start = sub.last_window_end or now - fresh
    return Window(min(start, now), now)


@dataclass(frozen=True)
class Entry:
    """One story as the subscriber reads it."""

    story_id: int
    headline: str  # the lead item's headline, verbatim
    summary: str  # one or two sentences of the lead item's text, verbatim (may end in "…")
    sources: tuple[str, ...]
    item_ids: tuple[int, ...]
    score: float
    text: str  # the rendered entry


@dataclass(frozen=True)
class Section:
    key: str  # "t:<slug>" for a catalogue topic, "s:<words>" for a free-text search
    title: str
    entries: tuple[Entry, ...]  # in the briefing
    more: tuple[Entry, ...] = ()  # left out for length, behind the "More on" button


@dataclass(frozen=True)
class Button:
    text: str
    data: str  # callback_data, at most 64 bytes


@dataclass(frozen=True)
class Briefing:
    window: Window
    sections: tuple[Section, ...]
    messages: tuple[str, ...]  # each at most 4096 characters; empty: send nothing
    buttons: tuple[Button, ...] = ()  # go under the last message

    @property
    def empty(self) -> bool:
        return not self.sections


# ---------------------------------------------------------------- callback data


def _b36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
        if not number:
            return digits


def _micros(moment: dt.datetime) -> int:
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _moment(micros: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)


def section_token(key: str) -> str:
    """A section key short enough for a button: slugs as they are, long ones hashed."""
    if len(key.encode()) <= 30:
        return key
    return "h:" + hashlib.sha1(key.encode()).hexdigest()[:12]


def more_data(window: Window, key: str) -> str:
    """'more:<start>:<end>:<section>' (times in base-36 microseconds): under 64 bytes."""
    start, end = _b36(_micros(window.start)), _b36(_micros(window.end))
    return f"{MORE_PREFIX}:{start}:{end}:{section_token(key)}"


def parse_more(data: str) -> tuple[Window, str] | None:
    """The window and section token of a "More on" button, or None if it is not one."""
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[0] != MORE_PREFIX:
        return None
    try:
        start, end = int(parts[1], 36), int(parts[2], 36)
    except ValueError:
        return None
    return Window(_moment(start), _moment(end)), parts[3]


# ---------------------------------------------------------------- composition


@dataclass
class _Window:
    """The stories of items ingested in (start, end], with the lookups composition needs."""

    start: dt.datetime
    end: dt.datetime
    stories: list[Story]
    story_of: dict[int, int]  # item id -> index in stories
    on_topic: dict[str, list[int]]  # slug -> item ids
    ingested: dict[int, dt.datetime]  # item id -> when it was stored
    digest_names: dict[int, str]
    rendered: dict[tuple[int, ...], tuple[str, str, tuple[str, ...], str]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class _Candidate:
    """A story as it would appear under one heading."""

    story: int
    match: float
    entry: Entry


Key = tuple[tuple[str, ...], tuple[str, ...], Window]
_Ranked = tuple[float, int, int, int, int]  # (-score, story, heading position, rank, size)


class BriefingComposer:
    """Composes briefings for one clock tick (build a new one per tick: it caches).

    Per window it clusters once; per heading (a topic or a search) it ranks that heading's
    stories once; per distinct set of headings it only merges those rankings.
    """

    def __init__(
        self,
        store: Store,
        composer: Composer,
        catalogue: Catalogue,
        *,
        budget: int = 3500,
        fresh: dt.timedelta = FRESH,
    ) -> None:
        self.store = store
        self.composer = composer
        self.catalogue = catalogue
        self.budget = budget
        self.fresh = fresh
        self._windows: dict[dt.datetime, _Window] = {}
        self._views: dict[tuple[str, Window], list[_Candidate]] = {}
        self._headings: dict[str, str] = {}
        self._more: dict[tuple[Window, str], str] = {}
        self._briefings: dict[Key, Briefing] = {}

    def for_subscriber(self, sub: Subscriber, now: dt.datetime) -> Briefing:
        return self.compose(sub.topics, sub.searches, window_for(sub, now, self.fresh))

    def compose(self, topics: Sequence[str], searches: Sequence[str], window: Window) -> Briefing:
        """The briefing for these topics and searches over `window` (cached; order-blind)."""
        key = (tuple(sorted(set(topics))), tuple(sorted(set(searches))), window)
        found = self._briefings.get(key)
        if found is None:
            found = self._briefings[key] = self._compose(key)
        return found

    def more(
        self, topics: Sequence[str], searches: Sequence[str], window: Window, token: str
    ) -> tuple[Section | None, list[str]]:
        """The entries a "More on" button stands for, packed into messages."""
        briefing = self.compose(topics, searches, window)
        for section in briefing.sections:
            if section_token(section.key) == token:
                head = self.composer.render(
                    "briefing_more", title=section.title, count=len(section.more)
                )
                return section, self.composer.pack([head, *(e.text for e in section.more)])
        return None, []

    # ------------------------------------------------------------ one briefing

    def _compose(self, key: Key) -> Briefing:
        topics, searches, window = key
        headings = [f"t:{slug}" for slug in topics] + [f"s:{words}" for words in searches]
        views = [self._view(heading, window) for heading in headings]
        best: dict[int, tuple[float, int]] = {}  # story -> (match, heading) it goes under
        for order, view in enumerate(views):
            for candidate in view:
                if candidate.match > best.get(candidate.story, (-1.0, 0))[0]:
                    best[candidate.story] = (candidate.match, order)
        groups = [
            (heading, [c.entry for c in view if best[c.story][1] == order])
            for order, (heading, view) in enumerate(zip(headings, views, strict=True))
        ]
        groups = [group for group in groups if group[1]]
        if not groups:
            line = self.composer.render("briefing_empty", following=bool(headings))
            return Briefing(window, (), (line,))
        groups.sort(key=lambda group: -group[1][0].score)  # stable: ties keep heading order
        sections = self._within_budget(groups)
        return self._render(window, sections)

    def _within_budget(self, groups: list[tuple[str, list[Entry]]]) -> tuple[Section, ...]:
        """The top story of each heading first, then the best of the rest, while they fit."""
        kept: list[set[int]] = [set() for _ in groups]
        used = 0
        for position, (_, entries) in enumerate(groups):
            if used == 0 or used + len(entries[0].text) <= self.budget:
                kept[position].add(0)
                used += len(entries[0].text)

        def ranked(position: int, entries: list[Entry]) -> Iterator[_Ranked]:
            return (
                (-entry.score, entry.story_id, position, rank, len(entry.text))
                for rank, entry in enumerate(entries[1:], start=1)
            )

        # Once not even the shortest entry left fits, the rest of the merge cannot change
        # anything: stopping there halved composing for 100,000 subscribers.
        smallest = min((len(e.text) for _, entries in groups for e in entries[1:]), default=0)
        rest = heapq.merge(
            *(ranked(position, entries) for position, (_, entries) in enumerate(groups))
        )
        for _, _, position, rank, size in rest:
            if used + size <= self.budget:
                kept[position].add(rank)
                used += size
            if used + smallest > self.budget:
                break
        return tuple(
            Section(
                heading,
                self._title(heading),
                tuple(e for rank, e in enumerate(entries) if rank in kept[position]),
                tuple(e for rank, e in enumerate(entries) if rank not in kept[position]),
            )
            for position, (heading, entries) in enumerate(groups)
        )

    def _render(self, window: Window, sections: tuple[Section, ...]) -> Briefing:
        shown = [section for section in sections if section.entries]
        blocks = [self._header(sum(len(s.entries) for s in shown), len(shown))]
        for section in shown:  # a heading whose best story did not fit has only its button
            texts = [entry.text for entry in section.entries]
            blocks.append(f"{self._heading(section)}\n{texts[0]}")
            blocks.extend(texts[1:])
        buttons = tuple(
            Button(self._more_label(section.title, len(section.more)),
                   self._more_data(window, section))
            for section in sections
            if section.more
        )
        return Briefing(window, sections, tuple(self.composer.pack(blocks)), buttons)

    def _more_data(self, window: Window, section: Section) -> str:
        found = self._more.get((window, section.key))
        if found is None:
            found = self._more[(window, section.key)] = more_data(window, section.key)
        return found

    @lru_cache(maxsize=4096)  # noqa: B019 - one composer lives for one tick
    def _more_label(self, title: str, count: int) -> str:
        return self.composer.label("more", title=title, count=count)

    @lru_cache(maxsize=1024)  # noqa: B019 - one composer lives for one tick
    def _header(self, stories: int, topics: int) -> str:
        return self.composer.render("briefing", stories=stories, topics=topics)

    def _heading(self, section: Section) -> str:
        found = self._headings.get(section.key)
        if found is None:
            found = self._headings[section.key] = self.composer.render(
                "briefing_topic", title=section.title
            )
        return found

    def _title(self, heading: str) -> str:
        kind, value = heading[:2], heading[2:]
        if kind == "t:":
            return self.catalogue.label(value)
        return f"“{value}”"

    # ------------------------------------------------------------ one heading

    def _view(self, heading: str, window: Window) -> list[_Candidate]:
        """Every story of the window under one heading, best first (cached per window)."""
        found = self._views.get((heading, window))
        if found is not None:
            return found
        index = self._window(window)
        if heading.startswith("t:"):
            item_ids: Iterable[int] = index.on_topic.get(heading[2:], ())
        else:
            item_ids = self.store.search_ids(heading[2:], since=window.start, until=window.end)
        hits: dict[int, int] = {}
        for item_id in item_ids:
            story = index.story_of.get(item_id)
            if story is not None and index.ingested[item_id] > window.start:
                hits[story] = hits.get(story, 0) + 1
        span = max((window.end - window.start).total_seconds(), 1.0)
        candidates = []
        for story, count in hits.items():
            members = [i for i in index.stories[story].items if i.ingested_at > window.start]
            match = count / len(members)
            if heading.startswith("t:") and members[0].topics[:1] == (heading[2:],):
                match = (match + 1.0) / 2  # the story's lead is mainly about this topic
            candidates.append(_Candidate(story, match, self._entry(index, members, match, span)))
        candidates.sort(key=lambda c: (-c.entry.score, c.entry.story_id))
        self._views[(heading, window)] = candidates
        return candidates

    def _window(self, window: Window) -> _Window:
        """One clustering per window end; a later start reuses it, an earlier one widens it."""
        cached = self._windows.get(window.end)
        if cached is not None and cached.start <= window.start:
            return cached
        items = self.store.items_between(window.start, window.end)
        on_topic: dict[str, list[int]] = {}
        for item in items:
            for slug in item.topics:
                on_topic.setdefault(slug, []).append(item.id)
        stories = cluster(items)
        built = _Window(
            start=window.start,
            end=window.end,
            stories=stories,
            story_of={item.id: index for index, s in enumerate(stories) for item in s.items},
            on_topic=on_topic,
            ingested={item.id: item.ingested_at for item in items},
            digest_names=self._digest_names({item.digest_id for item in items}),
        )
        self._windows[window.end] = built
        return built

    def _digest_names(self, digest_ids: set[int]) -> dict[int, str]:
        names = {}
        for digest_id in digest_ids:
            digest = self.store.get_digest(digest_id)
            if digest is not None:
                names[digest_id] = digest.publisher or digest.title or ""
        return names

    def _entry(self, index: _Window, members: list[StoredItem], match: float, span: float) -> Entry:
        ids = tuple(item.id for item in members)
        rendered = index.rendered.get(ids)
        if rendered is None:
            headline, summary = _headline_and_summary(members[0])
            sources = _sources(members, index.digest_names)
            text = self.composer.render(
                "briefing_entry", headline=headline, summary=summary, sources=sources
            )
            rendered = index.rendered[ids] = (headline, summary, sources, text)
        headline, summary, sources, text = rendered
        latest = max(item.ingested_at for item in members)
        recency = (latest - (index.end - dt.timedelta(seconds=span))).total_seconds() / span
        breadth = max(len(sources), len({item.digest_id for item in members}))
        return Entry(
            story_id=index.stories[index.story_of[members[0].id]].id,
            headline=headline,
            summary=summary,
            sources=sources,
            item_ids=ids,
            score=breadth + max(0.0, min(recency, 1.0)) + match,
            text=text,
        )


def _headline_and_summary(item: StoredItem) -> tuple[str, str]:
    headline, text = item.headline.strip(), item.text.strip()
    if headline and text.startswith(headline):
        text = text[len(headline) :].strip()
    elif not headline:
        headline = extract(text, sentences=1, limit=200)
        text = text[len(headline) :].strip() if not headline.endswith("…") else ""
    return headline, extract(text, sentences=2) if text else ""


def _sources(items: Sequence[StoredItem], digest_names: dict[int, str]) -> tuple[str, ...]:
    """Every outlet the items name; an item that names none counts as its digest."""
    return distinct_outlets(
        name
        for item in items
        for name in item.sources or (digest_names.get(item.digest_id) or "",)
    )
