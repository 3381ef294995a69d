"""The topic catalogue and a pure, rule-based `classify(text, catalogue)`.

The catalogue is a markdown table (`| slug | label | meaning |`), shipped in `data/topics.md` and
replaceable by an operator's file of the same shape. `classify` is deterministic and needs no model:
each default slug has a curated list of weighted phrases (`data/topic_rules.txt`) with guards for
the labelling conventions in `topics.md`; an operator's own slugs fall back to their label and
meaning.

How an item is scored:
- the text is normalised (quotes, accents, "U.S." -> "usa", possessives) and split into words;
  sentence ends and commas are kept as tokens, so a phrase never spans them;
- every rule phrase found adds its weight to its topics: x1.3 in the lead (the first sentence, up
  to 22 tokens: a run-in headline or the gist of a bullet), x0.75 in the last sentence of three or
  more, x0.5 for a repeat of the same phrase, x0.5 for a name inside an enumeration ("UK, US, EU
  and China"), x0.3 for an event (`strikes`, `frontline`) named only as background in its clause
  ("since strikes pushed ...", "destroyed by a missile attack in April", "to protect ... from
  drone attacks"), which then is not a strong phrase either; where phrases overlap, the longest
  one speaks for a topic, so a longer phrase with a low or negative weight ("refugee camp",
  "stalemate in congress") overrides a shorter one;
- a topic is chosen at a score of 1.0 when one of its phrases weighs at least 0.6 (or the score
  reaches 1.8): strong phrases suffice alone, weak words only support; scoped topics also need
  their scope in the item (Russia for `russia-*`, Ukraine for `military-aid`, the US for
  `us-politics`, ...); a specific civilian toll (`_find_tolls`) counts for `humanitarian`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from briefings.models import Classification, Topic

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "topics.md"

THRESHOLD = 1.0
_LEAD = 1.3  # the first sentence: a run-in headline or the gist of a bullet
_LEAD_WORDS = 22  # ... up to this many tokens
_TAIL = 0.75  # the last sentence of three or more: where passing mentions live
_REPEAT = 0.5  # the same phrase again
_LISTED = 0.5  # a name inside an enumeration
_BACKGROUND = 0.3  # an event named only as background: "since strikes ...", "... attack in April"
_TOLL_WEIGHT = 1.0


class CatalogueError(Exception):
    """A catalogue file that cannot be read or is not a `| slug | label | meaning |` table."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


# --- the catalogue -------------------------------------------------------------------------------


def _key(name: str) -> str:
    """Case-, space- and punctuation-insensitive form: "Peace-Talks" -> "peacetalks"."""
    return re.sub(r"[\W_]+", "", name.casefold())


@dataclass(frozen=True)
class Catalogue:
    """Ordered topics; `classify` caches its compiled rules on the instance."""

    topics: tuple[Topic, ...]
    source: Path | None = field(default=None, compare=False)

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and slug in self._by_slug

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(topic.slug for topic in self.topics)

    def get(self, slug: str) -> Topic | None:
        return self._by_slug.get(slug)

    def label(self, slug: str) -> str:
        """The topic's label, or the slug itself when the catalogue has no such topic."""
        topic = self._by_slug.get(slug)
        return topic.label if topic is not None else slug

    def labelled_counts(self, counts: Mapping[str, int]) -> list[tuple[str, int]]:
        """(label, count) pairs, most items first, then by label."""
        pairs = [(self.label(slug), count) for slug, count in counts.items()]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

    def resolve(self, name: str) -> Topic | None:
        """The topic whose slug or label is `name`, ignoring case, spaces and hyphens."""
        return self._by_key.get(_key(name))

    def suggest(self, name: str, limit: int = 3) -> list[Topic]:
        """Topics whose slug or label is closest to `name` (for "did you mean ...?")."""
        query = utils.default_process(name)
        if not query or limit <= 0:
            return []
        choices = [utils.default_process(c) for c, _ in self._names]
        matches = process.extract(query, choices, scorer=fuzz.WRatio, limit=None, score_cutoff=60)
        found: list[Topic] = []
        for _, _, index in matches:  # best first
            topic = self._names[index][1]
            if topic not in found:
                found.append(topic)
        return found[:limit]

    @cached_property
    def _by_slug(self) -> dict[str, Topic]:
        return {topic.slug: topic for topic in self.topics}

    @cached_property
    def _names(self) -> list[tuple[str, Topic]]:
        return [(n, t) for t in self.topics for n in (t.slug, t.label)]

    @cached_property
    def _by_key(self) -> dict[str, Topic]:
        keys: dict[str, Topic] = {}
        for name, topic in reversed(self._names):  # the first topic wins a shared name
            keys[_key(name)] = topic
        return keys

    @cached_property
    def _rules(self) -> _Rules:
        return _Rules(self.topics)


def is_catalogue_topic(name: str, catalogue: Catalogue) -> bool:
    """True when `name` is a catalogue slug or label; anything else is a free-text search."""
    return catalogue.resolve(name) is not None


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SEPARATOR_ROW = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def parse_catalogue(text: str, path: Path | str = "<catalogue>") -> Catalogue:
    """The first markdown table in `text` whose rows are `| slug | label | meaning |`."""
    lines = text.splitlines()
    start = next(
        (
            i + 2
            for i in range(len(lines) - 1)
            if lines[i].lstrip().startswith("|") and _SEPARATOR_ROW.match(lines[i + 1].strip())
        ),
        None,
    )
    if start is None:
        raise CatalogueError(path, "no markdown table (| slug | label | meaning |) found")
    if len(_cells(lines[start - 2])) != 3:
        raise CatalogueError(path, f"line {start - 1}: the table needs 3 columns")
    topics: list[Topic] = []
    seen: set[str] = set()
    for number, line in enumerate(lines[start:], start + 1):
        if not line.strip().startswith("|"):
            break
        cells = _cells(line)
        if len(cells) != 3:
            raise CatalogueError(path, f"line {number}: expected 3 cells, found {len(cells)}")
        slug, label, meaning = cells[0].strip("`").strip(), cells[1], cells[2]
        if not _SLUG.fullmatch(slug):
            raise CatalogueError(path, f"line {number}: bad slug {slug!r} (use a-z, 0-9, -)")
        if slug in seen:
            raise CatalogueError(path, f"line {number}: duplicate slug {slug!r}")
        if not label:
            raise CatalogueError(path, f"line {number}: empty label for {slug!r}")
        seen.add(slug)
        topics.append(Topic(slug=slug, label=label, meaning=meaning))
    if not topics:
        raise CatalogueError(path, "the table has no rows")
    return Catalogue(tuple(topics), source=Path(path) if isinstance(path, Path) else None)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue in `path`, or the shipped default when `path` is None."""
    path = DEFAULT_CATALOGUE if path is None else Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(path, f"cannot read: {exc}") from exc
    return parse_catalogue(text, path)


# --- rules for the default slugs -----------------------------------------------------------------
#
# They live in data/topic_rules.txt (its header explains the syntax): "[slug]" sections of
# "weight: phrase; phrase" lines, and "[^anchor]" sections that scoped topics require.

RULES_FILE = Path(__file__).parent / "data" / "topic_rules.txt"


def read_rule_file(text: str) -> dict[str, str]:
    """Section name -> its rule lines, as one spec for _parse_rules."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}


_SECTIONS = read_rule_file(RULES_FILE.read_text(encoding="utf-8"))
_ANCHORS = {name: spec for name, spec in _SECTIONS.items() if name.startswith("^")}
_RULES = {name: spec for name, spec in _SECTIONS.items() if not name.startswith("^")}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_NUMBER_WORDS = _words(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands dozen dozens"
)
_STOPWORDS = frozenset(
    _words(
        "a an and are as at be by for from in into is it its of on or over the their this to with "
        "about any all other its such when which who whose what both either"
    )
)

# Typographic punctuation -> ASCII. A loop of str.replace, not str.translate: translate looks
# every character of a non-ASCII text up in a dict (62 µs for an average item, against 2.5).
_PLAIN_PUNCTUATION = (
    ("‘", "'"), ("’", "'"), ("ʼ", "'"), ("`", "'"),
    ("“", '"'), ("”", '"'), ("«", '"'), ("»", '"'),
    ("–", "-"), ("—", "-"), ("\u00a0", " "), ("\u2009", " "),
)
_COMBINING = re.compile(r"[\u0300-\u036f]")
_USA = re.compile(r"\bU\.\s?S\.(?:\s?A\.)?|\bUSA?\b")
_POSSESSIVE = re.compile(r"'s\b|(?<=s)'(?=\s)")
_TOKEN = re.compile(r"[^\W_]+|[.!?;]+(?=[\"')\]]*(?:\s|$))|\n|,")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+|[.!?;]+(?=[\"')\]]*(?:\s|$))|\n|,")
_BOUNDARIES = frozenset({".", "!", "?", ";", "\n"})
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")

# A specific civilian toll (numbers, named or described victims), read from the tokens.
_HARM_VERBS = ("kill", "injur", "wound", "hurt", "maim")
_HARMED = frozenset(_words("killed dead died injured wounded hurt hospitalised hospitalized"))
_HARM_NOUNS = frozenset(_words("killing killings wounding maiming"))
_QUALIFIERS = frozenset(_words("at least more than over nearly almost about around some up to"))
_COUNTS = frozenset(_NUMBER_WORDS)
_TOLL_STARTS = _COUNTS | frozenset(  # where a toll phrase may begin, besides digits
    _words(
        "kill kills killed killing injure injures injured injuring injury wound wounds wounded "
        "wounding hurt hurting maim maimed maiming toll"
    )
)
_DETERMINERS = frozenset(_words("a an one two three his her its their the"))
_NATIONALITIES = frozenset(_words("russian ukrainian israeli enemy iranian"))
_MILITARY = frozenset(
    _words(
        "soldier soldiers serviceman servicemen service troops militants fighters personnel "
        "marines officer officers commander commanders mercenaries conscripts combatants "
        "terrorists of"
    )
)
_CIVILIANS = frozenset(
    _words(
        "civilian civilians people person persons resident residents children child kid kids "
        "baby babies infant infants teenager teenagers teen teens boy boys girl girls woman women "
        "man men pensioner pensioners elderly palestinians israelis lebanese passengers employees "
        "workers volunteers rescuers medics paramedics doctors nurses journalists family families "
        "villagers locals students firefighters farmers driver drivers owner owners inhabitants"
    )
)


_DIGIT_GROUPS = re.compile(r"(\d) , (\d)")


def _is_count(token: str) -> bool:
    return token[0].isdigit() or token in _COUNTS


def _military(words: list[str]) -> bool:
    """Whether the victims named by `words` are soldiers ("20 soldiers", "12 Russian troops")."""
    if not words:
        return False
    if words[0] in _NATIONALITIES:
        words = words[1:]
    return bool(words) and words[0] in _MILITARY


def _find_tolls(tokens: list[str]) -> list[str]:
    """Phrases like "killing four people", "3 civilians were injured", "killing its owner",
    "a 72-year-old woman", "the death toll rose to 18,000". Soldiers do not count.
    """
    found: list[str] = []
    n = len(tokens)
    for i in [i for i, t in enumerate(tokens) if t[0].isdigit() or t in _TOLL_STARTS]:
        token = tokens[i]
        if token.startswith(_HARM_VERBS):  # killing (at least) 4 people; killing its owner
            j = i + 1
            if token in _HARM_NOUNS and j < n and tokens[j] == "of":
                j += 1  # the killing of thousands of civilians
            while j < n and tokens[j] in _QUALIFIERS:
                j += 1
            if j < n and _is_count(tokens[j]):
                k = j + 1
                while k + 1 < n and tokens[k] == "," and tokens[k + 1].isdigit():
                    k += 2  # 1,200
                if k < n and tokens[k] == "of":  # thousands of (Masalit) civilians
                    victims = next(
                        (v for v in range(k + 1, min(n, k + 4)) if tokens[v] in _CIVILIANS), None
                    )
                    if victims is not None:
                        found.append(" ".join(tokens[i : victims + 1]))
                elif not _military(tokens[k : k + 2]):
                    victims = k + 1 if k < n and tokens[k] in _CIVILIANS else k
                    found.append(" ".join(tokens[i:victims]))
            elif j < n and tokens[j] in _DETERMINERS:
                window = tokens[j + 1 : j + 5]
                if not _military(window) and _CIVILIANS.intersection(window):
                    found.append(" ".join(tokens[i : j + 1 + len(window)]))
        elif _is_count(token) and not (i > 1 and tokens[i - 1] == ","):
            # 3 civilians were killed; a 72-year-old woman
            window = tokens[i + 1 : i + 4]
            if window[:2] == ["year", "old"] and len(window) > 2 and window[2] in _CIVILIANS:
                found.append(" ".join(tokens[i : i + 4]))
                continue
            if window and window[0] in _HARMED and not _military(tokens[i + 2 : i + 4]):
                found.append(" ".join(tokens[i : i + 2]))
                continue
            for c, word in enumerate(window):
                if word in _BOUNDARIES or word in _MILITARY:
                    break
                if word in _CIVILIANS:
                    head = tokens[max(0, i - 10) : i]
                    for word2 in reversed(head):
                        if word2 in _BOUNDARIES:
                            break
                        if word2.startswith(_HARM_VERBS):
                            found.append(f"{word2} ... {' '.join(tokens[i : i + c + 2])}")
                            break
                    tail = tokens[i + c + 2 : i + c + 7]
                    for word2 in tail:
                        if word2 in _BOUNDARIES:
                            break
                        if word2 in _HARMED:
                            found.append(" ".join(tokens[i : i + c + 2]) + " " + word2)
                            break
                    break
        elif token == "toll" and i > 0 and tokens[i - 1] == "death":
            window = tokens[i + 1 : i + 9]
            for c, word in enumerate(window):
                if word[0].isdigit():
                    k = i + c + 2
                    while k + 1 < n and tokens[k] == "," and tokens[k + 1].isdigit():
                        k += 2
                    found.append(" ".join(tokens[i - 1 : k]))
                    break
    return [_DIGIT_GROUPS.sub(r"\1,\2", phrase) for phrase in found]


# The scope a default topic needs in the item: every group must have one anchor present.
_REQUIRES: dict[str, tuple[tuple[str, ...], ...]] = {
    "russia-politics": (("^russia",),),
    "russia-economy": (("^russia",),),
    "military-aid": (("^ukraine",),),
    "eu": (("^ukraine", "^russia", "^eusanctions"),),
    "us-politics": (("^usa",), ("^ukraine", "^russia", "^war")),
    "black-sea": (("^blacksea",),),
}
_CORE = 0.6  # a topic needs one phrase at least this strong: weak words only support ...
_ENOUGH = 1.8  # ... unless there are many of them
_Hits = dict[str, list[tuple[int, int, float]]]  # slug -> (start, end, weight) token spans


def _plain_punctuation(text: str) -> str:
    for fancy, plain in _PLAIN_PUNCTUATION:
        if fancy in text:
            text = text.replace(fancy, plain)
    return text


def _normalise(text: str) -> str:
    if not text.isascii():
        text = _plain_punctuation(text)
        if not text.isascii():  # letters with diacritics: "Zelenskyy’s" needed none of this
            text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if "US" in text or "U." in text:
        text = _USA.sub(" usa ", text)
    text = text.lower()
    return _POSSESSIVE.sub("", text) if "'" in text else text


def tokenize(text: str) -> list[str]:
    """Lower-cased words, with sentence ends and commas kept as tokens."""
    normalised = _normalise(text)
    return (_ASCII_TOKEN if normalised.isascii() else _TOKEN).findall(normalised)


def _expand(word: str) -> list[str]:
    """`sanction{,s}|embargo` -> ["sanction", "sanctions", "embargo"]."""
    out: list[str] = []
    for alternative in word.split("|"):
        match = re.fullmatch(r"([^{]*)\{([^}]*)\}(.*)", alternative)
        if match:
            head, options, tail = match.groups()
            for option in options.split(","):
                out.extend(_expand(head + option + tail))
        elif alternative == "#":
            out.extend(("#", *_NUMBER_WORDS))
        else:
            out.append(alternative)
    return out


def _parse_rules(spec: str) -> list[tuple[str, float]]:
    rules: list[tuple[str, float]] = []
    for line in spec.strip().splitlines():
        weight, _, phrases = line.partition(":")
        rules.extend((p.strip(), float(weight)) for p in phrases.split(";") if p.strip())
    return rules


def _generic_rules(topic: Topic) -> list[tuple[str, float]]:
    """Weaker rules for a slug we have no curated list for: its label, slug and meaning."""
    rules: list[tuple[str, float]] = []

    def words(text: str) -> list[str]:
        return [w for w in _TOKEN.findall(_normalise(text)) if w.isalnum()]

    def content(ws: Iterable[str]) -> list[str]:
        return [w for w in ws if w not in _STOPWORDS and len(w) > 2]

    label, slug = words(topic.label), words(topic.slug.replace("-", " "))
    for name in (label, slug):
        if name:
            rules.append((" ".join(f"{w}{{,s}}" for w in name), 1.0))
        if len(name) > 1:
            rules.extend((f"{w}{{,s}}", 0.5) for w in content(name))
    for part in re.split(r"[,;:()]|\band\b|\bor\b", topic.meaning):
        ws = content(words(part))
        if 1 < len(ws) <= 4:
            rules.append((" ".join(ws), 0.8))
        rules.extend((f"{w}{{,s}}", 0.4) for w in ws if len(w) > 3)
    return rules


@dataclass
class _Phrase:
    length: int
    rest: tuple[str, ...]  # the units after the first two
    weights: list[tuple[str, float, bool]]  # (slug, weight, counts less in a list)
    id: int


class _Rules:
    """Phrase rules compiled for one catalogue; built once, then only read (and its cache)."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        topics = tuple(topics)
        self.slugs = tuple(topic.slug for topic in topics)
        self.generic = frozenset(t.slug for t in topics if t.slug not in _RULES)
        self.exact: dict[str, set[str]] = {}
        self.prefixes: dict[str, set[str]] = {}
        # first unit -> (one-word phrases, second unit -> longer phrases, longest first)
        self.first: dict[str, tuple[list[_Phrase], dict[str, list[_Phrase]]]] = {}
        self.cache: dict[str, _Word] = {}
        phrases: dict[tuple[str, ...], _Phrase] = {}
        sources = [(slug, _parse_rules(spec)) for slug, spec in _ANCHORS.items()]
        for topic in topics:
            spec = _RULES.get(topic.slug)
            sources.append(
                (topic.slug, _parse_rules(spec) if spec is not None else _generic_rules(topic))
            )
        for slug, rules in sources:
            for text, weight in rules:
                entity = text.startswith("@")
                units = tuple(text.lstrip("@").split())
                for unit in units:
                    self._register(unit)
                phrase = phrases.get(units)
                if phrase is None:
                    phrase = _Phrase(len(units), units[2:], [], len(phrases))
                    phrases[units] = phrase
                    singles, pairs = self.first.setdefault(units[0], ([], {}))
                    if len(units) == 1:
                        singles.append(phrase)
                    else:
                        pairs.setdefault(units[1], []).append(phrase)
                if all(s != slug for s, _, _ in phrase.weights):
                    phrase.weights.append((slug, weight, entity))
        for _, pairs in self.first.values():
            for candidates in pairs.values():
                candidates.sort(key=lambda p: -p.length)
        self.prefix_lengths = sorted({len(p) for p in self.prefixes})
        self.order = {slug: index for index, slug in enumerate(self.slugs)}
        self.needs = {s: _REQUIRES[s] for s in self.slugs if s in _REQUIRES and s in _RULES}

    def _register(self, unit: str) -> None:
        for word in _expand(unit):
            if word.endswith("*"):
                self.prefixes.setdefault(word[:-1], set()).add(unit)
            else:
                self.exact.setdefault(word, set()).add(unit)

    def word(self, token: str) -> _Word:
        """The units a token satisfies and the phrases it may start (cached per token)."""
        found = self.cache.get(token)
        if found is None:
            units = set(self.exact.get(token, ()))
            for length in self.prefix_lengths:
                if length > len(token):
                    break
                units.update(self.prefixes.get(token[:length], ()))
            if token[0].isdigit():
                units.update(self.exact.get("#th" if _ORDINAL.fullmatch(token) else "#", ()))
            starts = tuple(self.first[u] for u in sorted(units) if u in self.first)
            found = (frozenset(units), starts)
            if len(self.cache) > 200_000:
                self.cache.clear()
            self.cache[token] = found
        return found

    def score(self, tokens: list[str]) -> tuple[dict[str, float], _Hits]:
        """Each topic's score, and its hits as (start, end, weight) token spans."""
        get, word = self.cache.get, self.word
        info = [get(token) or word(token) for token in tokens]
        n = len(tokens)
        ends = [i for i, t in enumerate(tokens) if t in _BOUNDARIES and i and tokens[i - 1] != t]
        open_end = bool(tokens) and tokens[-1] not in _BOUNDARIES
        lead_end = min(ends[0] if ends else n, _LEAD_WORDS)  # the gist: the first sentence
        tail_start = n  # a last sentence of three or more is where passing mentions live
        if len(ends) + open_end >= 3:
            tail_start = ends[-1] + 1 if open_end else ends[-2] + 1
        scores: dict[str, float] = {}
        hits: _Hits = {}
        covered: dict[str, int] = {}  # slug -> end of its last phrase
        blocked: dict[str, int] = {}  # slug -> end of its last override (weight <= 0)
        seen: set[tuple[str, int]] = set()
        for i in [i for i, w in enumerate(info) if w[1]]:
            after = info[i + 1][0] if i + 1 < n else _NOTHING
            found: list[_Phrase] = []
            for singles, pairs in info[i][1]:
                if after and pairs:
                    if len(pairs) < len(after):
                        seconds = [u for u in pairs if u in after]
                    else:
                        seconds = [u for u in after if u in pairs]
                    for second in seconds:
                        for phrase in pairs[second]:
                            if not phrase.rest or (
                                i + phrase.length <= n
                                and all(u in info[i + j][0] for j, u in enumerate(phrase.rest, 2))
                            ):
                                found.append(phrase)
                found.extend(singles)
            if not found:
                continue
            if len(found) > 1:
                found.sort(key=_longest_first)
            position = _LEAD if i < lead_end else _TAIL if i >= tail_start else 1.0
            for phrase in found:
                end = i + phrase.length
                listed: bool | None = None
                background: bool | None = None
                for slug, weight, entity in phrase.weights:
                    if covered.get(slug, 0) >= end or blocked.get(slug, 0) > i:
                        continue  # inside a longer phrase that already spoke for this topic
                    covered[slug] = end
                    if weight <= 0:
                        blocked[slug] = end
                    factor = position
                    if weight > 0 and slug in _EVENTS:
                        if background is None:
                            background = _is_background(tokens, i, end)
                        if background:
                            factor *= _BACKGROUND
                    if entity:
                        if listed is None:
                            listed = _in_list(tokens, i, end)
                        if listed:
                            factor *= _LISTED
                    key = (slug, phrase.id)
                    if key in seen:
                        factor *= _REPEAT
                    else:
                        seen.add(key)
                    scores[slug] = scores.get(slug, 0.0) + weight * factor
                    if weight > 0:  # a phrase in the background is not a strong one
                        strength = weight * _BACKGROUND if background else weight
                        hits.setdefault(slug, []).append((i, end, strength))
        return scores, hits


def _longest_first(phrase: _Phrase) -> int:
    return -phrase.length


_NOTHING: frozenset[str] = frozenset()
_Word = tuple[frozenset[str], tuple[tuple[list[_Phrase], dict[str, list[_Phrase]]], ...]]


# Topics about events (a strike, a battle) that an item may name only as background: the cause
# of its news ("since strikes pushed the fleet out"), a past event ("destroyed by a missile attack
# in April"), a purpose or a threat ("to protect the grid from drone attacks").
_EVENTS = frozenset({"strikes", "frontline"})
_BACKGROUND_BEFORE = frozenset(
    _words(
        "since despite before simulating simulate simulated simulation simulations protect "
        "protects protected protecting protection shield shielding defend defending threat "
        "threats fear fears risk prevent preventing deter deterring rehearse rehearsed rehearsing "
        "caused due because citing"
    )
)
_MONTHS = frozenset(
    _words("january february march april may june july august september october november december")
)
_BACKGROUND_AFTER = frozenset(_words("last earlier ago in"))
_DURATIONS = frozenset(_words("days weeks months years decades"))
_SEASONS = frozenset(_words("week month year summer autumn fall winter spring decade"))


def _is_background(tokens: list[str], start: int, end: int) -> bool:
    """Whether the phrase tokens[start:end] names an event only as background, by the words
    around it in its clause (commas and sentence ends close a clause)."""
    for k in range(start - 1, max(-1, start - 9), -1):
        word = tokens[k]
        if word in _BOUNDARIES or word == ",":
            break
        if word in _BACKGROUND_BEFORE:
            return True
        if word == "after" and k and tokens[k - 1] in _DURATIONS:  # months after an attack
            return True
        if word == "after" and _is_consequence(tokens, k):  # rationing after strikes on ...
            return True
        if word == "over" and not _is_count(tokens[k + 1]):  # warrants over strikes on ...
            return True
    n = len(tokens)
    for k in range(end, min(n, end + 7)):
        word = tokens[k]
        if word in _BOUNDARIES or word == ",":
            break
        if word == "ago":
            return True
        if word in _BACKGROUND_AFTER and k + 1 < n:
            following = tokens[k + 1]
            if word == "last" and following in _SEASONS:
                return True
            if word == "earlier" and following == "this":
                return True
            if word == "in" and (
                following in _MONTHS
                or (len(following) == 4 and following.isdigit() and following[:2] in ("19", "20"))
            ):
                return True
    return False


# Words of harm or damage in a sentence with "after" make it a report of the event itself ("two
# were killed after a missile hit ..."); without them the event is the cause of other news.
_EVENT_NEWS = frozenset(
    _words(
        "kill killed killing injured injuring wounded wounding dead died dies death deaths hurt "
        "casualties destroyed damaged hit ablaze fire fires burning blaze explosions explosion "
        "struck evacuated rubble sirens alert shot intercepted downed wreckage debris toll "
        "attacked bodies victims advanced captured repelled fighting fell"
    )
)


def _is_consequence(tokens: list[str], after: int) -> bool:
    """Whether a sentence "<news> after <event>" reports other news than the event: "rationing
    after strikes on refineries", but not "outages after strikes damaged plants" or "... after
    shelling that killed 25"."""
    start = after
    while start > 0 and tokens[start - 1] not in _BOUNDARIES:
        start -= 1
    end = after
    while end < len(tokens) and tokens[end] not in _BOUNDARIES:
        end += 1
    if after - start < 3:  # "After the strike, ..." opens the sentence: it is the news
        return False
    return not any(token in _EVENT_NEWS for token in tokens[start:end])


def _in_list(tokens: list[str], start: int, end: int) -> bool:
    """Whether tokens[start:end] is one of several names: "UK, US, EU and China", "EU and US"
    (but not "By contrast, North Korea ...")."""
    before = tokens[start - 1] if start > 0 else ""
    after = tokens[end] if end < len(tokens) else ""
    if start == 0:  # "Iran and the E3 held talks": a pair that opens the text is its subject
        return after == ","
    return after in (",", "and", "or") or before in ("and", "or")


@dataclass
class _Evidence:
    tokens: list[str]
    scores: dict[str, float]
    hits: _Hits
    tolls: list[str]  # civilian tolls found by _TOLL (they count for `humanitarian`)


def _without_repeated_headline(text: str) -> str:
    """ "Headline\nHeadline. More text" -> "Headline. More text": a parser that takes an item's
    first sentence as its headline must not make that sentence count twice."""
    head, newline, body = text.partition("\n")
    if newline:
        head = head.strip().rstrip("….").rstrip()
        if head and body.lstrip().startswith(head):
            return body
    return text


def _weigh(text: str, rules: _Rules) -> _Evidence:
    tokens = tokenize(_without_repeated_headline(text))
    scores, hits = rules.score(tokens)
    tolls: list[str] = []
    if (
        scores.get("^harm")
        and "humanitarian" in rules.slugs
        and "humanitarian" not in rules.generic
        and (scores.get("strikes", 0.0) >= 0.5 or not scores.get("^accident"))
    ):
        tolls = _find_tolls(tokens)
        if tolls:
            scores["humanitarian"] = scores.get("humanitarian", 0.0) + _TOLL_WEIGHT
    return _Evidence(tokens, scores, hits, tolls)


def classify(text: str, catalogue: Catalogue) -> Classification:
    """The catalogue topics `text` is mainly or substantially about, in catalogue order, and why."""
    rules = catalogue._rules
    evidence = _weigh(text, rules)
    scores, hits = evidence.scores, evidence.hits
    chosen: list[str] = []
    reasons: dict[str, tuple[str, ...]] = {}
    candidates = [s for s, v in scores.items() if v >= THRESHOLD and s in rules.order]
    for slug in sorted(candidates, key=rules.order.__getitem__):
        found = hits.get(slug, [])
        tolls = evidence.tolls if slug == "humanitarian" else []
        strong = tolls or scores[slug] >= _ENOUGH or any(w >= _CORE for _, _, w in found)
        if not strong:
            continue
        needs = rules.needs.get(slug)
        if needs and not all(any(anchor in scores for anchor in group) for group in needs):
            continue
        chosen.append(slug)
        phrases = [" ".join(evidence.tokens[start:end]) for start, end, _ in found]
        reasons[slug] = tuple(dict.fromkeys([*phrases, *tolls]))
    return Classification(topics=tuple(chosen), reasons=reasons)


def explain(text: str, catalogue: Catalogue) -> dict[str, float]:
    """Every catalogue topic's raw score for `text`, chosen or not (for tuning rules)."""
    scores = _weigh(text, catalogue._rules).scores
    return {slug: round(scores[slug], 2) for slug in catalogue.slugs if slug in scores}
