"""/time, /timezone, /pause, /resume and /settings with its buttons."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import Application

from bot.fakeapi import FakeBotAPI
from briefings.store import Store
from tests.updates import callback, message, send


async def test_time_sets_the_briefing_time_and_says_when_the_next_comes(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/time 7:30"))

    sub = store.get_subscriber(1)  # registered implicitly
    assert sub is not None and sub.time == "07:30"
    text = fake_api.last().text
    assert "Briefings now come at <b>07:30</b> (UTC)" in text
    assert "Next briefing: Mon 6 Nov at 07:30 (UTC)" in text  # the clock says 06:00 UTC


async def test_timezone_accepts_a_city_and_reports_local_time(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/time 08:00"))
    await send(app, message("/timezone Kyiv"))

    sub = store.get_subscriber(1)
    assert sub is not None and sub.timezone == "Europe/Kyiv"
    text = fake_api.last().text
    assert "Timezone set to <b>Europe/Kyiv</b>" in text
    # 06:00 UTC is 08:00 in Kyiv: today's 08:00 has just passed, so tomorrow's.
    assert "Next briefing: Tue 7 Nov at 08:00 (Europe/Kyiv)" in text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/time 25:99", "“25:99” is not a time of day"),
        ("/time", "Usage: <code>/time HH:MM</code>"),
        ("/time noon", "Example: <code>/time 07:30</code>"),
        ("/timezone Mars/Base", "I don't know the timezone “Mars/Base”"),
        ("/timezone", "Usage: <code>/timezone ZONE</code>"),
        ("/timezone +99", "Examples: <code>/timezone Kyiv</code>"),
    ],
)
async def test_bad_schedule_input_answers_with_usage_and_an_example(
    app: Application, fake_api: FakeBotAPI, store: Store, command: str, expected: str
) -> None:
    await send(app, message(command))
    assert expected in fake_api.last().text
    assert store.get_subscriber(1) is None


async def test_pause_and_resume(app: Application, fake_api: FakeBotAPI, store: Store) -> None:
    await send(app, message("/start"))

    await send(app, message("/pause"))
    sub = store.get_subscriber(1)
    assert sub is not None and sub.paused
    assert "paused" in fake_api.last().text and "Next briefing" not in fake_api.last().text

    await send(app, message("/resume"))
    sub = store.get_subscriber(1)
    assert sub is not None and not sub.paused
    assert "resumed" in fake_api.last().text and "Next briefing: Mon 6 Nov at 08:00" \
        in fake_api.last().text


async def test_settings_shows_everything_with_buttons(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await send(app, message("/subscribe energy"))
    await send(app, message("/subscribe Kerch bridge"))

    await send(app, message("/settings"))

    sent = fake_api.last()
    for line in ("Topics: Energy", "Words: Kerch bridge", "Time: 08:00, every day",
                 "Timezone: UTC", "Briefings: on", "When nothing is new: send a short note"):
        assert line in sent.text
    data = [data for _, data in sent.buttons]
    assert data == ["set:paused:1", "set:quiet:0", "set:quiet:1", "set:days:daily",
                    "set:days:weekdays", "set:time:07:00", "set:time:08:00", "set:time:09:00",
                    "set:time:18:00", "set:topics"]
    assert dict(sent.buttons)["✓ 08:00"] == "set:time:08:00"


@pytest.mark.parametrize(
    ("data", "check", "shown"),
    [
        ("set:paused:1", lambda sub: sub.paused, "Briefings: paused"),
        ("set:quiet:1", lambda sub: sub.quiet_when_empty, "When nothing is new: stay quiet"),
        ("set:days:weekdays", lambda sub: sub.days == "weekdays", "weekdays only"),
        ("set:time:18:00", lambda sub: sub.time == "18:00", "Time: 18:00"),
    ],
)
async def test_settings_buttons_change_the_setting_and_edit_in_place(
    app: Application, fake_api: FakeBotAPI, store: Store, data: str, check: Any, shown: str
) -> None:
    await send(app, message("/settings"))
    message_id = fake_api.last().result["message_id"]

    await send(app, callback(data, message_id=message_id))

    assert check(store.get_subscriber(1))
    edit = fake_api.last("editMessageText")
    assert edit.params["message_id"] == message_id and shown in edit.text
    assert fake_api.last("answerCallbackQuery").params["text"] == "Saved."


async def test_the_topics_button_opens_the_picker(app: Application, fake_api: FakeBotAPI) -> None:
    await send(app, message("/settings"))
    await send(app, callback("set:topics", message_id=fake_api.last().result["message_id"]))
    assert fake_api.last().text.startswith("<b>Topics</b>")
    assert ("Sanctions · 0", "topic:toggle:sanctions") in fake_api.last().buttons


async def test_a_malformed_settings_button_changes_nothing(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/settings"))
    await send(app, callback("set:time:03:33", message_id=1))
    sub = store.get_subscriber(1)
    assert sub is not None and sub.time == "08:00"
    assert fake_api.methods()[-1] == "answerCallbackQuery"
