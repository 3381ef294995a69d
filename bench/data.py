"""Synthetic but realistic data, built from the two sample digests in `examples/digests/`.

The samples are parsed with the real `parse_digest` and classified once with the real `classify`;
`DigestMaker` then re-combines their items into new digests: items shuffled across digests, numbers
and place names varied lightly, headlines sometimes re-worded, dates spread over a year, sources
and topics kept. `SubscriberMaker` draws subscribers with realistic schedules and topic mixes.

Building a base of a million items goes through `Store.add_digest` in large transactions (no
parsing: the items are made as `Item`s directly) and is cached under `bench/.cache/`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from briefings.digests import parse_digest
from briefings.models import Digest, Item
from briefings.store import Store
from briefings.topics import Catalogue, classify

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples" / "digests"
CACHE = Path(__file__).resolve().parent / ".cache"
VERSION = 3  # bump when the generated data or how it is stored changes: cached bases are rebuilt

# Places that appear in the samples and their neighbours: swapped for one another lightly.
PLACES = (
    "Kherson", "Kharkiv", "Odesa", "Odessa", "Lviv", "Kyiv", "Bakhmut", "Avdiivka", "Robotyne",
    "Klishchiivka", "Andriivka", "Krynky", "Zaporizhzhia", "Donetsk", "Luhansk", "Chernihiv",
    "Dnipro", "Mykolaiv", "Sumy", "Kupiansk", "Marinka", "Vuhledar", "Krasnohorivka", "Pokrovsk",
    "Kramatorsk", "Sloviansk", "Lyman", "Siversk", "Toretsk", "Chasiv Yar", "Orikhiv", "Nikopol",
    "Enerhodar", "Berdiansk", "Melitopol", "Tokmak", "Izium", "Balakliia", "Vovchansk", "Kreminna",
    "Svatove", "Horlivka", "Novoazovsk", "Bilhorod-Dnistrovskyi", "Izmail", "Reni", "Poltava",
    "Kremenchuk", "Zhytomyr", "Rivne", "Lutsk", "Ternopil", "Uzhhorod", "Vinnytsia", "Cherkasy",
)
PREFIXES = ("Update: ", "Report: ", "Analysis: ", "Explainer: ", "Live: ", "Breaking: ",
            "In brief: ", "Officials: ")
WORDINGS_SHARE = 0.25

# Free-text topics people follow and search for, most popular first.
SEARCHES = (
    "Crimea bridge", "grain corridor", "Zelenskyy", "Patriot", "ATACMS", "Wagner",
    "Black Sea Fleet", "Avdiivka", "F-16", "Kherson", "Orban", "Zaporizhzhia nuclear plant",
    "Iran drones",
    "Shahed", "Navalny", "Prigozhin", "Bakhmut", "Taurus", "drone attack", "prisoner exchange",
    "Kremenchuk refinery", "Meloni", "Biden aid", "Pentagon", "Transnistria", "Moldova",
    "Poland border", "Hungary veto", "Kadyrov", "mobilisation",
)
TIMEZONES = (
    ("Europe/Kyiv", 34), ("Europe/Berlin", 9), ("America/New_York", 9), ("Europe/London", 8),
    ("Europe/Warsaw", 6), ("UTC", 5), ("Europe/Paris", 5), ("America/Los_Angeles", 4),
    ("Europe/Moscow", 3), ("America/Toronto", 3), ("Europe/Vilnius", 3), ("Asia/Kolkata", 2),
    ("Australia/Sydney", 2), ("Asia/Tokyo", 2), ("+03:00", 2), ("Europe/Kiev", 1),
    ("America/Chicago", 2),
)
# How often readers pick each catalogue topic (default catalogue slugs; others get weight 1).
TOPIC_POPULARITY = {
    "frontline": 30, "strikes": 26, "peace-talks": 24, "military-aid": 20, "sanctions": 18,
    "eu": 14, "nato": 12, "energy": 12, "black-sea": 11, "humanitarian": 10, "us-politics": 9,
    "russia-politics": 9, "war-crimes": 7, "north-korea": 6, "russia-economy": 6,
    "defense-industry": 5, "middle-east": 5, "china": 4, "technology": 3,
}
ITEMS_PER_DIGEST = (12, 40)
MIN_ITEMS = 20  # the two samples hold about a hundred stories
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?![\w,]|\.\d)")


@dataclass(frozen=True)
class Corpus:
    """The sample items and the topics the real classifier gave each of them."""

    items: tuple[Item, ...]
    topics: tuple[tuple[str, ...], ...]
    sections: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        """Changes when the parser or the classifier reads the samples differently."""
        seen = repr([(item.section, item.headline, item.sources, topics)
                     for item, topics in zip(self.items, self.topics, strict=True)])
        return hashlib.sha1(seen.encode()).hexdigest()[:8]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(source for item in self.items for source in item.sources))


def sample_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.txt"))]


def classifier_text(item: Item) -> str:
    """What the ingest pipeline hands the classifier for an item."""
    return f"{item.headline}\n{item.text}"


def load_corpus(catalogue: Catalogue, texts: list[str] | None = None) -> Corpus:
    """Parse and classify the sample digests once."""
    items: list[Item] = []
    for text in texts if texts is not None else sample_texts():
        items.extend(parse_digest(text).items)
    usable = [item for item in items if item.headline.strip() and item.text.strip()]
    if len(usable) < MIN_ITEMS:
        raise ValueError(f"the sample digests gave {len(usable)} items; is parse_digest working?")
    topics = tuple(classify(classifier_text(item), catalogue).topics for item in usable)
    sections = tuple(dict.fromkeys(item.section for item in usable if item.section))
    return Corpus(tuple(usable), topics, sections)


# ---------------------------------------------------------------- digests


class DigestMaker:
    """Re-combines the corpus into new digests, deterministically for a seed."""

    def __init__(self, corpus: Corpus, seed: int = 1) -> None:
        self.corpus = corpus
        self.rng = random.Random(seed)
        self.serial = 0

    def vary(self, item: Item) -> Item:
        """The same story, lightly changed: numbers, a place, sometimes the headline's wording.

        Headline and text change alike, so a headline that opens the text still does.
        """
        rng = self.rng
        swaps = {place: rng.choice(PLACES) for place in PLACES if rng.random() < 0.15}
        numbers: dict[str, str] = {}
        headline = _vary_text(item.headline, rng, swaps, numbers)
        text = _vary_text(item.text, rng, swaps, numbers)
        if rng.random() < WORDINGS_SHARE:
            prefix = rng.choice(PREFIXES)
            text = prefix + text if text.startswith(headline) else text
            headline = prefix + headline
        return dataclasses.replace(item, headline=headline, text=text)

    def pick(self, count: int) -> list[tuple[Item, tuple[str, ...]]]:
        """`count` varied items (with their corpus topics), shuffled across the corpus."""
        corpus = self.corpus
        indexes = [self.rng.randrange(len(corpus.items)) for _ in range(count)]
        return [(self.vary(corpus.items[i]), corpus.topics[i]) for i in indexes]

    def make(self, day: dt.date, count: int | None = None) -> tuple[Digest, list[tuple[str, ...]]]:
        """A new digest of `count` items dated `day`, and each item's topics."""
        count = count if count is not None else self.rng.randint(*ITEMS_PER_DIGEST)
        picked = self.pick(count)
        self.serial += 1
        title = f"Ukraine digest no. {self.serial}"
        sections: list[str] = []
        items: list[Item] = []
        for position, (item, _) in enumerate(picked):
            section = item.section or "Other news"
            if section not in sections:
                sections.append(section)
            items.append(dataclasses.replace(item, position=position, section=section))
        digest = Digest(
            raw=render(title, day, items),
            title=title,
            date=day,
            publisher=self.rng.choice(("Promote Ukraine", "E-Stories", "Ukraine Brief")),
            url=f"https://digests.example/{day.isoformat()}/{self.serial}",
            sections=tuple(sections),
            items=tuple(items),
        )
        return digest, [topics for _, topics in picked]

    def text(self, day: dt.date, count: int | None = None) -> str:
        """A new digest as plain text, for the real parse + classify + store pipeline."""
        digest, _ = self.make(day, count)
        return digest.raw


def _vary_text(
    text: str, rng: random.Random, swaps: dict[str, str], numbers: dict[str, str]
) -> str:
    for place, other in swaps.items():
        if place in text:
            text = re.sub(rf"\b{re.escape(place)}\b", other, text)

    def number(match: re.Match[str]) -> str:
        found = match.group(0)
        if found not in numbers:
            numbers[found] = _vary_number(found, rng)
        return numbers[found]

    return _NUMBER.sub(number, text)


def _vary_number(number: str, rng: random.Random) -> str:
    value = int(number.replace(",", ""))
    if value < 3 or 1900 <= value <= 2100:  # small counts and years stay as they are
        return number
    varied = max(1, round(value * rng.uniform(0.7, 1.3)))
    return f"{varied:,}" if "," in number else str(varied)


def render(title: str, day: dt.date, items: list[Item]) -> str:
    """A digest as text, laid out like the first sample: a dated title, sections, bullets."""
    lines = [f"{title} — {day.day} {day:%B %Y}", ""]
    section: str | None = None
    for item in items:
        if item.section != section:
            section = item.section
            lines += ["", section or "Other news", ""]
        body = item.text if item.text.startswith(item.headline) else f"{item.headline} {item.text}"
        body = " ".join(body.split())
        if item.sources:
            first, *rest = item.sources
            cited = f"{first}; see also {', '.join(rest)}" if rest else first
            body = f"{body} ({cited})"
        lines.append(f"  • {body}")
    return "\n".join(lines).strip() + "\n"


# ---------------------------------------------------------------- a year of items


def spread(
    count: int, start: dt.datetime, end: dt.datetime, rng: random.Random
) -> list[dt.datetime]:
    """`count` moments between start and end, in order."""
    span = (end - start).total_seconds()
    return sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def fill(
    store: Store,
    maker: DigestMaker,
    items: int,
    *,
    end: dt.datetime,
    days: int = 365,
    batch: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store about `items` items in digests spread over `days` before `end`; returns the count.

    Goes through `Store.add_digest`, `batch` digests to a transaction.
    """
    rng = maker.rng
    sizes: list[int] = []
    while sum(sizes) < items:
        sizes.append(min(rng.randint(*ITEMS_PER_DIGEST), items - sum(sizes)))
    moments = spread(len(sizes), end - dt.timedelta(days=days), end, rng)
    stored = 0
    for start in range(0, len(sizes), batch):
        with store.ingest_batch():
            for size, moment in zip(sizes[start : start + batch], moments[start : start + batch],
                                    strict=True):
                digest, topics = maker.make(moment.date(), size)
                stored += store.add_digest(digest, topics, now=moment).item_count
        if progress is not None:
            progress(stored)
    return stored


# ---------------------------------------------------------------- subscribers


@dataclass(frozen=True)
class Reader:
    """A subscriber to be: who, when, and what they follow."""

    chat_id: int
    chat_type: str
    title: str | None
    time: str
    timezone: str
    days: str
    topics: tuple[str, ...]
    searches: tuple[str, ...]
    paused: bool
    quiet_when_empty: bool


class SubscriberMaker:
    """Subscribers with realistic schedules and topic mixes, deterministically for a seed."""

    def __init__(self, slugs: tuple[str, ...], seed: int = 2) -> None:
        self.rng = random.Random(seed)
        self.slugs = slugs
        self.weights = [TOPIC_POPULARITY.get(slug, 1) for slug in slugs]
        self.zones = [name for name, _ in TIMEZONES]
        self.zone_weights = [weight for _, weight in TIMEZONES]

    def reader(
        self, serial: int, *, time: str | None = None, timezone: str | None = None
    ) -> Reader:
        rng = self.rng
        group = rng.random() < 0.12
        chat_id = -1001_000_000_000 - serial if group else 10_000_000 + serial
        count = rng.choices((1, 2, 3, 4, 5, 6, 8), (22, 27, 20, 12, 9, 6, 4))[0]
        topics: list[str] = []
        while len(topics) < min(count, len(self.slugs)):
            slug = rng.choices(self.slugs, self.weights)[0]
            if slug not in topics:
                topics.append(slug)
        searches: tuple[str, ...] = ()
        if rng.random() < 0.15:
            ranks = [1 / (rank + 1) for rank in range(len(SEARCHES))]
            searches = tuple(dict.fromkeys(rng.choices(SEARCHES, ranks, k=rng.choice((1, 1, 2)))))
        if time is None:
            hour = min(23, max(0, round(rng.gauss(8, 1.5))))
            time = f"{hour:02d}:{rng.choice((0, 0, 0, 15, 30, 30, 45)):02d}"
        return Reader(
            chat_id=chat_id,
            chat_type="supergroup" if group else "private",
            title=f"Readers group {serial}" if group else None,
            time=time,
            timezone=timezone or rng.choices(self.zones, self.zone_weights)[0],
            days="weekdays" if rng.random() < 0.2 else "daily",
            topics=tuple(topics),
            searches=searches,
            paused=rng.random() < 0.03,
            quiet_when_empty=rng.random() < 0.3,
        )

    def readers(self, count: int, start: int = 0, **fixed: str) -> Iterator[Reader]:
        for serial in range(start, start + count):
            yield self.reader(serial, **fixed)


def register(
    store: Store, readers: Iterator[Reader], *, now: dt.datetime, batch: int = 2000
) -> int:
    """Subscribe every reader through the Store, `batch` to a transaction; returns the count."""
    done = 0
    pending = list(readers)
    for start in range(0, len(pending), batch):
        with store.db.atomic():
            for reader in pending[start : start + batch]:
                store.register_chat(reader.chat_id, reader.chat_type, reader.title,
                                    time=reader.time, timezone=reader.timezone, now=now)
                for topic in reader.topics:
                    store.follow(reader.chat_id, topic, kind="topic", now=now)
                for words in reader.searches:
                    store.follow(reader.chat_id, words, kind="search", now=now)
                if reader.days != "daily":
                    store.set_schedule(reader.chat_id, now=now, days=reader.days)
                if reader.quiet_when_empty:
                    store.set_quiet_when_empty(reader.chat_id, True, now=now)
                if reader.paused:
                    store.set_paused(reader.chat_id, True, now=now)
                done += 1
    return done
