"""parse_digest on the two sample digests, on other shapes of digest, and on any text at all."""

from __future__ import annotations

import datetime as dt
import time
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefings.digests import FORMATS, detect_format, parse_digest
from briefings.models import Digest, Item

FIXTURES = Path(__file__).parent / "fixtures"
PROMOTE_UKRAINE = "000_51635e4d9e4636c5.txt"
E_STORIES = "001_e037ba12bc8febe1.txt"
NOV_5 = dt.date(2023, 11, 5)


@cache
def parsed(name: str) -> Digest:
    return parse_digest((FIXTURES / name).read_text(encoding="utf-8"), default_date=NOV_5)


def item_with(digest: Digest, fragment: str) -> Item:
    found = [item for item in digest.items if fragment in item.text]
    assert len(found) == 1, f"{len(found)} items contain {fragment!r}"
    return found[0]


# ------------------------------------------------------------------------------ sample 000


def test_promote_ukraine_digest_has_18_sections_and_30_items() -> None:
    digest = parsed(PROMOTE_UKRAINE)
    assert len(digest.sections) == 18
    assert len(digest.items) == 30
    assert digest.sections[0] == "Claims of Possible Future Peace Negotiations"
    assert digest.sections[-1] == "Ukraine Peace Talks in Malta"
    assert [item.position for item in digest.items] == list(range(30))
    assert digest.format == "text" and not digest.warnings


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ("NBC News", "Reuters")),
        (1, ("Politico",)),
        (2, ("NBC News", "AP News")),
        (5, ("Politico", "Reuters", "Euractiv")),
        (6, ("Politico",)),  # "(Politico; see also Politico)"
        (8, ("Politico", "Euractiv")),
        (12, ("Economist", "Politico")),
        (17, ("Politico", "EU Observer")),
        (19, ("Politico", "AP News", "Euractiv")),
        (29, ("Euractiv",)),
    ],
)
def test_promote_ukraine_sources_come_from_the_trailing_parentheses(
    index: int, expected: tuple[str, ...]
) -> None:
    assert parsed(PROMOTE_UKRAINE).items[index].sources == expected


def test_promote_ukraine_citations_are_taken_out_of_the_text() -> None:
    for item in parsed(PROMOTE_UKRAINE).items:
        assert item.sources
        assert not item.text.endswith(")")
        assert "see also" not in item.text


def test_promote_ukraine_author_line_names_author_and_publisher() -> None:
    digest = parsed(PROMOTE_UKRAINE)
    assert digest.author == "Sophie Adams-Smith"
    assert digest.publisher == "Promote Ukraine"
    assert not any("Author" in item.text for item in digest.items)


def test_promote_ukraine_page_leftovers_are_not_items() -> None:
    digest = parsed(PROMOTE_UKRAINE)
    texts = [item.text for item in digest.items]
    assert "United Nations" not in texts
    assert "United Nations" not in digest.sections
    assert not any("All News" in text for text in texts)
    humanitarian = item_with(digest, "40% of them need humanitarian assistance")
    assert humanitarian.text.endswith("attacks critical infrastructure.")


def test_promote_ukraine_headline_is_the_lead_sentence_and_text_is_clean() -> None:
    digest = parsed(PROMOTE_UKRAINE)
    first = digest.items[0]
    assert first.section == "Claims of Possible Future Peace Negotiations"
    assert first.headline == (
        "According to NBC, U.S. and European officials have begun speaking with Ukraine about "
        "outlines for future peace negotiations with Russia."
    )
    assert "Russia. The conversations" in first.text  # NBSP + space collapsed to one space
    for item in digest.items:
        assert "\u00a0" not in item.text and "  " not in item.text
        assert item.text == item.text.strip()


def test_raw_is_the_input_unchanged() -> None:
    text = (FIXTURES / PROMOTE_UKRAINE).read_text(encoding="utf-8")
    assert parse_digest(text).raw == text


# ------------------------------------------------------------------------------ sample 001


@pytest.mark.parametrize(
    ("default_date", "today", "expected"),
    [
        (NOV_5, None, dt.date(2023, 11, 2)),
        (None, dt.date(2024, 1, 10), dt.date(2023, 11, 2)),
        (dt.date(2024, 1, 3), None, dt.date(2023, 11, 2)),  # the closer year, not 2024
        (None, dt.date(2023, 11, 1), dt.date(2022, 11, 2)),  # never in the future
        (None, dt.date(2023, 11, 2), dt.date(2023, 11, 2)),
    ],
)
def test_e_stories_date_line_gives_the_date_and_infers_the_year(
    default_date: dt.date | None, today: dt.date | None, expected: dt.date
) -> None:
    text = (FIXTURES / E_STORIES).read_text(encoding="utf-8")
    assert parse_digest(text, default_date=default_date, today=today).date == expected


def test_e_stories_title_and_keyword_line() -> None:
    digest = parsed(E_STORIES)
    assert digest.title == "E-Stories"
    assert digest.tags[:3] == ("Day616", "100TownsHit", "Clooney")
    assert digest.tags[-1] == "China" and "A&P" in digest.tags and len(digest.tags) == 28
    assert not any("Day616" in item.text for item in digest.items)


def test_e_stories_preamble_is_not_an_item() -> None:
    digest = parsed(E_STORIES)
    assert not any("hop over" in i.text or "Catching up" in i.text for i in digest.items)
    assert digest.items[0].text.startswith("Russia has shelled more than 100 towns")


def test_e_stories_sections() -> None:
    assert parsed(E_STORIES).sections == (
        "Stories we’re following…",
        "Combat Situation Update",
        "Behind the Lines",
        "Meanwhile in Russia",
        "Allied Support",
        "Around the World",
        "The Progressive Left?",
        "Programming…",
    )


def test_e_stories_court_story_over_four_paragraphs_is_one_item() -> None:
    digest = parsed(E_STORIES)
    court = item_with(digest, "A Dutch court has sentenced")
    assert "In its ruling, the court said" in court.text
    assert "The man was in charge of a company" in court.text
    assert "To do so, the man allegedly forged invoices" in court.text
    assert court.sources == ("Reuters",)
    assert court.section == "Allied Support"
    assert "Meloni" not in court.text


def test_e_stories_quote_and_he_added_join_the_shelling_story() -> None:
    shelling = item_with(parsed(E_STORIES), "118 settlements")
    assert shelling.text.startswith("Russia has shelled more than 100 towns and villages")
    assert shelling.text.endswith("since the start of the year,” he added.")
    assert shelling.sources == ("Agence France-Presse",)


@pytest.mark.parametrize(
    ("opening", "continuation"),
    [
        ("On the International Day of the Black Sea", "Zelenskyy emphasized."),
        ("The United Nations human rights office said", "the office said in a post."),
        ("President Zelenskyy’s evening address on unity:", "Thank you all for helping Ukraine"),
        ("The Central Bank predicted three years", "In the coming years, Russian consumers"),
        ("UK, US, EU and China sign declaration", "The UK, US, EU and China have all agreed"),
    ],
)
def test_e_stories_paragraphs_that_continue_a_story_join_it(
    opening: str, continuation: str
) -> None:
    assert continuation in item_with(parsed(E_STORIES), opening).text


@pytest.mark.parametrize(
    ("fragment", "headline"),
    [
        ("Prokudin reported", "Governor: Russian strikes against Kherson kill 1, injure 2."),
        ("Solikamsk", "Explosion reported at Russian explosives factory."),
        (
            "Oblast",
            "General Staff: Russia fails to regain lost ground at Klishchiivka, Andriivka, "
            "Robotyne.",
        ),
        ("Fuat Oktay", "Turkey will not speed up Sweden NATO accession."),  # "Reuters:" is a source
        ("closed-door", "Media: North Korea sent over 1 million artillery shells to Russia."),
        ("evening address", "President Zelenskyy’s evening address on unity"),
        ("Bases Abroad", "China’s Military Diplomacy and its Quest for Bases Abroad"),
    ],
)
def test_e_stories_run_in_headlines(fragment: str, headline: str) -> None:
    digest = parsed(E_STORIES)
    found = [i for i in digest.items if fragment in i.text or fragment in i.headline]
    assert [i.headline for i in found] == [headline]


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("Spike Brokers", ("Spike Brokers",)),
        ("over 1 million artillery shells", ("Associated Press",)),
        ("12th round of sanctions", ("Bloomberg",)),
        ("North Korea is poised to close", ("Reuters",)),
        ("Rafah border crossing", ("Reuters",)),
        ("Perm Krai", ("RIA Novosti",)),
        ("Yandex", ("Ukrinform",)),
        ("Wagner group", ("Kyiv Independent",)),
        ("Sergei Lavrov", ("Tass",)),
        ("Governor: Russian strikes", ()),  # a governor who "reported" is not a source
        ("3 Russian nationals arrested", ()),  # nor is the U.S. Attorney's Office
    ],
)
def test_e_stories_sources_named_in_the_prose(fragment: str, expected: tuple[str, ...]) -> None:
    assert item_with(parsed(E_STORIES), fragment).sources == expected


def test_e_stories_source_label_is_taken_off_the_text() -> None:
    item = item_with(parsed(E_STORIES), "North Korea is poised to close")
    assert item.text.startswith("North Korea is poised")


# ------------------------------------------------------------------------------ other shapes


def test_numbered_list_with_source_suffixes_and_caps_headings() -> None:
    digest = parsed("shape_numbered.txt")
    assert digest.title == "Morning Briefing"
    assert digest.date == dt.date(2024, 3, 4)
    assert digest.sections == ("EUROPE", "ASIA")
    assert [i.section for i in digest.items] == ["EUROPE"] * 3 + ["ASIA"] * 2
    assert [i.headline for i in digest.items] == [
        "EU agrees a new package of sanctions on Russian aluminium and LNG imports",
        "French farmers block motorways around Paris for a third day over fuel taxes",
        "Germany's Bundestag votes against sending Taurus missiles to Ukraine.",
        "Japan's Nikkei closes above 40,000 for the first time, lifted by chip makers",
        digest.items[4].text,
    ]
    assert [i.sources for i in digest.items] == [
        ("BBC",),  # "- BBC"
        ("Reuters",),  # "– Reuters"
        ("Deutsche Welle",),  # "Source: Deutsche Welle" on the next line
        ("Financial Times",),  # "— Financial Times"
        ("Xinhua", "Bloomberg"),  # "Sources: Xinhua, Bloomberg"
    ]
    leftovers = ("Good morning", "Read more", "That's all")
    assert not any(word in i.text for i in digest.items for word in leftovers)


def test_emoji_bullets_hashtags_and_dash_sources() -> None:
    digest = parsed("shape_telegram.txt")
    assert (digest.title, digest.date) == ("Evening digest", dt.date(2024, 5, 12))
    assert digest.tags == ("Ukraine", "Energy", "Sanctions")
    assert digest.sections == ("UKRAINE", "WORLD")
    assert [i.sources for i in digest.items] == [
        ("Ukrainska Pravda",),
        ("Reuters",),  # "— Reuters" on its own line under the item
        ("Kyiv Independent",),
        ("Financial Times", "Politico"),
        ("Bloomberg",),
    ]
    assert digest.items[0].text.endswith("without power.")
    assert not any("Subscribe" in i.text for i in digest.items)


def test_markdown_headings_bold_run_ins_links_and_story_titles() -> None:
    digest = parsed("shape_markdown.md")
    assert digest.format == "markdown"
    assert (digest.title, digest.author, digest.date) == (
        "The Weekly Wire",
        "Jane Doe",
        dt.date(2023, 11, 10),
    )
    assert digest.sections == ("Energy", "Defence", "Analysis")  # "Defence" is a setext heading
    assert [i.headline for i in digest.items] == [
        "Gas storage full.",
        "Oil cap tightened",
        "Denmark delivers F-16s",
        "Germany doubles its military aid to Ukraine to €8 billion for 2024",
        "Why the front line is frozen",
        "What to watch next week",
    ]
    gas = digest.items[0]
    assert gas.links == ("https://agsi.gie.eu/",)
    assert "according to Gas Infrastructure Europe. Prices" in gas.text  # link text stays
    assert "**" not in gas.text and "](" not in gas.text
    assert digest.items[1].sources == ("Reuters",)  # "told Reuters"
    assert digest.items[2].sources == ("Defense News",)
    assert digest.items[3].sources == ("Spiegel", "Reuters")
    frozen = digest.items[4]
    assert frozen.section == "Analysis"
    assert frozen.text.count("\n") == 1  # both paragraphs under the story title


def test_link_list_with_source_suffixes() -> None:
    digest = parsed("shape_links.md")
    assert [(i.headline, i.text, i.sources) for i in digest.items] == [
        ("Fed holds rates steady for a third meeting",) * 2 + (("Reuters",),),
        ("ECB's Lagarde says it is too early to discuss cuts",) * 2 + (("Financial Times",),),
        ("Bank of England keeps rates at 5.25%",) * 2 + (("BBC",),),
        ("How the strong dollar squeezes emerging markets",) * 2 + (("Economist",),),
    ]
    assert digest.items[0].links == ("https://www.reuters.com/markets/fed-holds",)
    assert digest.sections == ("Top links", "Also worth reading")


def test_html_page_body_and_metadata_come_from_trafilatura() -> None:
    digest = parsed("shape_page.html")
    assert digest.format == "html"
    assert digest.title == "Europe Brief: 7 November 2023"
    assert digest.date == dt.date(2023, 11, 7)
    assert (digest.author, digest.publisher) == ("Maria Novak", "Example News")
    assert digest.sections == ("Ukraine and the EU", "Energy")
    assert [i.sources for i in digest.items] == [
        ("Politico",),
        ("Euractiv", "Reuters"),
        ("Bloomberg",),
        (),
    ]
    assert digest.items[0].headline == "Commission backs accession talks."
    assert digest.items[0].links == ("https://www.politico.eu/article/x",)
    page_furniture = ("Subscribe", "cookie", "Home", "rights reserved")
    assert not any(word in i.text for i in digest.items for word in page_furniture)
    assert digest.raw.startswith("<!DOCTYPE html>")


def test_hard_wrapped_text_with_underlined_headings() -> None:
    digest = parsed("shape_wrapped.txt")
    assert (digest.title, digest.date) == ("THE MORNING LETTER", dt.date(2024, 4, 3))
    assert digest.sections == ("Markets", "Politics")
    assert len(digest.items) == 3
    assert digest.items[0].text.startswith("Stocks in Asia slipped on Wednesday as traders pared")
    assert "\n" not in digest.items[0].text  # wrapped lines join into one paragraph
    assert not any("receiving this" in i.text for i in digest.items)


def test_newsletter_paragraphs_short_lists_and_trailing_link_citations() -> None:
    digest = parsed("shape_newsletter.md")
    assert [i.headline for i in digest.items] == [
        "Global stocks rose on Tuesday as investors bet the Federal Reserve has finished raising "
        "rates, while the dollar slipped to a two-month low.",
        "Minutes from the Fed's last meeting, due later today, will show how policymakers view "
        "the outlook.",
        "Key developments that could influence markets on Tuesday",
        "Dutch election upset",
        "OpenAI turmoil",
    ]
    assert digest.items[2].text.endswith(":\nFed minutes\nCanada CPI")  # the list under the ':'
    wilders, openai = digest.items[3:]
    assert wilders.sources == ("Politico",)  # "... election. [Politico](https://...)"
    assert wilders.links == ("https://www.politico.eu/article/wilders",)
    assert wilders.text.endswith("in the Dutch election.")
    assert openai.text.endswith("after being fired.")  # "[Read more](...)" is not text
    assert openai.links == ("https://example.com/openai",)
    assert digest.sections == ("In brief",)
    assert not any("morning" in i.text or "Share" in i.text for i in digest.items)


@pytest.mark.parametrize(
    ("first_line", "headline", "sources"),
    [
        ("- Fed holds rates - BBC", "Fed holds rates", ("BBC",)),
        ("* ECB cuts rates — Reuters", "ECB cuts rates", ("Reuters",)),
        ("1) Fed holds rates.\nSources: AP, Reuters", "Fed holds rates.", ("AP", "Reuters")),
        ("2. Fed holds rates.\n– Reuters", "Fed holds rates.", ("Reuters",)),
        ("- **Fed holds.** Rates stay at 5.5%.", "Fed holds.", ()),
        ("- **Fed holds**: rates stay put (FT)", "Fed holds", ("FT",)),
        ("- Rates stay (the Associated Press)", "Rates stay", ("Associated Press",)),
        ("- Rates stay. [Reuters]", "Rates stay.", ("Reuters",)),
        ("- Rates stay. Source: BBC", "Rates stay.", ("BBC",)),
        ("- Fined €200,000 (£174,000)", "Fined €200,000 (£174,000)", ()),
        ("- A talk at the Food and Agriculture Organization (FAO)", None, ()),  # an acronym
        ("- Ships leave Odesa (Photo)", None, ()),  # a label, not a source
    ],
)
def test_list_items_and_their_citations(
    first_line: str, headline: str | None, sources: tuple[str, ...]
) -> None:
    digest = parse_digest(f"## News\n\n{first_line}\n- Another story\n")
    first = digest.items[0]
    assert first.sources == sources
    assert first.headline == (headline or first.text)
    assert digest.items[1].text == "Another story"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # a cited headline line over its paragraph is one story
            "Fed holds rates - BBC\nThe Federal Reserve kept its benchmark rate unchanged on "
            "Wednesday and signalled one more hike.\n\nECB cuts rates (Reuters)\nThe European "
            "Central Bank cut its deposit rate by a quarter point, its first cut since 2019.",
            [("Fed holds rates", ("BBC",)), ("ECB cuts rates", ("Reuters",))],
        ),
        (  # ... but not when the paragraph below cites its own source
            "Fed holds rates (Reuters)\nThe European Central Bank cut its deposit rate by a "
            "quarter point, its first cut since 2019, officials said. (FT)",
            [("Fed holds rates", ("Reuters",)), ("The European Central Bank cut its deposit rate "
             "by a quarter point, its first cut since 2019, officials said.", ("FT",))],
        ),
        (  # a short list under a paragraph ending with ':' belongs to it
            "Stocks rose on Tuesday as investors bet that rates have peaked, traders said.\n\n"
            "Key events on Tuesday:\n- Fed minutes\n- Canada CPI\n",
            [("Stocks rose on Tuesday as investors bet that rates have peaked, traders said.", ()),
             ("Key events on Tuesday", ())],
        ),
    ],
)  # fmt: skip
def test_paragraph_stories(text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    assert [(i.headline, i.sources) for i in parse_digest(text).items] == expected


def test_runs_of_spaces_are_collapsed_and_nbsp_normalised() -> None:
    text = "## World\n\n- He said.  The\u00a0talks   ended.   \n- Another story here.\n"
    assert parse_digest(text).items[0].text == "He said. The talks ended."


def test_odd_line_breaks_are_breaks_and_invisible_characters_go() -> None:
    text = "## World\r\n\r\n- First\u200b story.\u2028- Second\ufeff story\r- Third\tstory\x0c\n"
    items = parse_digest(text).items
    assert [i.text for i in items] == ["First story.", "Second story", "Third story"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!doctype html><html><body><p>Hi</p></body></html>", "html"),
        ("<p>One</p>\n<ul><li>Two</li></ul>", "html"),
        ("# Title\n\nBody", "markdown"),
        ("Some **bold** words", "markdown"),
        ("See [this](https://example.com) story", "markdown"),
        ("- one\n- two", "markdown"),
        ("Title\n=====\n\nBody", "markdown"),
        ("Intro line\n# Heading", "markdown"),
        ("> quoted", "markdown"),
        ("Intro\n> quoted", "markdown"),
        ("Intro\n   - item", "markdown"),
        ("Intro\n\n    - indented too far to be a list", "text"),
        ("  • one\n  • two", "text"),
        ("Plain words, nothing else. a < b and c > d.", "text"),
        ("", "text"),
    ],
)
def test_detect_format(text: str, expected: str) -> None:
    assert detect_format(text) == expected


def test_an_explicit_format_and_metadata_win() -> None:
    digest = parse_digest("# Not a heading\n", format="text", title="T", url="https://x.test/d")
    assert (digest.format, digest.title, digest.url) == ("text", "T", "https://x.test/d")
    assert "unknown format" in parse_digest("x", format="pdf").warnings[0]


# ------------------------------------------------------------------------------ anything at all


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "\u00a0\u200b"])
def test_empty_text_gives_no_items_and_a_warning(text: str) -> None:
    digest = parse_digest(text)
    assert digest.items == () and digest.raw == text
    assert digest.warnings == ("empty digest: nothing to parse",)


def test_text_without_structure_is_one_item_with_a_warning() -> None:
    text = "The central bank kept rates on hold on Thursday. Markets barely moved."
    digest = parse_digest(text)
    assert [i.text for i in digest.items] == [text]
    assert digest.items[0].headline == "The central bank kept rates on hold on Thursday."
    assert digest.warnings == ("no structure found: the digest is one item",)


@pytest.mark.parametrize(
    "text",
    ["(" * 20000, "[" * 20000 + "](", "a " * 50000, "A. " * 20000, "*a" * 20000, "“a, " * 20000],
)
def test_pathological_input_parses_quickly(text: str) -> None:
    started = time.perf_counter()
    parse_digest(text)
    assert time.perf_counter() - started < 2.0


_PIECES = st.sampled_from(
    [
        "\n", "\n\n", " ", "  • ", "- ", "* ", "1. ", "2) ", "# ", "## ", "**", "_", "(", ")",
        "[", "](https://x.test/a)", "Reuters", "; see also ", "Source: ", "Author: ", "— ",
        "– BBC", "🔹 ", "▪️ ", "📌 ", "\u00a0", "Nov 2 : ", "Feb 29", "ALL CAPS", "said.",
        "“quote,” he added.", "In its ruling, ", "===", "---", "> ", "\t", "\r\n", "#tag ",
        "By ", ":", "…", "Read more ›", "The man ", "according to the ", "Tass reported",
    ]
)  # fmt: skip
_DIGEST_LIKE = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=60).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(), _DIGEST_LIKE), fmt=st.sampled_from([None, *FORMATS]))
def test_any_text_parses_without_raising(text: str, fmt: str | None) -> None:
    digest = parse_digest(text, format=fmt, today=NOV_5)
    assert digest.raw == text
    assert not any(w.startswith("parser error") for w in digest.warnings)
    assert [item.position for item in digest.items] == list(range(len(digest.items)))
    for item in digest.items:
        assert item.text and item.text == item.text.strip() and "  " not in item.text
        assert item.headline.strip()
    if not text.strip():
        assert digest.items == () and digest.warnings
