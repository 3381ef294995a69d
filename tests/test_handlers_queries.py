"""/topic, /latest, /search (and plain text), /source: what the bot sends back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import escape
from sqlite_utils import Database
from telegram.ext import Application

from bot.app import build_application
from bot.fakeapi import FakeBotAPI
from bot.settings import Settings
from briefings.compose import MESSAGE_LIMIT
from briefings.ingest import ingest_text
from briefings.store import Store
from briefings.topics import load_catalogue
from tests.updates import callback, message, send

TAG = re.compile(r"</?([a-z-]+)[^>]*>")


def balanced(html: str) -> bool:
    """Every tag closed, in order, and no tag or entity cut in half."""
    stack: list[str] = []
    for match in TAG.finditer(html):
        name = match.group(1)
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack and not re.search(r"&[#a-zA-Z0-9]*$", html) and "<" not in TAG.sub("", html)


async def test_topic_shows_recent_items_with_bold_headline_extract_and_sources(
    app: Application, fake_api: FakeBotAPI, store: Store, ingested: list[Any]
) -> None:
    await send(app, message("/topic sanctions"))

    sent = fake_api.last()
    assert sent.text.startswith("📌 <b>Sanctions</b>")
    items = store.items_on_topic("sanctions", limit=5)
    for item in items:
        assert f"<b>{escape(item.headline)}</b>" in sent.text
    with_sources = next(item for item in items if item.sources)
    assert f"\n— {', '.join(with_sources.sources)}" in sent.text
    days = re.findall(r"📅 (\w+ \d+ \w+ \d+)", sent.text)
    assert days == ["Monday 6 November 2023", "Thursday 2 November 2023"]  # newest first
    assert sent.buttons == [("◀ Older", "page:t:5:sanctions")]
    assert balanced(sent.text)


async def test_an_item_shows_a_short_extract_after_its_headline(
    app: Application, fake_api: FakeBotAPI, store: Store, clock: Any
) -> None:
    body = ("The EU agreed its twelfth sanctions package on Russia. It bans diamond imports. "
            "It also tightens the oil price cap. Officials expect more to follow.")
    ingest_text(store, load_catalogue(), f"Sanctions\n\n  • {body} (Politico; see also Reuters)",
                now=clock())

    await send(app, message("/topic sanctions"))

    text = fake_api.last().text
    assert "<b>The EU agreed its twelfth sanctions package on Russia.</b>\n" in text
    assert "It bans diamond imports. It also tightens the oil price cap.\n" in text
    assert "Officials expect" not in text  # two sentences
    assert "— Politico, Reuters" in text


async def test_topic_pages_older_and_newer_in_place(
    app: Application, fake_api: FakeBotAPI, store: Store, ingested: list[Any]
) -> None:
    total = store.topic_counts()["strikes"]
    assert total > 10
    await send(app, message("/topic strikes"))
    first_page = fake_api.last().text
    message_id = fake_api.last().result["message_id"]

    await send(app, callback("page:t:5:strikes", message_id=message_id))

    edit = fake_api.last("editMessageText")
    assert edit.params["message_id"] == message_id
    assert "items 6–10" in edit.text and edit.text != first_page
    assert edit.buttons == [("◀ Older", "page:t:10:strikes"), ("Newer ▶", "page:t:0:strikes")]
    assert fake_api.sent("answerCallbackQuery")

    last = (total - 1) // 5 * 5
    await send(app, callback(f"page:t:{last}:strikes", message_id=message_id))
    assert fake_api.last("editMessageText").buttons == [("Newer ▶", f"page:t:{last - 5}:strikes")]


async def test_topic_alone_offers_every_catalogue_topic(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await send(app, message("/topic"))
    buttons = dict(fake_api.last().buttons)
    assert len(buttons) == len(load_catalogue())
    assert buttons["Black Sea"] == "page:t:0:black-sea"


async def test_a_misspelt_topic_gets_suggestions_and_a_search_button(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/topic sancions"))

    sent = fake_api.last()
    assert "No topic called “sancions”" in sent.text and "Sanctions" in sent.text
    assert sent.buttons[0] == ("Sanctions", "page:t:0:sanctions")
    assert sent.buttons[-1] == ("🔎 Search “sancions”", "page:s:0:sancions")

    await send(app, callback("page:t:0:sanctions", message_id=sent.result["message_id"]))
    assert fake_api.last("editMessageText").text.startswith("📌 <b>Sanctions</b>")


async def test_free_text_topic_shows_search_results(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/topic Dutch court"))
    assert fake_api.last().text.startswith("🔎 <b>Dutch court</b>")
    assert "A Dutch court has sentenced" in fake_api.last().text


async def test_search_puts_the_matched_words_in_bold(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/search Zelenskyy peace"))

    text = fake_api.last().text
    assert text.startswith("🔎 <b>Zelenskyy peace</b>")
    assert "<b>Zelenskyy</b>’s “Ukraine <b>Peace</b> Formula”" in text
    assert balanced(text)


@pytest.mark.parametrize(
    "words",
    ['"unbalanced', "sanctions AND NOT", "NEAR(a b)", "*", "^x", "🙂🙃", "a:b", "-", "''",
     "<script>", "&amp;", "x" * 300, "ааа", "( ) [ ] { }"],
)
async def test_search_never_fails_on_odd_input(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any], words: str
) -> None:
    await send(app, message(f"/search {words}"))

    sent = fake_api.last()
    assert "something went wrong" not in sent.text
    assert balanced(sent.text) and len(sent.text) <= MESSAGE_LIMIT
    assert all(len(data.encode()) <= 64 for _, data in sent.buttons)


async def test_nothing_found_is_friendly_with_a_hint(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/search xylophone quartet"))
    text = fake_api.last().text
    assert "Nothing found for “xylophone quartet”" in text and "/topics" in text
    assert fake_api.last().buttons == []


async def test_search_without_words_explains_usage(app: Application, fake_api: FakeBotAPI) -> None:
    await send(app, message("/search"))
    assert "Usage: <code>/search WORDS</code>" in fake_api.last().text


async def test_plain_text_in_a_private_chat_is_a_search(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("Dutch court"))
    assert fake_api.last().text.startswith("🔎 <b>Dutch court</b>")


async def test_plain_text_in_a_group_is_ignored(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    fake_api.clear()
    await send(app, message("Dutch court", chat_id=-100, chat_type="group"))
    assert fake_api.calls == []


LONG_WORDS = "Ukrainian reconstruction conference pledges infrastructure"


def store_long_search_items(store: Store, clock: Any) -> None:
    catalogue = load_catalogue()
    for day in range(7):
        text = "\n\n".join(
            f"Section {n}\n\n  • {LONG_WORDS} story {day}-{n} told in full. (Reuters)"
            for n in range(2)
        )
        ingest_text(store, catalogue, text, now=clock())
        clock.advance(hours=1)


async def test_a_long_search_pages_through_a_remembered_key(
    app: Application, fake_api: FakeBotAPI, store: Store, clock: Any
) -> None:
    store_long_search_items(store, clock)
    await send(app, message(f"/search {LONG_WORDS}"))

    older = fake_api.last().buttons[0]
    assert older[0] == "◀ Older" and older[1].startswith("page:k:5:")
    await send(app, callback(older[1], message_id=fake_api.last().result["message_id"]))
    assert "items 6–10" in fake_api.last("editMessageText").text


async def test_a_remembered_key_still_works_after_a_restart(
    app: Application, fake_api: FakeBotAPI, store: Store, clock: Any, settings: Settings
) -> None:
    store_long_search_items(store, clock)
    await send(app, message(f"/search {LONG_WORDS}"))
    older = fake_api.last().buttons[0][1]
    shown = fake_api.last().result["message_id"]

    # Another process on the same file: nothing the first one held in memory is there.
    reopened = Store(Database(settings.db_path))
    restarted = build_application(settings, reopened, request=fake_api.request(), clock=clock)
    await restarted.initialize()
    try:
        await send(restarted, callback(older, message_id=shown))
        assert "items 6–10" in fake_api.last("editMessageText").text
    finally:
        await restarted.shutdown()
        reopened.close()


async def test_a_forgotten_page_button_says_it_expired(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await send(app, callback("page:k:5:0123456789ab", message_id=5))
    answer = fake_api.last("answerCallbackQuery")
    assert "expired" in answer.params["text"] and answer.params["show_alert"] in (True, "true")


async def test_source_lists_recent_items_from_an_outlet(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/source reuters"))
    text = fake_api.last().text
    assert text.startswith("📰 From <b>Reuters</b>")
    assert text.count("— Reuters") >= 4


async def test_an_unknown_source_suggests_close_known_ones(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/source Reutrs"))
    sent = fake_api.last()
    assert "No items from “Reutrs”" in sent.text and "Did you mean Reuters?" in sent.text
    assert sent.buttons == [("Reuters", "page:o:0:Reuters")]


async def test_source_alone_lists_known_outlets(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/source"))
    assert "Known outlets: Politico, Reuters" in fake_api.last().text


async def test_latest_shows_the_top_items_of_each_section_within_the_limit(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any]
) -> None:
    await send(app, message("/latest"))

    sent = fake_api.sent("sendMessage")
    text = "\n\n".join(call.text for call in sent)
    assert "🗞 <b>Promote Ukraine</b> — Monday 6 November 2023" in text
    assert "<b>Claims of Possible Future Peace Negotiations</b>" in text
    assert "— NBC News, Reuters" in text
    assert "🗞 <b>E-Stories</b>" in text
    assert "more sections.</i>" in text  # a digest of 18 sections is cut short
    for call in sent:
        assert len(call.text) <= MESSAGE_LIMIT and balanced(call.text)


async def test_latest_with_nothing_stored_says_so(app: Application, fake_api: FakeBotAPI) -> None:
    await send(app, message("/latest"))
    assert "No digests yet" in fake_api.last().text


async def test_digest_text_is_escaped_and_long_results_are_split_between_blocks(
    app: Application, fake_api: FakeBotAPI, store: Store, clock: Any
) -> None:
    catalogue = load_catalogue()
    for digest in range(2):
        sections = "\n\n".join(
            f"Section {digest}-{n}\n\n"
            + "\n".join(
                f"  • Sanctions 3 < 5 & exports > imports, case {digest}-{n}-{k}, "
                + "with many details " * 12 + ". (Reuters)"
                for k in range(2)
            )
            for n in range(8)
        )
        ingest_text(store, catalogue, sections, now=clock())
        clock.advance(minutes=1)

    await send(app, message("/latest"))

    sent = fake_api.sent("sendMessage")
    assert len(sent) >= 2
    for call in sent:
        assert len(call.text) <= MESSAGE_LIMIT and balanced(call.text)
        assert not call.text.startswith("•")  # split between sections, never inside one
    assert "Sanctions 3 &lt; 5 &amp; exports &gt; imports, case 1-0-0" in sent[0].text
