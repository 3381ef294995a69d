"""The topic catalogue and a pure, rule-based `classify(text, catalogue)`.

The catalogue is a markdown table (`| slug | label | meaning |`), shipped in `data/topics.md` and
replaceable by an operator's file of the same shape. `classify` is deterministic and needs no model:
each default slug has a curated list of weighted phrases (`_RULES`) with guards for the labelling
conventions in `topics.md`; an operator's own slugs fall back to their label and meaning.

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
# One rule per line: "weight: phrase; phrase; ...". A phrase is words separated by spaces; a word
# may be `a|b` (either), `stem{,s,ed}` (stem, stems, stemed), `prefix*` (any word starting so),
# `#` (a number, in digits or words) or `#th` (an ordinal). Text is lower-cased, "U.S." is "usa",
# possessives are dropped ("Russia's" -> "russia"). A leading `@` marks a name that counts less in
# an enumeration. Weight 0 or below overrides a shorter phrase inside it.

_ANCHORS = {
    "^russia": """
        1: bashkortostan; bashkiria; ufa; buryatia; yakutia; tuva; ingushetia; karelia; samara
        1: volgograd; voronezh; nizhny novgorod; omsk; krasnoyarsk; irkutsk; khabarovsk; vladivostok
        1: murmansk; kaliningrad; tula; ryazan; saratov; orenburg; tyumen; sakhalin; kamchatka
        1: sverdlovsk; lipetsk; kaluga; smolensk; pskov; tver; yaroslavl; rosstat; roskomnadzor
        1: russia; russian{,s}; kremlin; moscow; putin; duma; rouble{,s}; ruble{,s}; wagner
        1: st petersburg; yekaterinburg; novosibirsk; kazan; perm; chelyabinsk; belgorod; kursk
        1: bryansk; rostov; krasnodar; dagestan; chechnya; chechen; tatarstan; siberia*; fsb
        1: navalny*; shoigu; belousov; peskov; lavrov; medvedev; gerasimov; prigozhin; kadyrov
        1: nabiullina; siluanov; mishustin; sobyanin; zakharova; patrushev; kiriyenko; levada
    """,
    "^ukraine": """
        1: ukraine; ukrainian{,s}; kyiv; kiev; zelensky*; zelenskiy*; zelenskyy*; shmyhal
        1: kuleba; yermak; zaluzhn*; syrskyi; umerov; reznikov; podolyak; budanov; rada
        1: ua; afu
    """,
    "^blacksea": """
        1: black sea; azov; crimea*; sevastopol; kerch; odesa; odessa; danube; izmail; reni
        1: novorossiysk; chornomorsk; pivdennyi; mykolaiv; bosphorus; ukraine; ukrainian; tuapse
        1: constanta; varna; batumi
        1: grain corridor; grain deal; grain initiative
    """,
    "^accident": """
        1: fire broke out; accident; explosion{,s}; blast; collapse{,d}; crash{,ed}; cause
    """,
    "^eusanctions": """
        1: sanctions package{,s}; #th package; package of sanctions; #th sanctions
    """,
    "^usa": """
        1: freedom caucus; government shutdown; stopgap; house speaker; senator{,s}; vance; rubio
        1: hegseth; witkoff; mike johnson; thune; schumer; mcconnell; state department; maga
        1: treasury department; commerce department; secretary of state
        1: usa; american{,s}; washington; congress; senate; white house; biden; trump; pentagon
        1: republican{,s}; democrat{,s}; gop; house of representatives; capitol; speaker johnson
        1: america
    """,
    "^war": """
        1: war; israel; nato; aid; invasion; military
    """,
    "^harm": """
        1: kill{,s,ed,ing}; injur{e,es,ed,ing,y,ies}; wound{,s,ed,ing}; hurt; dead; died
        1: death{,s}; casualt{y,ies}; toll; year old
    """,
}

_RULES: dict[str, str] = {
    "sanctions": """
        1.0: snapback; secondary tariffs; ban{,s} on imports|exports; ban{,s} on russian
        1.0: sanction{,s} package{,s}; package{,s} of sanctions; #th package; #th sanctions
        1.0: round of sanctions; new sanctions; fresh sanctions; further sanctions; more sanctions
        1.0: sanctions against; sanctions on; sanctions targeting; secondary sanctions
        1.0: sanctions evasion; sanctions violation{,s}; sanctions busting; sanctions list
        1.0: evad{e,ed,es,ing} sanctions; circumvent{,ed,ing,s} sanctions; circumvention
        1.0: bypass{,ed,ing} sanctions; breach{,ed,es,ing} sanctions; violat{e,ed,es,ing} sanctions
        1.0: violation of sanctions; sanctions regime; impos{e,ed,es,ing} sanctions
        1.0: trade sanctions; slapped sanctions; export control{,s}; export ban{,s}; import ban{,s}
        1.0: price cap; entity list; ofac; asset freeze{,s}; frozen assets; froze assets
        1.0: assets frozen; freez{e,es,ing} assets; immobili{s,z}ed assets; dual use
        1.0: blacklist{,ed,s,ing}; embargo{,es}; trade restrictions; restrictions on trade
        1.0: sanctions evaders; frozen russian assets; russian central bank assets
        1.0: central bank assets; asset seizure{,s}; restrictive measures
        1.0: disconnect{,ed,ing} from swift; cut off from swift
        1.0: sanctions bill{,s}; sanctions legislation; ban{,s} on all imports|exports
        1.0: or face tariffs|sanctions; face secondary tariffs|sanctions
        0.7: microelectronics|electronics|components|chips|technology|equipment to russia
        0.8: un sanctions; tariff{,s} on countries|buyers
        0.8: ban{,s,ned,ning} imports|exports|russian; ban{,s,ned,ning} all imports|exports
        0.8: phas{e,ing} out russian|imports
        0.8: new restrictions; sanctioned; sanctioning; shadow fleet; seiz{e,ed,ing} assets
        0.8: usa|eu|uk|british|american|european sanctions; sanction{,s} target{,s,ed,ing}
        0.8: sanction{,s} also target{,s,ed,ing}; frozen russian; russian assets; immobili{s,z}ed
        0.8: travel ban{,s}; delist{,ed,ing}; parallel imports; high priority items
        0.8: processing payments; windfall profits
        0.7: swift; visa ban{,s}; export licen{c,s}e{,s}; transshipment
        0.6: sanction{,s}; re export{,s,ed,ing}; reexport*; designat{ed,ion,ions}
        0.5: smuggl{e,ed,es,ing}; shell companies; loophole{,s}; confiscat*; new package
        0.5: reparations loan; yacht{,s}; payments
        0.4: tariff{,s}; third countries; front companies; forged invoices
        0.3: restriction{,s}; treasury; enforcement; compl{y,iance}; end user{,s}; oligarch{,s}
        0.3: seized; listed; listings; banks
        0.2: microchips; chips; electronics; components; tanker{,s}
        0: sanctions relief; despite sanctions; unprecedented sanctions; western sanctions
        0: usa sanctions on iran|cuba|venezuela
        1.0: froze the assets of; freezing the assets of
        0.8: banned sales|sale of
        1.0: tariffs on countries that; tariffs on buyers|importers of russian
        0.8: front compan{y,ies}
        0.5: phase out; imports of russian
        0.6: ban|banning new contracts
        0.5: phasing out
    """,
    "peace-talks": """
        1.0: peace talks; peace negotiation{,s}; peace deal{,s}; peace plan{,s}; peace formula
        1.0: peace summit; peace settlement; peace process; peace agreement{,s}; peace conference
        1.0: peace initiative{,s}; peace proposal{,s}; peace framework; peace blueprint; truce
        1.0: ceasefire{,s}; cease fire; armistice; negotiating table; negotiation table
        1.0: negotiations with; talks with russia|moscow|kyiv|ukraine|hamas|israel|the kremlin
        1.0: negotiated settlement; political settlement; diplomatic settlement; settlement talks
        1.0: territorial concessions; concessions to russia; give up territory; cede territory
        1.0: cede land; ceding territory; land for peace; freeze the conflict; frozen conflict
        1.0: hostage deal; hostages deal; hostage release deal; pause in fighting
        1.0: direct negotiations; indirect negotiations; indirect talks; lasting peace
        1.0: just peace; final agreement; peace accord{,s}
        1.0: talks between russia|ukraine|israel|hamas|moscow|kyiv
        1.0: negotiations between russia|ukraine|israel|hamas|moscow|kyiv; hostage exchange
        1.0: venue for talks|negotiations|direct|peace; host{,s,ed,ing} talks|negotiations
        1.0: exchange hostages; hostages for prisoners; bring home the hostages|remaining
        1.0: deal to bring home; hostage talks; hostage negotiations; round of talks
        1.0: humanitarian pause{,s}; # point plan|formula; diplomatic solution; peacekeep*
        1.0: peace terms; terms for peace; conditions for peace|talks|negotiations|a ceasefire
        1.0: end the war if; direct talks; normandy format; minsk agreements; istanbul communique
        1.0: moratorium on strikes; energy ceasefire
        0.9: would end the war; preconditions; stop the war if
        0.7: concession{,s}; return{,ing} occupied territories; returning territories
        0.7: end{,s,ed,ing} the invasion; end{,s,ed,ing} invasion; give something away
        0.7: security guarantees; mediat{e,ed,ing,ion,or,ors}; give away; ultimatum; neutral status
        0.7: neutrality; demilitari{s,z}ation; istanbul talks
        0.6: end{,s,ed,ing} the war; end{,s,ing} the conflict; stop the war; special envoy{,s}
        0.6: bilateral talks
        0.5: negotiat*; release of hostages; give up; blueprint; witkoff; kellogg; peace mission
        0.4: peace; withdrawal of all russian troops
        0.3: talks; diplomacy; envoy{,s}; hostage{,s}; conditions; demands; terms
        0: accession negotiation{,s}; accession talks; membership talks; trade talks
        0.8: peace treaty
        0: trade negotiations; peace of mind; negotiating cluster{,s}
        0: nuclear talks; nuclear negotiations
        1.0: open to negotiations|talks; openness to negotiations|talks; compromise settlement
        1.0: prerequisites for negotiations|talks; basis for negotiations|talks
        0.8: towards|toward negotiations|talks; realities on the ground
        0.8: to the table; freeze along; freeze on the current line
        0: membership negotiations; accession negotiations with; membership negotiations with
        1.0: russian and ukrainian delegations
        1.0: talks in saudi arabia|istanbul|geneva|riyadh|jeddah|doha
        0.8: price of peace
        0.6: face to face; talks to start; hand back
        0.5: delegations
        0.8: agree to end the war; agreed to end the war
        0.6: ready to meet; make|making|cut|strike a deal
        1.0: peace envoy{,s}
        0.8: final offer; de jure recognition
        0.8: recognition of russian control|sovereignty
        0.6: broader talks; walk away
        0.4: red line{,s}
        0: war armistice; anniversary of the armistice
    """,
    "frontline": """
        1.0: counteroffensive{,s}; counter offensive{,s}; offensive operations; heavy fighting
        1.0: fierce fighting; made gains; limited gains; marginal gains; gained ground; lost ground
        1.0: foothold; bridgehead; positional warfare; positional war; positional fighting
        1.0: war of attrition; geolocated footage; defensive line{,s}; troop buildup
        1.0: troop build up; buildup of troops|forces; build up of troops|forces
        1.0: withdr{ew,awn} troops|forces; withdr{ew,awn} their troops; troops from belarus
        1.0: mass{ed,ing} troops|forces|soldiers; amass{ed,ing}
        1.0: captur{e,ed,es,ing} the village|town|city|settlement; non stop fighting
        1.0: ground operation{,s}; ground offensive; ground invasion; pushed deeper; tanks rolled
        1.0: took control of; taken control of; fell back; cross border raid{,s}; grey zone
        1.0: mechani{s,z}ed assault{,s}; armoured column{,s}; armored column{,s}; incursion{,s}
        1.0: salient
        1.0: troops|forces|soldiers to its|the|their border; zapad
        0.1: km|kilometres|kilometers|miles from the front line|front|frontline
        0: died|killed|fell|fallen|serving|served|fighting at|on the front
        0.9: counterattack{,s,ed,ing}; counter attack{,s,ed,ing}; encircle{,d,ment}
        0.9: combat operations; battle{,s} for; fighting for; massed; massing; pushed back
        0.9: prepared positions; forces|troops|units|army withdr{ew,awn,aws}
        0.8: marginally advanced; advanced near|into|toward|towards; assaults near; attacked near
        0.8: infiltrat*
        0.8: repel{,s,led,ling}; repulsed; recaptur*; stalemate; attritional; geolocated
        0.8: withdrawal of troops|forces; new offensive; advanced; advancing
        0.5: outskirts
        0.8: full control; ground troops
        0.7: logistics routes|route|lines|line|hub{,s}; supply lines|routes|route
        0.7: retreat{,s,ed,ing}; trench{,es}; fortifications; skirmish*
        0.7: ukrainian|russian positions; at the front; on the front; front line{,s}; frontline{,s}
        0.6: advance{,s}; liberat{e,ed,ing,ion}; attrition; axis; clash{,es}; redeploy*; deadlock
        0.6: breakthrough; manpower; minefield{,s}; rotation; reinforce{,d,s}; battle{,s}
        0.6: withdr{ew,awn} from; cross{,ed,es,ing} the border; crossing the border
        0.6: seized; flank{,s}
        0.5: interdict*
        0.5: offensive; assault{,s}; fighting; captur{e,ed,es,ing}; left bank; drone footage
        0.5: break through; reinforcements; positions; infantry; exhaust{ed,ion}
        0.5: withdr{ew,awn,awal,aws}
        0.4: battling; combat; fights; gains; surrounded; cut off; losses; reserves; howitzer{,s}
        0.4: near the border; along the border; deploy{,ed,s,ing,ment}; isw; avdiivka; bakhmut
        0.4: robotyne; klishchiivka; andriivka; krynky; kupiansk; kupyansk; marinka; maryinka
        0.4: vuhledar; verbove; pokrovsk; chasiv yar; toretsk; vovchansk; kurakhove; krasnohorivka
        0.4: synkivka; lyman; kreminna; svatove; novopavlivka; velyka novosilka; staromaiorske
        0.4: urozhaine; orikhiv; tokmak; horlivka; stepove; berdychi; selydove; siversk; huliaipole
        0.4: kostiantynivka; pishchanivka; poima; ocheretyne; bilohorivka; novomykhailivka; terny
        0.4: makiivka; rabotino; front; entered; division{,s}; village of; operation in
        0.3: milblogger{,s}
        0.3: troop{,s}; brigade{,s}; battalion{,s}; regiment{,s}; armoured; armored; tank{,s}
        0.3: sector; armoured vehicles; armored vehicles; general staff; storm{ed,ing}; artillery
        0.2: forces; units; soldiers; direction; border; military
        0.1: front line region{,s}; frontline region{,s}; front line town|city|cities|areas
        0: stalemate in congress; stalemate over; battle for the black sea; people liberation army
        0: assault brigade{,s}; assault unit{,s}; assault group{,s}; political battle; legal battle
        0: court battle; budget battle; battle against; withdrawal of all russian troops
        0: withdrawal of russian troops; return from the front
        0: withdr{ew,awn,aw,aws} from the race|talks|deal|agreement|treaty|election|contest
        0: withdr{ew,awn,aw,aws} from the competition|market|programme|program|summit|bid|accord
        0: withdr{ew,awn,aw,aws} from the candidacy; front page; front of; popular front
        0: front companies; front company; eastern flank; western flank
        1.0: ground assault{,s}; lightning offensive
        0.6: sq km; square kilomet{res,ers}
        0.8: deepstate; of ukrainian territory; garrison{,s}; barracks
        0.3: crossed into
        0.6: seizing; border villages; closer to the border; build up
        0.6: from the border; border with finland|belarus|ukraine|russia
        0: advanced ai|chips|technology|technologies|weapons|systems|semiconductors
        0: advanced fighter|fighters|missile|missiles|drones
        0.8: lines collapse{,d}; lines collapsing
        0.5: break|broke into
        0.8: mech push; mechani{s,z}ed push; push ukrainian|russian forces|troops out
        0.8: troops|forces towards|toward|to its|the eastern|western|northern|southern border
        0.6: push{,es} on|towards|toward
        1.0: frontal assault{,s}
        0.4: drone warfare
        0.8: equipment|units|soldiers towards|toward|to its|the eastern|western border
        0.8: equipment|units|soldiers towards|toward|to its|the northern|southern border
        0.6: pocket
        0.5: pushing
    """,
    "strikes": """
        1.0: missile strike{,s}; drone strike{,s}; air strike{,s}; airstrike{,s}
        1.0: missile attack{,s}; drone attack{,s}; rocket attack{,s}; combined attack{,s}
        1.0: deep strike{,s}; air raid{,s}; shelled; shelling; strike{,s} on; strike{,s} against
        1.0: struck the|a|an; fired on the|a|an|civilian|residential
        1.0: fir{ed,es,ing} rockets|missiles|drones
        1.0: fired # rockets|missiles|drones; came under fire|attack; come under fire|attack
        1.0: shot down; falling debris; drone raid{,s}; air attack{,s}; massive attack
        1.0: large scale attack; retaliatory strike{,s}
        0.9: bombard*; barrage; salvo{,s}; air raid alert{,s}; air raid sirens
        0.8: dropped explosives|bombs|munitions|grenades; drone{,s} dropped; bomb{,s} dropped
        0.8: jets|warplanes|aircraft|planes|helicopters struck|bombed|pounded|pound|hit|targeted
        0.8: russian|ukrainian|israeli|israel|russia|ukraine|iranian|houthi strike{,s}
        0.8: missile{,s}|drone{,s}|rocket{,s} kill{,s,ed,ing}; fir{ed,es,ing} # of rockets|missiles
        0.8: shells hit; shell hit; intercepted; interception{,s}; downed; downs; downing; bombing
        0.8: rocket fire; missile{,s} hit; drone{,s} hit; hit by; fired at
        0.8: attack{,s} on|against; infrastructure attacks; russia|ukraine hit{,s}|struck|pounds
        0.8: russia|ukraine attack{,s,ed}|shells|shelled|target{,s,ed}
        0.8: drone{,s}|missile{,s} damaged|struck|attacked|targeted|set
        0.7: by russian|ukrainian|israeli|enemy drone{,s}|missile{,s}|shelling|strike{,s}|fire
        0.7: by a|an|the drone|missile|shell|bomb|rocket|airstrike|strike
        0.7: by drone{,s}|missile{,s}|shelling|shellfire|airstrike{,s}|rocket{,s}|bombs
        0.7: air alert; under fire; rubble; debris; kinzhal; struck; guided bomb{,s}
        0.7: aerial bomb{,s}; kh #; oreshnik
        0.5: attack drones
        0.6: exchanged fire; cross border fire; fired on; opened fire on
        0.6: to strike; ammunition depot{,s}; fuel depot{,s}; striking distance; smokescreen
        0.6: iskander{,s}; hit again; anti ship missile{,s}; hit{,s} the|a|an; with drones
        0.6: explosions were heard; anti aircraft
        0.5: glide bomb{,s}; kamikaze drone{,s}; shahed{,s}; cruise missile{,s}; strike{,s}
        0.5: attack{,ed}; ablaze; bomb{,s}; overnight; artillery fire; air defen{c,s}e
        0.5: air defen{c,s}es; rockets; zircon; hypersonic missile{,s}
        0.4: airfield{,s}; air base{,s}; airbase{,s}; interceptor{,s}; drones; drone; atacms
        0.4: storm shadow{,s}; launched; within range; fired; ballistic missile{,s}; uav{,s}
        0.3: missiles; missile; attacks; residential; hit{,s}; targeted; target{,s}; damaged
        0.3: destroyed; critical infrastructure; no casualties; no one was hurt|injured|killed
        0.3: no injuries; no one hurt
        0.2: explosions; infrastructure; himars
        0: arson attack{,s}; explosion{,s}; blast{,s}; cyber attack{,s}; hit a mine
        0: downing of flight|the flight|the airliner|mh17
        0: test fir{e,ed,es,ing}; test launch{,es,ed}; missile test{,s}; hit{,s} a record
        0: hit{,s} the market|headlines|shelves|streets; hit hard; barrage detachment{,s}
        0: attacks on health care|healthcare
        -0.4: derail{,ed,ment,ing}; partisan{,s}; assassinat*
        -0.6: sabotage{,d}; saboteur{,s}; arson; unclear cause; cause was|is not|unknown
        -0.6: cause was|is under investigation; cause was|is being investigated|established
        -0.6: cause was|is unclear
        0.8: sank; sunk; missile|drone|rocket|shell landed
        0.7: sea drone{,s}; naval drone{,s}
        0: ministry of infrastructure; infrastructure ministry; salvo of up to; total salvo
        0: intercepted call|calls|conversation|conversations|communications|recording|messages
        0: call|conversation|recording was intercepted
        1.0: direct hit
        0.8: refiner{y,ies}|depot|airfield hit|struck|ablaze|burning; kab{,s}
        0: ddos attacks|attack on; hammer|knife attack on; cyberattacks|cyberattack on
        1.0: fired more than|over|nearly|about # drones|missiles|rockets
        0.8: carried out strikes|airstrikes; carried out a|an strike|airstrike; limited strike
        0.8: idf|israel|israeli hit|struck|pounded|bombed; strikes overnight
    """,
    "energy": """
        1.0: refiner{y,ies}; oil refinery; power plant{,s}; power station{,s}; thermal power
        1.0: nuclear power; power grid{,s}; energy facilit{y,ies}; energy infrastructure
        1.0: energy system; oil depot{,s}; fuel depot{,s}; oil terminal{,s}; oil prices; gas prices
        1.0: energy prices; oil and gas; oil exports; gas exports; energy exports; gas transit
        1.0: power outage{,s}; blackout{,s}; substation{,s}; hydroelectric; oil production
        1.0: fuel terminal{,s}; gas condensate; gas field{,s}; oil field{,s}; rolling blackouts
        1.0: electricity imports|exports; heating season; combined heat and power
        0.6: energy security
        1.0: urals crude; thermal power plant{,s}
        0.6: oil revenue{,s}; energy revenues
        1.0: russian gas|oil|lng|crude; thermal plant{,s}; heat plant{,s}; chp plant{,s}
        0.9: opec; ukrenergo; gazprom; rosneft; lukoil; naftogaz; energoatom; iaea; lng; brent
        0.9: novatek; transneft; chp; nuclear plant{,s}; reactor{,s}; power unit{,s}
        0.8: crude; gas|oil pipeline{,s}; electricity
        0.8: energy sector; gas storage; grid; power lines
        0.8: fuel tanks; barrel{,s}; output cuts; transnistria gas
        0.7: oil tanker{,s}; power supply; urals; energy ministry
        0.6: oil; gas; energy; fuel; diesel; gasoline; petrol; coal; heating
        0.5: tanker{,s}
        0.6: turbine{,s}; turbine hall
        0.5: pipeline{,s}
        0.5: power; uranium; nuclear; transit; dtek
        0.3: shadow fleet
        0.3: price cap; generators; terminal{,s}; dam
        0: water pipeline{,s}; water main{,s}
        0: gas attack{,s}; tear gas; poison gas; nuclear weapon{,s}; nuclear threat{,s}
        0: nuclear arsenal; oil and mining
        1.0: refining capacity; gas supplier{,s}; oil supplier{,s}; ttf
        0.8: megawatt hour{,s}; enriched uranium
        0.9: turkstream
        0.8: gas payments
    """,
    "black-sea": """
        1.0: black sea; sea of azov; azov sea; crimea bridge; crimean bridge; kerch bridge
        1.0: black sea fleet; shipping lane{,s}; shipping corridor{,s}; shipping route{,s}
        1.0: sea corridor; maritime corridor; grain corridor; grain deal; grain initiative
        1.0: grain ship{,s}; sea mine{,s}; kerch strait; odesa port{,s}; ports of odesa
        1.0: snake island; crimean peninsula
        0.9: landing ship; sea drone{,s}; naval drone{,s}; maritime drone{,s}; warship{,s}
        0.8: cargo ship{,s}; cargo vessel{,s}; bulk carrier{,s}; crimea; kerch; sevastopol
        0.8: novorossiysk; minesweeper{,s}; grain exports; food exports by sea; port of
        0.8: patrol ship{,s}; patrol boat{,s}; submarine{,s}; sea baby; magura; port infrastructure
        0.8: seaports; sea ports
        0.7: bosphorus; chornomorsk; pivdennyi; azov; naval; saky; belbek; dzhankoi; feodosia
        0.7: tendra spit; kinburn spit
        0.6: crimean; danube; izmail; reni; navy; fleet; maritime; ports; ship{,s}; yevpatoria
        0.5: vessel{,s}; shipping; territorial waters; sea; humanitarian corridor; seaborne
        0.4: port; grain; food exports; odesa; odessa
        0: seaports of; sea ice
    """,
    "military-aid": """
        1.0: military aid; military assistance; security assistance; military support
        1.0: military package{,s}; weapons package{,s}; arms package{,s}; aid to ukraine
        1.0: ukraine aid; aid for ukraine; funding for ukraine; ramstein; contact group
        1.0: european peace facility; weapons deliveries; arms deliveries; lend lease
        1.0: presidential drawdown; drawdown; aid bill; military packages; weapons for ukraine
        1.0: arms for ukraine; ammunition initiative; czech initiative; defen{c,s}e aid; lethal aid
        1.0: foreign military financing; aid for kyiv; ukraine security assistance initiative
        1.0: aid to kyiv; funding for kyiv; danish model
        1.0: intelligence sharing with ukraine|kyiv; share intelligence with ukraine|kyiv
        0.8: intelligence sharing; transfer{,s,red,ring} of patriot{,s}; patriot interceptors
        0.8: transfer{,s,red,ring} # patriot{,s}|more; buy|purchase|procure # fighter jets
        0.7: rafale{,s}
        0.8: foreign military sale{,s}; approved the sale|sales; tomahawk{,s}
        0.8: missiles|weapons|shells|ammunition|tanks|jets|rounds|arms to ukraine|kyiv|ua
        0.8: drones|munitions|interceptors|howitzers to ukraine|kyiv
        0.8: aid package{,s}; usa aid; funds to ukraine; received the first batch|delivery|shipment
        0.8: first batch; fund weapons; military financing; fund{,s,ing} ukraine
        0.8: sell{,s,ing} weapons; fund the production
        0.7: f 16{,s}; f16{,s}; taurus; pledg{e,ed,es,ing}; supplemental
        0.6: deliver{,s,ed,ing}; deliver{y,ies}; patriot{,s}; nasams; iris t
        0.5: ammunition
        0.6: leopard{,s}; abrams; bradley{,s}; marder{,s}; gepard{,s}; atacms; million rounds
        0.6: air defence system{,s}; air defense system{,s}; funding bill; spending bill
        0.6: artillery rounds; military equipment; samp t; restrictions on the use
        0.6: more patriot{,s}; patriot systems|batteries; defen{c,s}e bill
        0.5: support for ukraine; support for kyiv; usa support; himars; storm shadow{,s}; scalp
        0.5: fighter jets; infantry fighting vehicles; jet coalition; funding; challenger{,s}
        0.5: allow{,ed,s,ing} ukraine to; stinger{,s}; javelin{,s}; nlaw{,s}; mirage{,s}
        0.7: gripen{,s}
        0.5: long range weapons
        0.4: sale of; sales of
        0.4: supporting ukraine; weapons; donat{e,ed,es,ing,ion,ions}; coalition; aid; to ukraine
        0.4: for ukraine; to kyiv; for kyiv
        0.3: arms; shells; package{,s}; tanks; jets; pilots; trained; training; funds; howitzers
        0.2: send{,s,ing}; sent; provid{e,ed,es,ing}; supply; supplies; allies; partners
        0: visit to ukraine; trip to ukraine; return to ukraine; to ukraine eu
        -0.6: to russia; for russia; russia with
        0.8: supplied|provided|delivered|sent|given|shipped to ukraine|kyiv
        0.8: provided|supplied weapons|missiles|arms; range restrictions
        0.8: use of western|usa|american|british|french|german weapons|missiles
        0.8: supplies of ammunition|artillery|weapons|shells|missiles|arms
        0.5: long range missiles; lift restrictions
        0: humanitarian aid|assistance|cargo|supplies
        0.6: lift{,s,ed,ing} the ban|restrictions; permission to hit|strike|use
        0.8: paus{e,ed,es,ing} shipments|deliveries|aid
        0.6: gmlrs
        0.8: ukraine bill
        0.6: use their|the weapons; weapons it receives; on russian soil
        0.5: permission
        1.0: pda; epf
        0.8: approved|approves the transfer; approved|approves transfer of
        0.6: usa supplied|provided; lifted limits; limits on use; pkg
    """,
    "north-korea": """
        1.0: @north korea; @north korean{,s}; @pyongyang; kim jong un; @dprk; kn 23; kn 24
        1.0: kim yo jong
        0.8: hwasong*; korean peninsula
        0.2: kim; seoul
    """,
    "eu": """
        1.0: eu agriculture|agricultural|farm|trade|energy|economy|economic ministers
        1.0: eu justice|health|transport ministers
        1.0: eu european|home affairs ministers
        1.0: european commission; von der leyen; european council; council of the eu; eu leaders
        1.0: eu summit; eu member states; eu foreign|defence|defense|interior|finance ministers
        1.0: eu ambassadors; eu envoys; entry into the european union; join the eu
        1.0: eu new|latest|next sanctions|package
        1.0: accession negotiations; accession talks; eu accession; candidate status
        1.0: eu is|will|has|have|agreed|approved|adopted|decided|plans|wants|to|must|should
        1.0: eu could|would|announced|proposed|pledged|unveiled|says|said|aims|intends; eu #th
        1.0: eu impos{ed,es} sanctions|restrictions|a|an|new; eu ministers; eu diplomats
        1.0: european council president; eu presidency; eu budget; eu enlargement; eu membership
        1.0: eu foreign policy chief; eu aid; eu candidate
        0.8: @european union; european parliament; meps; charles michel; borrell; ukraine facility
        0.8: eu countries; brussels summit; unanimity; eu officials; eu funds; eu funding
        0.8: eu support; 27 member states; high representative
        0.7: eu sanctions; restrictive measures
        0.6: accession; european leaders; european peace facility; member states; commissioner
        0.6: enlargement
        0.5: @eu
        0.4: brussels; veto{,ed,es,ing}; budapest; 26 leaders; kaja kallas; kallas
        0.25: hungary; hungarian; orban
        0.2: european; europe
        1.0: eu negotiators|capitals|lawmakers|legislators|governments|institutions|ban|bans
        1.0: eu extends|extended|renews|renewed|prolongs|prolonged|banned|lifts|lifted|agrees
        1.0: european peace facility
        1.0: eu approves|adopts|opens|opened|launches|launched|gives|gave|imposes|targets|adds
        1.0: eu added|lists|listed|freezes|froze|sends|sent
        0.8: @european commission
        0.6: euroclear
        0.8: general court
        0.4: commission
        0: election commission; electoral commission; commission for|on human rights
        1.0: council president; summit conclusions
        1.0: european union agreed|agrees|will|has|plans|approved|adopted|decided|wants
    """,
    "nato": """
        1.0: nato summit; nato membership; nato accession; nato bid; nato secretary general
        1.0: article 5; nato ukraine council; nato allies; nato member{,s}; nato enlargement
        1.0: nato expansion; nato foreign|defence|defense ministers; nato chief; nato exercise{,s}
        1.0: collective defen{c,s}e; steadfast defender; baltic sentry; article 4; nato jets
        1.0: nato air policing
        0.8: join nato; joining nato; stoltenberg; eastern flank; vilnius summit; nato headquarters
        0.8: nato territory; nato airspace; nato forces; nato troops; mark rutte
        0.8: @nato
        0.6: alliance territory; spending target
        0.5: rutte; alliance
        0.4: ratif{y,ied,ies,ication}
        0.3: nato countries; membership; accession; allies
        0.2: sweden; finland
    """,
    "humanitarian": """
        1.0: humanitarian aid|assistance|needs|crisis|situation|consequences|catastrophe|disaster
        1.0: humanitarian workers|organisations|organizations|agencies|convoy|convoys|access
        1.0: aid trucks; aid convoy{,s}; food aid; evacuees; internally displaced
        1.0: damage assessment; assess{,ed,es,ing} the damage; assess{,ed,es,ing} damage
        1.0: temporary protection; famine; damage assessment{,s}; assessing damage; left homeless
        1.0: damage to housing|homes|buildings; housing stock
        1.0: aid distribution; food insecurity; invincibility points; heating points
        1.0: attacks on health care|healthcare|hospitals|medics; winter clothing
        0.9: refugee{,s}; displaced; starvation; malnutrition; unhcr; idps
        0.8: queue{,s,d} for water|food|bread|aid|medicine; water trucks; underground school{,s}
        0.8: demin*; unexploded ordnance; cleared of mines; medical evacuation{,s}; treatment abroad
        0.8: return{,s,ed,ing} # children; return{,s,ed,ing} # ukrainian children; humanitarian
        0.8: evacuat{e,ed,es,ing,ion,ions}; reconstruction; cultural heritage; unrwa; ocha
        0.8: world food programme; wfp; aid agencies; aid workers; aid deliveries
        0.8: without water|heating|heat; drinking water; piped water; running water
        0.8: winteri{s,z}ation; wounded civilians; taken to safety
        0.7: unesco; red cross; icrc; unicef; without electricity|power|light
        0.6: for treatment; attend{,ing} classes|school|lessons; bomb shelter{,s}
        0.6: humanitarian mission
        0.6: rebuild{,ing}; asylum; mine clearance; water supply; heating supply; hunger
        0.6: medical supplies; lost access; homes destroyed; destroyed homes
        0.6: restor{e,ed,es,ing} power|electricity|heating|water; homeless; rebuilt; landmines
        0.6: psychological support; prosthe*; taken out of; health care; healthcare
        0.6: health facilities; medical facilities; world health organi{s,z}ation; bodies
        0.6: exhum{e,ed,ation,ations}
        0.5: historic centre|center|buildings; heritage; civilian population; electricity supply
        0.5: power cut{,s}; cut offs; cutoffs; power outage{,s}; blackout{,s}; basements
        0.5: un agencies; rolling blackouts
        0.4: patients; pupils; schoolchildren; farmland; bread
        0.4: shelter{,s}; civilian casualties; medicine{,s}; fled; flee{,ing}; households
        0.4: compensation; orphan*; trauma; mental health; deadliest; clothing; blankets
        0.4: generators; families
        0.3: civilian{,s}; hospital{,s}; recovery; housing; aid
        0.2: food; children; church{,es}; museum{,s}; theat{re,er}; cathedral{,s}; refugee camp{,s}
        0.2: humanitarian corridor; aid package{,s}; military aid; residents
        0: military assistance; security assistance; reconstruction of infrastructure
        0.8: reunited with; temporary accommodation; documented damage; direct damage
        0.6: resettle{,d,ment}; relocate residents; damage to ukraine|ukrainian
        0.5: # consumers|households|subscribers
        0.4: kindergarten{,s}; restoration of
        0.8: relief agency; relief agencies
        0.6: people fled|had fled|have fled
        0.8: no heating|water|electricity; bottled water
        0.4: psychological care
        -0.6: to|for soldiers|veterans|servicemen
        0.7: lost power|electricity|heating|water; outage schedule{,s}
        0.6: medical care; water utilities
        0.3: rehabilitation
        0.8: evac{,s}
        0.6: blackouts of up to; heating and water
        0.5: # hours a day
        0.8: unheated
        0.6: power shortages; water pumping; power banks; usaid
        0.4: foreign assistance
        1.0: civ kia|wia
        0.8: cut rations; food stocks; aid blockade; blockade on aid|all aid
    """,
    "war-crimes": """
        1.0: war crime{,s}; crime{,s} against humanity; genocide; genocidal
        1.0: international criminal court
        1.0: special tribunal; forcibly transferred; forced transfer; forcible transfer
        1.0: summary execution{,s}; extrajudicial; executed prisoners; barrage detachments
        1.0: blocking units; who had surrendered; torture chamber{,s}; mass grave{,s}
        1.0: human shield{,s}
        1.0: war criminal{,s}; human rights violations; forcibly mobili{s,z}ed; passporti{s,z}ation
        1.0: mass burial{,s}; deported children; return of # children; return of ukrainian children
        0.9: icc; tribunal{,s}; deport{ed,ation,ations,ing,s}; torture{,d,s}; atrocit{y,ies}
        0.9: european court of human rights; ecthr; international court of justice; icj
        0.8: execut{e,ed,es,ing,ion,ions}; filtration; arrest warrant; human rights office
        0.8: un human rights; sexual violence; rape{,d}; lvova belova; taken to russia
        0.8: return{,s,ed,ing} # children; return{,s,ed,ing} # ukrainian children
        0.8: return of children; abducted children
        0.7: human rights monitoring mission; un human rights monitoring mission; accountability
        0.7: massacre{,s}; disproportionate attacks; bucha; persecution; russification
        0.7: register of damage
        0.6: abduct{ed,ion,ions}; kidnap*; indiscriminate; surrender{ed,ing}; human rights council
        0.6: re education; exhum{e,ed,ation,ations}; bodies
        1.0: signs of torture
        0.5: reasonable grounds; mistreatment; ill treatment; abuse{,s}; amnesty international
        0.4: human rights; prosecutor general; unlawful; illegal detention; take responsibility
        0.4: crimean tatars; reparations; ukrainian children
        0.3: prosecut{e,ed,ion,or,ors}; evidence; absentia; violations
        0.2: investigation{,s}; investigators; charged
        0: internal inquiry; execution of the budget
        1.0: illegal deportation{,s}; laws and customs of war
        0.8: transferred from occupied; shot for retreating; for retreating; unarmed civilian{,s}
        0.8: shot their own; commanders shot
        0.6: granted russian citizenship; foster families; were transferred
        0.8: zeroing; shot a wounded
        1.0: pow execution{,s}; execution{,s} of pows|prisoners
        0.8: surrendered soldiers; shooting their own
        0: deportation notice{,s}|order{,s}
        1.0: with their hands up|raised; hands in the air
    """,
    "russia-politics": """
        1.0: contract{,s} with the defen{c,s}e ministry; contract{,s} with the ministry
        1.0: sign up bonus{,es}; signing bonus{,es}
        1.0: partial mobili{s,z}ation; foreign agent{,s}; levada; vtsiom; navalny; fake news law
        1.0: discrediting the army; kremlin critic{,s}; russian field; critics of the war
        1.0: confiscat* property; single voting day; roskomnadzor
        0.8: secretary of the security|state council; security|state council secretary
        0.8: successor to putin
        0.9: wagner; repression{,s}; state duma; justifying terrorism; extremism charges
        0.8: mobile internet; restrict{,s,ed,ing} mobile internet
        0.8: riot police; dispers{e,ed,es,ing} the|a crowd|crowds|protesters|protest|protests|rally
        0.8: mobili{s,z}ation; mobili{s,z}ed; mobili{s,z}e; mutiny; prigozhin; dissident{,s}
        0.8: crackdown; censorship; treason; unrest; public opinion; most russians; siloviki
        0.8: support for the war; war support; recruitment offices; military enlistment
        0.8: draft dodg*; opposition politician{,s}; opposition leader{,s}; kara murza
        0.8: jailed|sentenced journalist{,s}; espionage charges; volodin; matviyenko
        0.8: military contract{,s}; purge
        0.7: maximum security prison|colony; strict regime colony
        0.7: as extremist{,s}; lgbt
        0.7: duma; rosgvardia; national guard; contract soldiers; undesirable; kadyrov; antiwar
        0.7: anti war; penal colony; federation council; search trends; enlist*
        0.7: criticis{e,ed,es,ing} the war; critici{z,s}ing the war; crocus; throttl*; vpn{,s}
        0.7: internet shutdown{,s}; block{,s,ed,ing} whatsapp|youtube|telegram
        0.6: sign{,s,ed,ing} contract{,s}; one off payment{,s}|bonus{,es}; found dead; activist{,s}
        0.6: recruit{,s,ing,ed,ment}; summons{,es}; conscript{,s,ion}; poll{,s}; respondents
        0.6: riot{,s,er,ers}; discredit*; emigration; relocants; support the war; dagestan
        0.6: search requests; presidential election; left the country; volunteer battalion{,s}
        0.6: reshuffle; inauguration; lump sum; deputy defen{c,s}e minister
        0.5: years in prison|jail|a penal colony; donat{e,ed,ing} money|funds
        0.5: extremist; dismiss{,ed,es,al}; sacked; raid{,s,ed}
        0.5: kremlin; opposition; protest{,s,ed,ers,ing}; mob; survey; propaganda; jailed
        0.5: espionage; chechnya; chechen; state tv; state television; exile{,d}; medvedev
        0.5: belousov; corruption; brib{e,es,ery}; terrorist attack; extremism
        0.5: extremist organi{s,z}ation
        0.4: fsb; oligarch{,s}; elite{,s}; patriotic; signing contracts; draft; election{,s}
        0.8: gershkovich
        0.4: yandex; society; maximum security; peskov; shoigu; regional governors
        0.4: parliament speaker; migrants; nationalist{,s}
        0.3: putin; russians; arrested; detained; stormed; veterans; sentenced; signed a decree
        0.3: sign{,ed,ing} up; bonus{,es}; volunteers; payments
        0.2: fined; justice ministry; governor; vote
        0.1: court
        0: draft budget{,s}|law{,s}|bill{,s}|resolution{,s}|legislation|proposal{,s}|amendment{,s}
        0.8: support for|support the special|military operation; charged with terrorism
        0.8: terrorism charges; treason charges; mediazona; ovd info
        0.6: pollster{,s}
        0.8: back|backs|backing the special|military operation; accused of spying
        0.6: fom; picket{,s,ed,ing}; public protest
        0.8: contract bonus{,es}
        0.6: z bloggers; milblogger{,s}
        0: trump|biden inauguration
        0.5: high command
        0.3: removed
    """,
    "russia-economy": """
        1.0: key rate; key interest rate; budget deficit; russian economy; russia economy
        1.0: nabiullina; belt tightening; tighten their belts; oil and gas revenues
        1.0: industrial output; industrial production; capital flight; budget revenue{,s}
        1.0: national wealth fund; exchange rate; labour market; labor market
        0.8: exports to russia; imports from russia; trade turnover; recycling fee
        0.8: inflation; recession; consumer prices; labour shortage; labor shortage; siluanov
        0.8: central bank; interest rate{,s}; rouble; ruble; gdp; economic growth; car sales
        0.8: net loss; net profit; annual loss; dividend{,s}; overheating; gold reserves
        0.8: oil export revenues; oil revenues; energy revenues; export revenues
        0.7: consumption; finance ministry; household expenditure{,s}; unemployment
        0.6: economy; consumer{,s}; wages; mortgage{,s}; moex; stock exchange; revenues; earnings
        0.6: deficit; defen{c,s}e spending; military spending; economists; nwf
        0.5: budget; sberbank; tax{,es}; loans; imports; savings; purchases; growth; bankrupt*
        0.5: currency
        0.4: household{,s}; economic; prices; forecast; revenue; trade; domestic tourism
        0.3: gazprom; rosneft; lukoil; novatek; shortages
        0.2: exports; # rubles|roubles; # million|billion rubles|roubles
        0: military budget; central bank assets; central bank reserves
        -1.0: ukraine|ukrainian economy; economy of ukraine; national bank of ukraine; nbu
        0.8: income tax; profits tax; tax overhaul|reform|hike|increase; federal budget
        0.6: trillion rubles|roubles
        0: of gdp on defen{c,s}e; percent of gdp on; per cent of gdp on
        0.8: commodity exchange
        0.6: wholesale prices
    """,
    "defense-industry": """
        1.0: artillery|armoured|armored|aircraft|rocket|warhead plant{,s}|factory|factories
        1.0: drone|missile|shell|ammunition|munitions plant{,s}|factory|factories|works
        1.0: arms|weapons|tank|explosives|gunpowder plant{,s}|factory|factories|works
        1.0: defen{c,s}e industry; arms production; weapons production; ammunition production
        1.0: shell production; military plant{,s}; arms factory; arms factories; munitions factory
        1.0: explosives factory; weapons manufacturer{,s}; arms manufacturer{,s}; joint venture{,s}
        1.0: ramp up production; drone factory; drone production; missile production; tank factory
        1.0: gunpowder plant; production line{,s}; assembly line{,s}; co production
        1.0: licensed production; defen{c,s}e manufacturer{,s}; strategic industries
        1.0: financ{e,es,ed,ing}|fund{,s,ed,ing} production
        1.0: financ{e,es,ed,ing}|fund{,s,ed,ing} the production
        0.8: expand{,s,ed,ing} plants|production|capacity|factories; new capacity
        0.8: defen{c,s}e groups
        1.0: serial production; mass production; boost{,ed,s,ing} production
        1.0: increas{e,ed,es,ing} production; production capacit{y,ies}
        0.9: ukroboronprom; rostec; uralvagonzavod; rheinmetall; kalashnikov; bae systems; alabuga
        0.8: produc{e,es,ing}|make{,s}|making components|parts|warheads|missiles|drones|shells
        0.8: produc{e,es,ing}|make{,s}|making ammunition|munitions|weapons
        0.8: produc{e,es,ing}|make{,s}|making explosives|engines|gunpowder
        0.8: manufactur{e,es,ing}|assembl{e,es,ing} components|parts|warheads|missiles|drones|shells
        0.8: manufactur{e,es,ing}|assembl{e,es,ing} ammunition|munitions|weapons
        0.8: manufactur{e,es,ing}|assembl{e,es,ing} explosives|engines|gunpowder
        0.8: aviation plant; produce shells; arms company; arms companies; defen{c,s}e contract{,s}
        0.8: arms exports
        0.7: defen{c,s}e companies; defen{c,s}e firms; defen{c,s}e industrial base; arms maker{,s}
        0.7: weapons maker{,s}; defen{c,s}e maker{,s}; drone maker{,s}
        0.6: defen{c,s}e firm{,s}|company|group|contractor{,s}|giant|conglomerate|companies
        0.6: arms firm{,s}
        0.6: manufactur{e,er,ers,ing}; production; output; lockheed; raytheon; arsenal
        0.6: domestic production
        0.5: components for; order{,s} for; record order; largest order
        0.5: factory; factories
        0.4: plant{,s}; produces; produced; produce; per month; kamyshin; tripled; doubled
        0.4: gunpowder
        0.4: explosives; tnt
        0.3: restock*; stockpile{,s}
        0.2: per year
        0: power plant{,s}; nuclear plant{,s}; thermal plant{,s}; oil production; gas production
        1.0: defen{c,s}e industrial strategy|programme|program; under licen{c,s}e
        1.0: production of missiles|tanks|drones|shells|ammunition|weapons|munitions
        1.0: projectile line{,s}; projectile plant{,s}
        0.8: rounds|shells|projectiles a|per month|year; contract modification
        0.8: ukrainian manufacturers|producers|makers; made in ukraine; built under
        0.5: billion|million contract{,s}
        0.6: churn{,s,ed,ing} out
        0.8: howitzers|drones|units|tanks|missiles a|per month|year; domestically made|produced
        0.6: local manufacturers
        0.8: ukrainian made|produced weapons; plant{,s} making|producing; kupol
        0.6: danish model
    """,
    "middle-east": """
        1.0: @gaza; @hezbollah; @houthi{,s}; west bank; @rafah; jabalia; middle east; khan younis
        1.0: israel hamas war; kerem shalom; @unrwa; netanyahu
        0.9: @hamas; @israel; @israeli{,s}; @lebanon; @yemen; @iran
        0.8: @syrian{,s}; @lebanese; @yemeni{,s}; @iraqi{,s}; @damascus; @gazan{,s}
        0.8: @palestinian{,s}; idf; @syria; @tehran; @iranian{,s}; @iraq; red sea; @beirut
        0.8: israel hamas conflict
        0.7: @jerusalem; @tel aviv; morality police; @qatar
        0.5: @egypt; @saudi; @riyadh; @cairo; hostages; arab countries; arab states
        0.3: nuclear programme|program
        0.2: iranian made; iranian drones
        0: iranian designed|made|built|developed|supplied shahed*|drone*|missile*
    """,
    "china": """
        1.0: xi jinping; people liberation army; south china sea; @taiwan; chinese foreign ministry
        1.0: taiwan strait
        0.9: @china
        0.8: @chinese; @prc; @pla; li qiang; wang yi; he lifeng; @xi; xinjiang; tibet; uyghur*
        0.7: @beijing
        0.5: china made; sino
        0.4: yuan
        0.5: made in china
        0.2: chinese brands; chinese companies; chinese firms; hong kong
        0.8: chinese bank{,s}; cnpc
    """,
    "us-politics": """
        1.0: freedom caucus; government shutdown; stopgap; continuing resolution
        1.0: house of representatives; house speaker; capitol hill; aid bill; funding bill
        1.0: spending bill; republican{,s} party; gop; congress; senate; house republicans
        1.0: senate republicans; house democrats; senate democrats; maga; midterm{,s}
        1.0: appropriations; house would|will|voted|passed|approved
        0.8: trump|biden administration
        0.8: trump|biden|vance said|says|told|announced|threatened|warned|gave|signed|ordered
        0.8: trump|biden|vance vowed|wants|called|urged|promised|insisted|demanded|rejected|refused
        0.8: congressional; speaker; republican{,s}; democrat{,s}; senator{,s}; supplemental
        0.8: schumer; mcconnell; mccarthy; white house; presidential election; speaker johnson
        0.8: mike johnson; impeach*; ndaa; campaign rally; if elected; defen{c,s}e bill
        0.6: lawmakers; hardliners; caucus{,es}; primar{y,ies}; election{,s}; border security
        0.6: border policy
        0.5: trump; administration; blinken; vance; executive order; isolationist{,s}
        0.5: vice president
        0.4: biden; rubio; hegseth
        0.3: washington; pentagon; defen{c,s}e secretary; lloyd austin; usa; vote{,d,s}; campaign
        0.3: rally
        0: party congress; rare congress; congress of deputies|people
        0.8: trump|biden|vance names|named|nominates|nominated|picks|picked|taps|tapped
        0.8: trump|biden|vance lifts|lifted|appoints|appointed|allows|allowed
        0.8: trump|biden|vance authori{z,s}es|authori{z,s}ed|approves|approved
        0.6: america|washington said|says|will|would|announced|approved|widened
        0.8: trump|biden wrote|posted|met|meets; trump|biden admin; trump team
    """,
    "technology": """
        1.0: artificial intelligence; cyberattack{,s}; cyber attack{,s}; cyber operation{,s}
        1.0: hacker{,s}; malware; ddos; ransomware; machine learning; ai safety; unmanned systems
        1.0: electronic warfare; deepfake{,s}; chatgpt; openai; language model{,s}; spyware
        1.0: phishing; computer vision; unmanned ground vehicle{,s}; roskomnadzor
        1.0: internet shutdown{,s}; vpn{,s}
        0.9: ai; cyber*; hack{,s,ed,ing}; software; algorithm{,s}; autonomous; robot{,s,ic,ics}
        0.9: state backed hackers|group; espionage campaign; drone swarm{,s}; tech startups
        0.9: defen{c,s}e tech; brave1
        0.8: mobile internet; restrict{,s,ed,ing} mobile internet
        0.8: starlink; tech companies; facial recognition; semiconductor{,s}; encryption
        0.8: gps jamming; spoofing; digital ministry; ministry of digital
        0.7: microsoft; google; email accounts; networks
        0.6: technology; servers; jam{,s,med,ming}; tech; internet; digital; data
        0.6: regulat{e,ing,ion,ions}; startup{,s}; start ups; innovation{,s}; mobile operator
        0.6: influence operations; bot farm{,s}; quantum; fibre optic; fiber optic
        0.6: interceptor drone{,s}; ground robots; diia; whatsapp; youtube; telegram; facebook
        0.6: instagram; messenger{,s}; throttl*
        0.5: breach{,ed,es}
        0.4: satellite{,s}; chips; microchips; telecom*; technological; fpv; disinformation
        0.4: fedorov
        0.3: social media; platform{,s}
        0.2: drones; drone
        0: technological leap; capabilities and technology
        1.0: tiktok; bytedance
        0.8: prototype{,s}; sixth generation; fifth generation
        1.0: terminal guidance; last mile guidance; machine vision; gps interference
        0.8: fibre|fiber fpv{,s}; satellite navigation
        0.6: guidance; gps; jammer{,s}; counter drone; counter tech
        0.4: thermal cam{,s}; thermal camera{,s}; spool{,s}
    """,
}


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

_TRANSLATE = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "ʼ": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "\u00a0": " ",
        "\u2009": " ",
    }
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


def _normalise(text: str) -> str:
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_TRANSLATE)))
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
