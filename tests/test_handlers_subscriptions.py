"""/start, /topics and its toggles, /subscribe, /unsubscribe, /stop, through the Application."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.fakeapi import FakeBotAPI
from briefings.store import Store
from tests.updates import callback, message, send


def picker_buttons(fake_api: FakeBotAPI, method: str = "sendMessage") -> dict[str, str]:
    """callback_data -> button text of the last topic picker."""
    return {data: text for text, data in fake_api.last(method).buttons}


async def test_start_registers_a_private_chat_welcomes_and_shows_the_picker(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/start", chat_id=5, user_id=5))

    sub = store.get_subscriber(5)
    assert sub is not None and sub.chat_type == "private"
    assert (sub.time, sub.timezone, sub.status) == ("08:00", "UTC", "active")
    welcome, topics = fake_api.sent("sendMessage", chat_id=5)
    assert "Welcome" in welcome.text and "/help" in welcome.text
    assert "Mon 6 Nov at 08:00" in welcome.text  # the first briefing, local time
    assert welcome.params["parse_mode"] == "HTML"
    assert welcome.params["link_preview_options"] == {"is_disabled": True}
    assert "Topics" in topics.text
    assert "topic:toggle:sanctions" in picker_buttons(fake_api)


async def test_the_picker_has_two_buttons_a_row_with_this_weeks_counts(
    app: Application, fake_api: FakeBotAPI, store: Store, ingested: list[Any]
) -> None:
    await send(app, message("/topics"))

    rows = fake_api.last().params["reply_markup"]["inline_keyboard"]
    assert all(len(row) <= 2 for row in rows) and len(rows[0]) == 2
    buttons = picker_buttons(fake_api)
    counts = store.topic_counts()
    assert counts["sanctions"] > 0
    assert buttons["topic:toggle:sanctions"] == f"Sanctions · {counts['sanctions']}"
    assert buttons["topic:toggle:strikes"] == f"Strikes · {counts['strikes']}"
    assert all(len(data.encode()) < 64 for data in buttons)


async def test_counts_cover_only_the_last_seven_days(
    app: Application, fake_api: FakeBotAPI, ingested: list[Any], clock: Any
) -> None:
    clock.advance(days=8)
    await send(app, message("/topics"))
    assert picker_buttons(fake_api)["topic:toggle:sanctions"] == "Sanctions · 0"


async def test_start_again_changes_nothing_but_shows_the_picker(
    app: Application, fake_api: FakeBotAPI, store: Store, clock: Any
) -> None:
    await send(app, message("/start"))
    await send(app, message("/time 07:15"))
    fake_api.clear()
    clock.advance(hours=1)

    await send(app, message("/start"))

    assert [call.method for call in fake_api.calls] == ["sendMessage"]
    assert "Welcome" not in fake_api.last().text and "Topics" in fake_api.last().text
    sub = store.get_subscriber(1)
    assert sub is not None and sub.time == "07:15"


async def test_tapping_a_topic_follows_it_and_edits_the_picker_in_place(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/start"))
    picker_id = fake_api.last().result["message_id"]

    await send(app, callback("topic:toggle:sanctions", message_id=picker_id))

    sub = store.get_subscriber(1)
    assert sub is not None and sub.topics == ("sanctions",)
    assert fake_api.methods()[-2:] == ["answerCallbackQuery", "editMessageText"]
    edit = fake_api.last("editMessageText")
    assert edit.params["message_id"] == picker_id and edit.chat_id == 1
    assert "Following: Sanctions." in edit.text
    assert picker_buttons(fake_api, "editMessageText")["topic:toggle:sanctions"].endswith("✓")

    await send(app, callback("topic:toggle:sanctions", message_id=picker_id))

    sub = store.get_subscriber(1)
    assert sub is not None and sub.topics == ()
    assert not picker_buttons(fake_api, "editMessageText")["topic:toggle:sanctions"].endswith("✓")


async def test_tapping_a_topic_in_a_chat_that_never_started_registers_it(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, callback("topic:toggle:energy", message_id=3, chat_id=9, user_id=9))
    sub = store.get_subscriber(9)
    assert sub is not None and sub.topics == ("energy",)


async def test_subscribe_accepts_a_slug_or_a_label_in_any_case(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/subscribe SANCTIONS"))
    await send(app, message("/subscribe peace talks"))

    sub = store.get_subscriber(1)
    assert sub is not None and set(sub.topics) == {"sanctions", "peace-talks"}
    assert "Following the topic <b>Peace talks</b>" in fake_api.last().text


async def test_subscribe_to_free_text_saves_a_search(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/subscribe   Black Sea   Fleet"))

    sub = store.get_subscriber(1)
    assert sub is not None and sub.searches == ("Black Sea Fleet",) and sub.topics == ()
    assert "the words <b>Black Sea Fleet</b>" in fake_api.last().text
    await send(app, message("/subscribe Black Sea Fleet"))
    assert "Already following" in fake_api.last().text


async def test_subscribe_escapes_what_the_user_typed(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await send(app, message("/subscribe <b>Kerch</b> & co"))
    assert "&lt;b&gt;Kerch&lt;/b&gt; &amp; co" in fake_api.last().text


async def test_subscribe_with_nothing_answers_with_usage_and_an_example(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/subscribe"))
    text = fake_api.last().text
    assert "Usage: <code>/subscribe TOPIC</code>" in text and "/subscribe Black Sea Fleet" in text
    await send(app, message("/subscribe ?!…"))
    assert "can't follow" in fake_api.last().text
    assert store.get_subscriber(1) is None


async def test_unsubscribe_a_topic_and_a_search(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/subscribe energy"))
    await send(app, message("/subscribe Black Sea Fleet"))

    await send(app, message("/unsubscribe Energy"))
    assert "Stopped following <b>Energy</b>" in fake_api.last().text
    await send(app, message("/unsubscribe black sea fleet"))

    sub = store.get_subscriber(1)
    assert sub is not None and sub.topics == () and sub.searches == ()


async def test_unsubscribe_from_something_not_followed_lists_what_is(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await send(app, message("/subscribe nato"))
    await send(app, message("/subscribe Kerch bridge"))

    await send(app, message("/unsubscribe grain"))

    text = fake_api.last().text
    assert "not following “grain”" in text
    assert "Following now: NATO, Kerch bridge." in text


async def test_stop_deletes_the_chat(app: Application, fake_api: FakeBotAPI, store: Store) -> None:
    await send(app, message("/start"))
    await send(app, message("/subscribe energy"))

    await send(app, message("/stop"))

    assert store.get_subscriber(1) is None
    assert "forgotten this chat" in fake_api.last().text
    await send(app, message("/stop"))
    assert "was not subscribed" in fake_api.last().text
