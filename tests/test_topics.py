"""The catalogue, name resolution and the rule-based classifier (`briefings.topics`)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from briefings.models import Topic
from briefings.topics import (
    DEFAULT_CATALOGUE,
    RULES_FILE,
    Catalogue,
    CatalogueError,
    classify,
    explain,
    is_catalogue_topic,
    load_catalogue,
    parse_catalogue,
    read_rule_file,
)
from briefings.topics import _expand as expand
from briefings.topics import _parse_rules as parse_rules

FIXTURES = Path(__file__).parent / "fixtures"
LABELLED = FIXTURES / "labelled_items.jsonl"

DEFAULT_SLUGS = (
    "sanctions", "peace-talks", "frontline", "strikes", "energy", "black-sea", "military-aid",
    "north-korea", "eu", "nato", "humanitarian", "war-crimes", "russia-politics",
    "russia-economy", "defense-industry", "middle-east", "china", "us-politics", "technology",
)  # fmt: skip


def topics_of(text: str, catalogue: Catalogue) -> set[str]:
    return set(classify(text, catalogue).topics)


# --- the catalogue ---------------------------------------------------------------------------


def test_the_shipped_catalogue_has_the_nineteen_default_topics_in_order(catalogue):
    assert catalogue.slugs == DEFAULT_SLUGS
    assert len(catalogue) == 19
    assert [t.slug for t in catalogue] == list(DEFAULT_SLUGS)
    assert catalogue.get("eu") == Topic(
        "eu",
        "European Union",
        "the EU's decisions, aid and politics on Ukraine and Russia, Ukraine's EU accession",
    )
    peace = catalogue.get("peace-talks")
    assert peace is not None and peace.label == "Peace talks"
    assert catalogue.get("wagner") is None
    assert "nato" in catalogue
    assert "Wagner" not in catalogue


def test_the_default_is_the_file_in_the_package(catalogue):
    assert DEFAULT_CATALOGUE.name == "topics.md"
    assert load_catalogue(DEFAULT_CATALOGUE) == catalogue


def test_an_operator_catalogue_is_read_with_or_without_backticks(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text(
        "# Our topics\n\nSome prose first.\n\n"
        "| slug | label | meaning |\n"
        "|:---|---|---|\n"
        "| `climate` | Climate | climate change, emissions, heatwaves and floods |\n"
        "| elections | Elections | votes, campaigns, polls and election results |\n"
        "\nTrailing prose | with a pipe.\n",
        encoding="utf-8",
    )
    mine = load_catalogue(path)
    assert mine.slugs == ("climate", "elections")
    assert mine.get("climate") == Topic(
        "climate", "Climate", "climate change, emissions, heatwaves and floods"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("# Topics\n\nNo table here.\n", "no markdown table"),
        ("| slug | label |\n|---|---|\n| a | A |\n", "3 columns"),
        ("| slug | label | meaning |\n|---|---|---|\n", "no rows"),
        ("| slug | label | meaning |\n|---|---|---|\n| Bad Slug | X | y |\n", "bad slug"),
        ("| slug | label | meaning |\n|---|---|---|\n| a | A | x |\n| a | B | y |\n", "duplicate"),
        ("| slug | label | meaning |\n|---|---|---|\n| a | | x |\n", "empty label"),
        ("| slug | label | meaning |\n|---|---|---|\n| a | A |\n", "expected 3 cells"),
    ],
)
def test_a_broken_catalogue_raises_catalogue_error(tmp_path, content, reason):
    path = tmp_path / "broken.md"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert info.value.path == path
    assert reason in info.value.reason
    assert str(path) in str(info.value)


def test_a_missing_or_undecodable_file_raises_catalogue_error(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "nope.md")
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"| slug | label | meaning |\n|---|---|---|\n| a | \xff | x |\n")
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(binary)


# --- resolving names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("sanctions", "sanctions"),
        ("Peace Talks", "peace-talks"),
        ("peace talks", "peace-talks"),
        ("Peace-Talks", "peace-talks"),
        ("peace_talks", "peace-talks"),
        ("BLACK SEA", "black-sea"),
        ("black-sea", "black-sea"),
        ("European Union", "eu"),
        ("EU", "eu"),
        ("  nato ", "nato"),
        ("Russian politics", "russia-politics"),
        ("defence industry", "defense-industry"),
        ("Wagner", None),
        ("Black Sea Fleet", None),
        ("", None),
    ],
)
def test_resolve_matches_slugs_and_labels_loosely(catalogue, name, slug):
    topic = catalogue.resolve(name)
    assert (topic.slug if topic else None) == slug
    assert is_catalogue_topic(name, catalogue) is (slug is not None)


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("sancions", "sanctions"),
        ("santions", "sanctions"),
        ("peace talk", "peace-talks"),
        ("humanitarin", "humanitarian"),
        ("north corea", "north-korea"),
        ("techology", "technology"),
        ("defense industy", "defense-industry"),
        ("nato summit", "nato"),
    ],
)
def test_suggest_puts_the_closest_topic_first(catalogue, name, first):
    suggestions = catalogue.suggest(name)
    assert suggestions
    assert suggestions[0].slug == first
    assert len(suggestions) <= 3
    assert len({t.slug for t in suggestions}) == len(suggestions)


def test_suggest_respects_the_limit_and_ignores_nonsense(catalogue):
    assert len(catalogue.suggest("s", limit=1)) <= 1
    assert catalogue.suggest("") == []
    assert catalogue.suggest("zzqxj") == []


# --- the conventions of topics.md ------------------------------------------------------------

# (convention, text, topics that must be there, topics that must not)
CONVENTIONS = [
    # Topics naming no country apply to any conflict; scoped topics are not stretched.
    (
        "any conflict",
        "An Israeli airstrike on a house in Rafah killed 12 people, including five "
        "children, Gaza health officials said.",
        {"strikes", "humanitarian", "middle-east"},
        set(),
    ),
    (
        "any conflict",
        "Thousands of families fled northern Gaza as Israel ordered evacuations "
        "ahead of its ground offensive.",
        {"humanitarian", "middle-east"},
        set(),
    ),
    (
        "any conflict",
        "Qatari and Egyptian mediators pressed Israel and Hamas to accept a "
        "ceasefire deal that would free the remaining hostages.",
        {"peace-talks", "middle-east"},
        set(),
    ),
    (
        "any conflict",
        "The US Treasury imposed sanctions on Iran's drone programme and on "
        "companies shipping its oil to China.",
        {"sanctions", "middle-east"},
        set(),
    ),
    (
        "scoped",
        "Germany approved a €2 billion arms package and tank deliveries for Israel.",
        set(),
        {"military-aid"},
    ),
    (
        "scoped",
        "The EU's new AI Act bans social scoring and sets rules for chatbots, the European "
        "Parliament decided.",
        {"technology"},
        {"eu"},
    ),
    (
        "scoped",
        "Germany's central bank cut its growth forecast as inflation eased to 2.9% and "
        "consumer spending stalled.",
        set(),
        {"russia-economy"},
    ),
    (
        "scoped",
        "Republicans won control of the Virginia legislature, and Democrats kept the "
        "Senate majority in New Jersey.",
        set(),
        {"us-politics"},
    ),
    # A passing mention does not count; a paragraph with two stories gets both.
    (
        "passing mention",
        "Putin opened a new airport terminal in Yakutsk and said Russia's economy "
        "had adapted to unprecedented sanctions.",
        set(),
        {"sanctions"},
    ),
    (
        "passing mention",
        "Von der Leyen visited Kyiv and praised Ukraine's reforms. Her visit "
        "comes amid concerns that the Israel-Hamas conflict will shift attention from Ukraine.",
        {"eu"},
        {"middle-east"},
    ),
    (
        "two stories",
        "A Russian missile hit a school in Kharkiv, killing two teachers. Meanwhile, "
        "EU ambassadors agreed on the 12th sanctions package.",
        {"strikes", "humanitarian", "sanctions", "eu"},
        set(),
    ),
    # A strike report is humanitarian only with a specific civilian toll or civilian needs.
    (
        "civilian toll",
        "Russian shelling of Kherson killed three civilians, including a "
        "72-year-old woman, the governor said.",
        {"strikes", "humanitarian"},
        set(),
    ),
    (
        "civilian needs",
        "A drone strike on a substation left 50,000 residents of Sumy without water and heating.",
        {"strikes", "humanitarian"},
        set(),
    ),
    (
        "no casualties",
        "Russia launched 30 drones at Odesa overnight; air defence shot down 24. "
        "No casualties were reported.",
        {"strikes"},
        {"humanitarian"},
    ),
    (
        "soldiers killed",
        "A Russian missile strike on a training ground in Dnipropetrovsk region "
        "killed 12 soldiers.",
        {"strikes"},
        {"humanitarian"},
    ),
    # Sabotage and explosions of unclear cause are not strikes; nor are arrests over them.
    (
        "sabotage",
        "An explosion of unclear cause derailed a freight train carrying fuel in "
        "Siberia, Russian investigators said.",
        set(),
        {"strikes"},
    ),
    (
        "sabotage",
        "Polish police arrested two men suspected of sabotage and arson on a railway "
        "line used to supply Ukraine.",
        set(),
        {"strikes"},
    ),
    (
        "real strike",
        "Ukrainian drones struck an ammunition depot in Russia's Belgorod region, "
        "setting off secondary explosions.",
        {"strikes"},
        set(),
    ),
    # Troop posture at a border is frontline even without combat.
    (
        "posture",
        "Russia is massing troops near the border with Ukraine's Kharkiv region, "
        "Ukrainian intelligence said.",
        {"frontline"},
        set(),
    ),
    (
        "posture",
        "Border guards: Russia has withdrawn its troops from Belarus.",
        {"frontline"},
        set(),
    ),
    (
        "posture",
        "Troops marched across Red Square in the Victory Day parade as Putin gave a short speech.",
        set(),
        {"frontline"},
    ),
    # Executions of own soldiers, deportations, summary killings: war crimes; not an inquiry.
    (
        "executions",
        "Russian commanders are executing their own soldiers who retreat without "
        "orders, U.S. officials said.",
        {"war-crimes"},
        set(),
    ),
    (
        "deportations",
        "Ukraine says 19,500 children have been deported to Russia and only 388 returned.",
        {"war-crimes"},
        set(),
    ),
    (
        "summary killing",
        "Video shows Russian troops shooting unarmed Ukrainian soldiers who had "
        "surrendered; prosecutors opened a war crimes case.",
        {"war-crimes"},
        set(),
    ),
    (
        "internal inquiry",
        "Ukraine's army opened an internal inquiry after a missile killed 19 "
        "soldiers lined up for a medal ceremony.",
        set(),
        {"war-crimes"},
    ),
    # Polls about settlement concessions vs polls about support for the war.
    (
        "settlement poll",
        "A Levada poll found most Russians would back a peace deal only if "
        "Russia kept the occupied territories.",
        {"peace-talks", "russia-politics"},
        set(),
    ),
    (
        "war poll",
        "A Levada Center poll found that 74% of Russians support the actions of the "
        "Russian armed forces in Ukraine.",
        {"russia-politics"},
        {"peace-talks"},
    ),
    # Reconstruction and damage assessments are humanitarian.
    (
        "reconstruction",
        "UNESCO experts assessed the damage to Odesa's historic centre and the "
        "Transfiguration Cathedral.",
        {"humanitarian"},
        set(),
    ),
    (
        "reconstruction",
        "Denmark will fund the reconstruction of homes and schools in Mykolaiv.",
        {"humanitarian"},
        set(),
    ),
    # Technology as the subject, any kind; a weapon in a strike report is not technology.
    (
        "technology",
        "Ukrainian hackers took down the servers of a Russian internet provider in a cyberattack.",
        {"technology"},
        set(),
    ),
    (
        "technology",
        "Britain hosted a summit on artificial intelligence safety and regulation.",
        {"technology"},
        set(),
    ),
    (
        "weapon is not tech",
        "A Shahed drone hit a power substation in Kharkiv, cutting "
        "electricity to part of the city.",
        {"strikes", "energy"},
        {"technology"},
    ),
    # A strike named only as background (a cause, a past event, a purpose) is not the news.
    (
        "strike in the past",
        "Repairs to a thermal power plant destroyed by a Russian missile attack in March "
        "will take two years, the operator said.",
        {"energy"},
        {"strikes"},
    ),
    (
        "strike as the cause",
        "The navy moved its ships to Novorossiysk since Ukrainian drone strikes made "
        "Sevastopol unsafe.",
        {"black-sea"},
        {"strikes"},
    ),
    (
        "strike as the news",
        "Russian drones struck a port in Izmail overnight, damaging grain silos.",
        {"strikes", "black-sea"},
        set(),
    ),
    (
        "strike as the cause of other news",
        "Authorities in Crimea introduced petrol rationing after Ukrainian strikes on "
        "refineries in Krasnodar region.",
        {"energy"},
        {"strikes"},
    ),
    (
        "strike reported with its damage",
        "Oil prices rose 2% after Ukrainian drones hit the Primorsk terminal and set a tank "
        "ablaze.",
        {"strikes", "energy"},
        set(),
    ),
    (
        "the front in passing",
        "The mayor unveiled a memorial to soldiers from the city who died at the front.",
        set(),
        {"frontline"},
    ),
    (
        "talks in their own words",
        "Peskov said Moscow remains open to direct negotiations between Russia and Ukraine "
        "aimed at a just and lasting peace.",
        {"peace-talks"},
        set(),
    ),
    (
        "aid Ukraine buys or is told",
        "The United States resumed intelligence sharing with Ukraine after a week-long pause.",
        {"military-aid"},
        set(),
    ),
    (
        "toll outside a strike",
        "UN investigators said the militia was responsible for the killing of hundreds of "
        "civilians in Darfur, a crime against humanity.",
        {"humanitarian", "war-crimes"},
        set(),
    ),
    # eu needs the EU, its institutions or European leaders as a bloc to be the subject.
    (
        "eu as subject",
        "EU leaders agreed to open accession negotiations with Ukraine.",
        {"eu"},
        set(),
    ),
    (
        "eu not subject",
        "Italian PM Meloni told prank callers that European leaders are tired of "
        "the war in Ukraine.",
        set(),
        {"eu"},
    ),
]


@pytest.mark.parametrize(
    ("convention", "text", "present", "absent"),
    CONVENTIONS,
    ids=[f"{i:02d}-{c[0].replace(' ', '-')}" for i, c in enumerate(CONVENTIONS)],
)
def test_classify_follows_the_labelling_conventions(catalogue, convention, text, present, absent):
    found = topics_of(text, catalogue)
    assert present <= found, f"{convention}: missing {present - found} in {sorted(found)}"
    assert not (absent & found), f"{convention}: unexpected {absent & found}"


def test_every_convention_has_a_positive_and_a_negative_case():
    positive = sum(1 for _, _, present, _ in CONVENTIONS if present)
    negative = sum(1 for _, _, _, absent in CONVENTIONS if absent)
    assert positive >= 10 and negative >= 10


def test_a_passing_mention_does_not_count_but_the_main_subject_does(catalogue):
    passing = (
        "Kuleba met his Indian counterpart in New Delhi to discuss pharmaceutical trade and "
        "direct flights. Asked about Western sanctions, he said India makes its own choices."
    )
    about = "The EU adopted its 12th sanctions package, adding export controls on machine tools."
    assert "sanctions" not in topics_of(passing, catalogue)
    assert "sanctions" in topics_of(about, catalogue)


# --- results -----------------------------------------------------------------------------------


def test_topics_come_in_catalogue_order_with_reasons(catalogue):
    text = (
        "Russian drones hit an oil refinery in Kremenchuk. Separately, the U.S. Treasury "
        "announced new sanctions against Russian shadow fleet tankers."
    )
    result = classify(text, catalogue)
    assert result.topics == ("sanctions", "strikes", "energy")
    assert set(result.reasons) == set(result.topics)
    assert "new sanctions" in result.reasons["sanctions"]
    assert "oil refinery" in result.reasons["energy"]
    assert all(result.reasons[slug] for slug in result.topics)
    scores = explain(text, catalogue)
    assert scores["sanctions"] >= 1.0 and set(scores) <= set(catalogue.slugs)


def test_classify_is_deterministic_and_handles_odd_input(catalogue):
    text = "“North Korea’s shells” – sent to Russia’s army, Seoul’s spies say."
    assert classify(text, catalogue) == classify(text, catalogue)
    assert classify(text, catalogue).topics == ("north-korea",)
    assert classify("", catalogue).topics == ()
    assert classify("   \n\n ...", catalogue).topics == ()
    assert classify("Погода в Киеве", catalogue).topics == ()


def test_a_headline_repeated_at_the_start_of_the_text_counts_once(catalogue):
    # The parser takes an item's first sentence as its headline; ingest classifies both.
    headline = "Looks like the Ukraine forces have targeted the Crimea Bridge."
    text = f"{headline} The Russian forces have created a smokescreen around the area."
    assert classify(f"{headline}\n{text}", catalogue) == classify(text, catalogue)
    assert classify(f"Crimea bridge hit\n{text}", catalogue).topics == ("strikes", "black-sea")


def test_a_custom_catalogue_falls_back_to_labels_and_meanings(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text(
        "| slug | label | meaning |\n|---|---|---|\n"
        "| climate | Climate | climate change, emissions, heatwaves and floods |\n"
        "| `sanctions` | Sanctions | sanctions and export controls |\n",
        encoding="utf-8",
    )
    mine = load_catalogue(path)
    result = classify("Heatwaves and floods: climate change hits southern Europe.", mine)
    assert result.topics == ("climate",)
    assert result.reasons["climate"]
    assert classify("Storms are expected in the north tomorrow.", mine).topics == ()
    # A default slug in an operator's file keeps its curated rules.
    assert classify("The EU agreed its 12th sanctions package.", mine).topics == ("sanctions",)


def test_parse_catalogue_reads_text_without_a_file():
    parsed = parse_catalogue("| slug | label | meaning |\n|---|---|---|\n| a-b | A B | c |\n")
    assert parsed.slugs == ("a-b",)
    assert parsed.resolve("a b") == Topic("a-b", "A B", "c")


# --- agreement with careful readers --------------------------------------------------------------


def micro_f1(pairs: list[tuple[set[str], set[str]]]) -> float:
    tp = sum(len(got & want) for got, want in pairs)
    fp = sum(len(got - want) for got, want in pairs)
    fn = sum(len(want - got) for got, want in pairs)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def labelled_items() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line]


def test_the_labelled_set_uses_catalogue_slugs_only(catalogue):
    items = labelled_items()
    assert len(items) >= 130
    for item in items:
        assert set(item["topics"]) <= set(catalogue.slugs), item
        assert item["text"].strip()


@pytest.mark.parametrize("split", [None, "sample", "dev", "heldout"])
def test_classify_agrees_with_careful_readers(catalogue, split):
    items = [i for i in labelled_items() if split is None or i["set"].startswith(split)]
    assert items
    pairs = [(topics_of(i["text"], catalogue), set(i["topics"])) for i in items]
    assert micro_f1(pairs) >= 0.85


def test_labels_fall_back_to_the_slug_and_counts_sort_most_first(catalogue: Catalogue) -> None:
    assert catalogue.label("peace-talks") == "Peace talks"
    assert catalogue.label("Black Sea Fleet") == "Black Sea Fleet"
    counts = {"nato": 2, "sanctions": 5, "energy": 2, "wagner": 1}
    assert catalogue.labelled_counts(counts) == [
        ("Sanctions", 5), ("Energy", 2), ("NATO", 2), ("wagner", 1),
    ]


def test_the_rule_file_has_a_section_for_each_default_topic_and_its_anchors(
    catalogue: Catalogue,
) -> None:
    sections = read_rule_file(RULES_FILE.read_text(encoding="utf-8"))
    assert {name for name in sections if not name.startswith("^")} == set(catalogue.slugs)
    assert {"^russia", "^ukraine", "^usa"} <= set(sections)
    assert all(spec.strip() for spec in sections.values())


def test_the_rule_file_reads_sections_and_skips_comments_and_blank_lines() -> None:
    text = "# syntax\n\n[sanctions]\n1.0: #th package; asset freeze\n# 0.5: no\n[^usa]\n1: usa\n"
    assert read_rule_file(text) == {
        "sanctions": "1.0: #th package; asset freeze", "^usa": "1: usa",
    }


def test_no_later_rule_is_silently_outweighed_by_an_earlier_one() -> None:
    # Where two rules of a section match the same words, the first one registered speaks: a
    # later, stronger weight or a later override would be ignored without a trace.
    ignored = []
    for name, spec in read_rule_file(RULES_FILE.read_text(encoding="utf-8")).items():
        first: dict[tuple[str, ...], float] = {}
        for text, weight in parse_rules(spec):
            for words in itertools.product(*(expand(u) for u in text.lstrip("@").split())):
                earlier = first.setdefault(words, weight)
                if weight > earlier or weight <= 0 < earlier:
                    ignored.append((name, " ".join(words)))
    # "explosions" keeps its 0.2: the later 0 beside "blasts" was never in force, and the labelled
    # sets were tuned with it.
    assert ignored == [("strikes", "explosions")]
