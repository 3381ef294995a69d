"""Who reported an item: trailing citations, "Source:" lines and attributions in the prose.

Pure functions on one item's text. Explicit citations (a trailing "(Politico; see also Reuters)",
"- BBC", "Source: X") are trusted as written. Names in the prose ("Reuters reports", "according
to ...") only count when they look like a news outlet, because prose is full of governors and
ministries that "said" things.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def _wordset(text: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(word.strip() for word in text.split(sep) if word.strip())


# Outlets (lower case) that digests name in their prose; "X reported" counts only for these, or
# for a capitalised name ending in one of the suffixes below ("Kyiv Independent", "Kyodo News").
_OUTLETS = _wordset(
    """
    reuters|associated press|ap|ap news|afp|agence france-presse|agence france presse|bloomberg
    |bloomberg news|bbc|bbc news|cnn|nbc|nbc news|cbs|cbs news|abc|abc news|fox news|npr|pbs|msnbc
    |cnbc|new york times|nyt|washington post|wall street journal|wsj|financial times|ft|guardian
    |observer|economist|politico|politico europe|axios|newsweek|atlantic|vox|bild|spiegel
    |der spiegel|die zeit|zeit|faz|le monde|le figaro|el país|el pais|corriere della sera|ansa|dpa
    |efe|yonhap|kyodo|nhk|xinhua|cgtn|tass|ria novosti|ria|interfax|interfax-ukraine|ukrinform
    |unian|kyiv independent|kyiv post|ukrainska pravda|meduza|novaya gazeta|kommersant|vedomosti
    |rbc|izvestia|moscow times|al jazeera|al-jazeera|al arabiya|haaretz|times of israel
    |jerusalem post|anadolu|euractiv|euronews|eu observer|euobserver|deutsche welle|dw|rfe/rl
    |radio free europe|radio liberty|voice of america|voa|sky news|itv|telegraph|independent|times
    |daily mail|usa today|los angeles times|new yorker|foreign policy|foreign affairs|defense news
    |breaking defense|isw|institute for the study of war|nikkei|nikkei asia
    |south china morning post|scmp|straits times|hindustan times|times of india|ndtv|dawn|cbc|ctv
    |rte|irish times|yle|nrk|svt|tvn24|hromadske|suspilne|nv|forbes|fortune|insider
    |business insider|semafor|propublica|mediazona|bellingcat|balkan insight|wired|the verge
    |techcrunch|ars technica|time|sueddeutsche zeitung|süddeutsche zeitung|la repubblica""",
    "|",
)
_OUTLET_SUFFIXES = _wordset(
    "news times post journal press independent guardian telegraph tribune herald gazette novosti "
    "agency radio tv television wire magazine daily insider monitor observer chronicle express "
    "mail mirror standard pravda review weekly bulletin zeitung gazeta broadcasting"
)
# Trailing parentheses that label an item rather than cite it: "(Photo)", "(Updated)".
_LABELS = _wordset(
    "photo photos video videos updated update opinion analysis live exclusive paywall pdf audio "
    "podcast editorial thread map maps explainer interview"
)
_MONTHS = _wordset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december"
)
_CONNECTORS = _wordset("of the de du des la le el al and & für di da on for in y")

_SPLIT = re.compile(r"\s*[;,]\s*|\s+and\s+")
_CUE = re.compile(
    r"^(?:see also|see|also|via|sources?\s*:|from|h/t|hat tip|cf\.?|more\s*:|and|with)\s+", re.I
)
_DASH_TAIL = re.compile(r"\s(?:--|[-–—])\s*(?=\S)")
_SOURCE_TAIL = re.compile(r"(?:^|(?<=[\s.]))(?:sources?|via|quelle|fuente)\s*:\s*", re.I)
_SOURCE_LINE = re.compile(r"^\s*(?:sources?|via|quelle|fuente)\s*:\s*(?P<names>\S.{0,200})$", re.I)

_NAME = r"(?<![\w'’])[A-Z][\w'’&.\-/]*(?:\s+(?:[A-Z][\w'’&.\-/]*|of|de|al)){0,5}"
_PREFIX = re.compile(rf"^(?:[Tt]he\s+)?(?P<name>{_NAME})\s*:\s+(?=\S)")
# (literal cues, one of which must be in the text; the pattern; whether a name that is not a
# known outlet may count; which end of the name to keep when it runs over a full stop, as in
# "according to the Kyiv Independent. Head of ..."). The patterns start with a literal rather
# than \b so that `re` can skip ahead quickly; the word boundary is checked in code.
_ATTRIBUTIONS = (
    (("according to",), re.compile(rf"according to\s+(?P<the>the\s+)?(?P<name>{_NAME})"), True, 0),
    (
        ("told", "via", "per "),
        re.compile(rf"(?:told|via|per)\s+(?:the\s+)?(?P<name>{_NAME})"),
        False,
        0,
    ),
    (
        ("in a", "In a"),  # "in an article for The Economist", "in an interview with the BBC"
        re.compile(
            r"(?:article|interview|op-ed|column|piece|report|editorial|essay)"
            rf" (?:for|with|in|by|to)\s+(?:the\s+)?(?P<name>{_NAME})"
        ),
        False,
        0,
    ),
)
_IN_A = re.compile(r"\b[Ii]n an?\s+$")
# What every "in a(n) article for X" has, opening with a literal: quick to rule out.
_IN_A_PIECE = re.compile(
    r"n an?\s+(?:article|interview|op-ed|column|piece|report|editorial|essay) "
)
# "X reported": find the verb first (cheap), then walk back over the capitalised words before it.
# (reports, reported, reporting, says, said, writes, wrote, notes, noted, cited, claims, claimed,
# confirmed, quoted, revealed: grouped by their first letters, which `re` tries faster)
_VERBS = (
    r"(?:report(?:s|ed|ing)|sa(?:ys|id)|wr(?:ites|ote)|not(?:es|ed)|c(?:ited|laim(?:s|ed)|onfirmed)"
    r"|quoted|revealed)\b"
)
_VERB = re.compile(_VERBS)
_SPACED_VERB = re.compile(" " + _VERBS)  # opens with a literal: `re` skips from space to space
_FILLER = frozenset(("news", "agency", "newspaper", "website", "outlet", "has", "have", "first"))
_FULL_STOP = re.compile(r"\.\s+")
_AGENCY = re.compile(r"\s+(?:news agency|newspaper)$", re.I)
_ENDS_NAME = frozenset('.,;:!?"”’)')


# The name-level functions are cached: digests name the same few dozen outlets over and over.


@lru_cache(maxsize=4096)
def normalise_source(name: str) -> str:
    """'the Associated Press' -> 'Associated Press'; "Russia's Tass news agency" -> 'Tass'."""
    words = name.strip(" \t.,;:!?\"'“”‘’()[]").split()
    while len(words) > 1 and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    while len(words) > 1 and words[0].endswith(("'s", "’s")):
        words = words[1:]
    return _AGENCY.sub("", " ".join(words))


# Outlets cited under several names. A story carried by "AP News" in one digest and "the
# Associated Press" in another has one source, not two.
_SAME_OUTLET = {
    "ap": "ap",
    "ap news": "ap",
    "associated press": "ap",
    "afp": "afp",
    "agence france-presse": "afp",
    "agence france presse": "afp",
    "bbc": "bbc",
    "bbc news": "bbc",
    "nyt": "new york times",
    "ft": "financial times",
    "wsj": "wall street journal",
    "ria": "ria novosti",
    "tass news agency": "tass",
    "economist": "economist",
    "kyiv independent": "kyiv independent",
}


@lru_cache(maxsize=4096)
def outlet_key(name: str) -> str:
    """One key per outlet, whatever name a digest cites it by (for de-duplicating sources)."""
    plain = " ".join(normalise_source(name).casefold().split())
    return _SAME_OUTLET.get(plain, plain)


def distinct_outlets(names: Iterable[str]) -> tuple[str, ...]:
    """Names as given, first one per outlet (see `outlet_key`), blanks skipped."""
    seen: dict[str, str] = {}
    for name in names:
        if name:
            seen.setdefault(outlet_key(name), name)
    return tuple(seen.values())


@lru_cache(maxsize=4096)
def is_outlet(name: str) -> bool:
    words = normalise_source(name).lower().split()
    if not words:
        return False
    return " ".join(words) in _OUTLETS or (len(words) > 1 and words[-1] in _OUTLET_SUFFIXES)


@lru_cache(maxsize=4096)
def looks_like_source(name: str) -> bool:
    """A short capitalised name: 'Reuters', 'AP News', 'EU Observer', 'the Kyiv Independent'."""
    words = name.split()
    if not 1 <= len(words) <= 6 or len(name) > 60 or name[-1] in ".!?:":
        return False
    first = normalise_source(name)
    if not first or not (first[0].isupper() or first[0].isdigit()) or first.isdigit():
        return False
    lowered = [w.lower().strip(".,") for w in words]
    if lowered[0] in _LABELS or any(w in _MONTHS or w.isdigit() for w in lowered):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _CONNECTORS for w in words)


def dedupe(names: Iterable[str]) -> tuple[str, ...]:
    """Normalised names in first-seen order, without case-insensitive repeats."""
    seen: dict[str, str] = {}
    for name in names:
        clean = normalise_source(name)
        if clean and clean.lower() not in seen:
            seen[clean.lower()] = clean
    return tuple(seen.values())


def split_sources(text: str) -> tuple[str, ...]:
    """'Politico; see also Reuters, Euractiv' -> the names, or () if any part is not a name."""
    # A digest cites the same few lists over and over; longer text is seldom a citation at all.
    return _split_short_sources(text) if len(text) <= 120 else _split_sources(text)


@lru_cache(maxsize=4096)
def _split_short_sources(text: str) -> tuple[str, ...]:
    return _split_sources(text)


def _split_sources(text: str) -> tuple[str, ...]:
    names: list[str] = []
    for part in _SPLIT.split(text.strip()):
        name = _CUE.sub("", _CUE.sub("", part.strip()).strip()).strip()  # "see also via X"
        if not name:
            continue
        if not looks_like_source(name):
            return ()
        names.append(name)
    return dedupe(names)


def source_line(text: str) -> tuple[str, ...]:
    """A whole line that only cites: 'Source: BBC', 'Sources: AP, Reuters'."""
    match = _SOURCE_LINE.match(text)
    return split_sources(match["names"].rstrip(". ")) if match else ()


def take_trailing_sources(text: str) -> tuple[str, tuple[str, ...]]:
    """Take a closing citation ('(X; see also Y)', '[X]', '- X', 'Source: X') off the text."""
    body = text.rstrip(" .")
    for take in (_take_bracketed, _take_source_tail, _take_dash_tail):
        rest, names = take(body)
        if names:
            rest_before, more = _take_bracketed(rest.rstrip())  # "... (Reuters) - AP"
            if more:
                rest, names = rest_before, dedupe((*more, *names))
            return _keep_final_stop(text, rest), names
    return text, ()


def _keep_final_stop(original: str, rest: str) -> str:
    rest = rest.rstrip(" -–—:;,")
    if original.rstrip().endswith(".") and rest and rest[-1] not in ".!?\"'”’…)":
        return rest + "."
    return rest


def _take_bracketed(body: str) -> tuple[str, tuple[str, ...]]:
    if not body.endswith((")", "]")):
        return body, ()
    start = body.rfind("(" if body.endswith(")") else "[")
    inner = body[start + 1 : -1]
    if start < 0 or not inner.strip() or "(" in inner or "[" in inner:
        return body, ()
    before = body[:start].rstrip()
    if _is_abbreviation(before, inner.strip()):
        return body, ()
    names = split_sources(inner)
    return (before, names) if names else (body, ())


def _is_abbreviation(before: str, inner: str) -> bool:
    """'... Cultural Organization (UNESCO)' defines an acronym; it does not cite UNESCO."""
    letters = inner.replace(".", "")
    if not letters.isupper() or not letters.isalpha() or len(letters) < 2:
        return False
    words = [w for w in before.split()[-3 * len(letters) :] if w.lower() not in _CONNECTORS]
    return "".join(w[0] for w in words[-len(letters) :]).upper() == letters


def _take_source_tail(body: str) -> tuple[str, tuple[str, ...]]:
    offset = max(0, len(body) - 200)  # a citation is short: only the end of the text matters
    if body.find(":", offset) < 0:
        return body, ()
    last = None
    for last in _SOURCE_TAIL.finditer(body, offset):  # noqa: B007 - only the last one matters
        pass
    if last is None or last.start() == 0:
        return body, ()
    names = split_sources(body[last.end() :])
    return (body[: last.start()].rstrip(), names) if names else (body, ())


def _take_dash_tail(body: str) -> tuple[str, tuple[str, ...]]:
    offset = max(0, len(body) - 80)
    if body.find("-", offset) < 0 and body.find("–", offset) < 0 and body.find("—", offset) < 0:
        return body, ()
    last = None
    for last in _DASH_TAIL.finditer(body, offset):  # noqa: B007 - only the last one matters
        pass
    if last is None or last.start() == 0 or len(body[last.end() :].split()) > 4:
        return body, ()
    names = split_sources(body[last.end() :])
    return (body[: last.start()].rstrip(), names) if names else (body, ())


def take_prose_sources(text: str) -> tuple[str, tuple[str, ...]]:
    """A leading 'Reuters: ...' label (taken off) and outlets named in attributions (kept)."""
    names: list[str] = []
    prefix = _PREFIX.match(text) if ":" in text else None
    if prefix and is_outlet(prefix["name"]):
        names.append(prefix["name"])
        text = text[prefix.end() :]
    found: list[tuple[int, str]] = []
    for cues, pattern, lenient, end in _ATTRIBUTIONS:
        for cue in cues:
            if cue in text:
                found.extend(_attributions(text, pattern, lenient, end, in_a="in a" in cues))
                break
    for start in _verbs_after_space(text):
        name = _name_before(text, start)
        if name and _accept(name, has_the=False, lenient=False):
            found.append((start - len(name), name))
    if not found and not names:
        return text, ()
    names.extend(name for _, name in sorted(found))
    return text, dedupe(names)


def _verbs_after_space(text: str) -> list[int]:
    """Where each verb that follows whitespace starts."""
    spaced = text.replace("\n", " ")
    if spaced.isprintable():  # then " " is its only whitespace: the fast pattern finds them all
        return [verb.start() + 1 for verb in _SPACED_VERB.finditer(spaced)]
    verbs = [verb.start() for verb in _VERB.finditer(text)]
    return [start for start in verbs if start and text[start - 1].isspace()]


def _attributions(
    text: str, pattern: re.Pattern[str], lenient: bool, end: int, in_a: bool
) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    if in_a and not _IN_A_PIECE.search(text):
        return found
    for match in pattern.finditer(text):
        start = match.start()
        if start and text[start - 1].isalnum():
            continue
        if in_a and not _IN_A.search(text, max(0, start - 6), start):
            continue
        name = _FULL_STOP.split(match["name"])[end]
        if _accept(name, has_the=bool(match.groupdict().get("the")), lenient=lenient):
            found.append((match.start("name"), name))
    return found


def _name_before(text: str, end: int) -> str:
    """The capitalised words before `end`: "Russia’s Tass news agency said" -> "Russia’s Tass"."""
    before = text[max(0, end - 100) : end]
    last = (before.rsplit(None, 1) or [""])[-1]
    if not last or (last not in _FILLER and (last[-1] in _ENDS_NAME or not last[0].isupper())):
        return ""  # the usual case: "officials said", "he added, and said"
    words = before.split()
    while words and words[-1] in _FILLER:
        words.pop()
    name: list[str] = []
    while words and len(name) < 6:
        word = words[-1]
        connector = bool(name) and word in ("of", "de", "al")
        if word[-1] in _ENDS_NAME or not (word[0].isupper() or connector):
            break
        name.insert(0, words.pop())
    return " ".join(name)


def _accept(name: str, *, has_the: bool, lenient: bool) -> bool:
    name = normalise_source(name)
    if is_outlet(name):
        return True
    # "according to Spike Brokers" is explicit enough; "according to the Central Bank" and
    # "according to Prokudin" name a body or a person, not where the story came from.
    return lenient and not has_the and len(name.split()) >= 2 and not name.endswith(("'s", "’s"))
