"""Sentence ends: the one rule behind lead sentences, briefing extracts and story matching."""

from __future__ import annotations

import pytest

from briefings.sentences import first_sentences, sentence_ends, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Kyiv was hit. Two died.", ["Kyiv was hit.", "Two died."]),
        ("Talks on Nov. 1 failed. Both left.", ["Talks on Nov. 1 failed.", "Both left."]),
        ("U.S. envoys agreed. The E.U. did not.", ["U.S. envoys agreed.", "The E.U. did not."]),
        ("Gen. Smith and Ann S. Lee met. Why?", ["Gen. Smith and Ann S. Lee met.", "Why?"]),
        ('He said "never." Then he left.', ['He said "never."', "Then he left."]),
        ("Who pays?! Nobody (yet). 40 died.", ["Who pays?!", "Nobody (yet).", "40 died."]),
        ("Зеленський заявив. Путін мовчить.", ["Зеленський заявив.", "Путін мовчить."]),
        ("Wait… What now", ["Wait…", "What now"]),
        ("version 2.0 is out. it is small.", ["version 2.0 is out. it is small."]),
        ("No stop at all", ["No stop at all"]),
        ("", []),
    ],
)
def test_sentences_end_at_stops_before_capitals_but_not_after_abbreviations(
    text: str, sentences: list[str]
) -> None:
    assert split_sentences(text) == sentences


def test_first_sentences_are_verbatim_and_the_whole_text_when_short() -> None:
    text = "Kyiv was hit overnight. Two people died. Power is out."
    assert first_sentences(text) == "Kyiv was hit overnight."
    assert first_sentences(text, 2) == "Kyiv was hit overnight. Two people died."
    assert first_sentences(text, 5) == text
    assert list(sentence_ends(text)) == [23, 40]
