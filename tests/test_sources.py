"""Who reported an item: citations at the end, 'Source:' lines and outlets named in the prose."""

from __future__ import annotations

import pytest

from briefings.sources import (
    dedupe,
    is_outlet,
    looks_like_source,
    normalise_source,
    outlet_key,
    source_line,
    split_sources,
    take_prose_sources,
    take_trailing_sources,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rates held. (NBC News; see also Reuters)", ("Rates held.", ("NBC News", "Reuters"))),
        ("Rates held (Reuters) - AP", ("Rates held", ("Reuters", "AP"))),
        ("Rates held. [Politico]", ("Rates held.", ("Politico",))),
        ("Rates held. Source: BBC", ("Rates held.", ("BBC",))),
        ("Rates held - BBC", ("Rates held", ("BBC",))),
    ],
)  # fmt: skip
def test_a_closing_citation_is_taken_off_the_text(
    text: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    assert take_trailing_sources(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Experts of the United Nations Educational, Scientific and Cultural Organization (UNESCO)",
        "Fed holds rates (Photo)",
        "The Fed held rates in March (2023)",
        "The Fed held rates on Wednesday.",
    ],
)
def test_parentheses_that_do_not_cite_stay(text: str) -> None:
    assert take_trailing_sources(text) == (text, ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Fed held rates, Reuters reported on Wednesday.", ("Reuters",)),
        ("Russia’s Tass news agency said the talks had ended.", ("Tass",)),
        ("In an interview with the BBC, the minister denied it.", ("BBC",)),
        ("The minister said so in an article for The Economist last week.", ("Economist",)),
        ("The minister told Politico Europe that talks would resume.", ("Politico Europe",)),
        ("Talks ended, according to the Kyiv Independent. Its head left.", ("Kyiv Independent",)),
        ("The shipment arrived, according to Spike Brokers.", ("Spike Brokers",)),
        ("The shipment arrived, according to the Central Bank.", ()),
        ("The governor said the strikes killed two people.", ()),
        ("He said it would rain.", ()),
    ],
)  # fmt: skip
def test_outlets_named_in_the_prose_are_sources_and_the_text_is_kept(
    text: str, expected: tuple[str, ...]
) -> None:
    assert take_prose_sources(text) == (text, expected)


@pytest.mark.parametrize("space", [" ", "\n", "\u00a0", "\t"])
def test_a_verb_after_any_kind_of_space_counts(space: str) -> None:
    text = f"The Fed held rates.{space}Reuters reported it first."
    assert take_prose_sources(text) == (text, ("Reuters",))


def test_a_leading_outlet_label_is_taken_off() -> None:
    text = "Reuters: The Fed held rates on Wednesday."
    assert take_prose_sources(text) == ("The Fed held rates on Wednesday.", ("Reuters",))


@pytest.mark.parametrize(
    ("name", "normalised", "outlet"),
    [
        ("the Associated Press", "Associated Press", True),
        ("Russia's Tass news agency", "Tass", True),
        ("The Kyiv Independent", "Kyiv Independent", True),
        ("Ukrainska Pravda newspaper", "Ukrainska Pravda", True),
        ("the Central Bank", "Central Bank", False),
    ],
)
def test_names_are_normalised_and_known_outlets_recognised(
    name: str, normalised: str, outlet: bool
) -> None:
    assert (normalise_source(name), is_outlet(name)) == (normalised, outlet)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("AP News", True), ("the Kyiv Independent", True), ("Photo", False), ("said so.", False)],
)
def test_a_source_looks_like_a_short_capitalised_name(name: str, expected: bool) -> None:
    assert looks_like_source(name) is expected


def test_a_citation_list_splits_into_names_and_anything_else_into_nothing() -> None:
    names = ("Politico", "Reuters", "Euractiv")
    assert split_sources("Politico; see also Reuters, Euractiv") == names
    assert split_sources("see also via BBC") == ("BBC",)
    assert split_sources("a long list of things that are not names") == ()


def test_a_source_line_only_cites() -> None:
    assert source_line("Sources: AP, Reuters") == ("AP", "Reuters")
    assert source_line("Politico; see also Reuters") == ()


def test_dedupe_keeps_the_first_spelling_of_each_name() -> None:
    assert dedupe(["Reuters", "the Reuters", "REUTERS", "AP"]) == ("Reuters", "AP")


@pytest.mark.parametrize(
    ("first", "second"),
    [("AP News", "the Associated Press"), ("AFP", "Agence France-Presse"), ("Reuters", "reuters")],
)
def test_names_of_one_outlet_share_a_key(first: str, second: str) -> None:
    assert outlet_key(first) == outlet_key(second)


def test_different_outlets_keep_different_keys() -> None:
    assert outlet_key("Politico") != outlet_key("Politico Europe") != outlet_key("AP News")
