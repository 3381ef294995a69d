"""/preview, /days and the "More on TOPIC" buttons, through the real Application."""

from __future__ import annotations

import dataclasses

import pytest
from telegram.ext import Application

from bot.fakeapi import FakeBotAPI
from briefings.briefing import Window, more_data
from briefings.store import Store
from tests.conftest import Clock
from tests.test_delivery import DUE, START, fill, subscribe
from tests.updates import callback, message, send

App = Application  # type: ignore[type-arg]


@pytest.fixture
def filled(store: Store) -> Store:
    return fill(store)


async def test_preview_shows_the_briefing_and_marks_nothing_sent(
    app: App, filled: Store, fake_api: FakeBotAPI
):
    subscribe(filled, 1, "north-korea", "sanctions")
    before = filled.get_subscriber(1)
    await send(app, message("/preview"))
    calls = fake_api.sent(chat_id=1)
    assert calls and "Your briefing" in calls[0].text
    assert "North Korea sent over 1 million artillery shells to Russia" in "".join(
        call.text for call in calls
    )
    assert calls[0].params["parse_mode"] == "HTML"
    assert filled.deliveries() == []
    assert filled.get_subscriber(1) == before  # window and schedule untouched
    await send(app, message("/preview"))  # and it can be asked again
    assert len(fake_api.sent(chat_id=1)) == 2 * len(calls)


async def test_preview_with_nothing_new_says_so_even_for_a_quiet_chat(
    app: App, store: Store, fake_api: FakeBotAPI
):
    subscribe(store, 1, "nato")
    store.set_quiet_when_empty(1, True, now=START)
    await send(app, message("/preview"))
    assert fake_api.last().text == "Nothing new on your topics since your last briefing."


async def test_preview_before_start_asks_for_start(app: App, fake_api: FakeBotAPI):
    await send(app, message("/preview"))
    assert "/start" in fake_api.last().text


async def test_more_button_sends_the_stories_left_out(
    app: App, filled: Store, fake_api: FakeBotAPI, clock: Clock
):
    subscribe(filled, 1, "strikes")
    services = app.bot_data["services"]
    app.bot_data["services"] = dataclasses.replace(
        services, settings=dataclasses.replace(services.settings, briefing_budget=500)
    )
    await send(app, message("/preview"))
    (briefing,) = fake_api.sent(chat_id=1)
    ((label, data),) = briefing.buttons
    assert label.startswith("More on Strikes (")
    fake_api.clear()
    clock.advance(hours=3)  # the button still means the briefing's own window
    await send(app, callback(data, message_id=1000))
    assert fake_api.methods()[0] == "answerCallbackQuery"
    more = fake_api.sent(chat_id=1)
    assert more and more[0].text.startswith("<b>More on Strikes</b>")
    shown = briefing.text
    rest = "\n".join(call.text for call in more)
    count = int(label.split("(")[1].rstrip(")"))
    assert rest.count("• <b>") == count
    for line in rest.splitlines():
        if line.startswith("• <b>"):
            assert line not in shown


async def test_a_stale_more_button_says_so(app: App, filled: Store, fake_api: FakeBotAPI):
    subscribe(filled, 1, "strikes")
    data = more_data(Window(DUE, DUE), "t:strikes")
    await send(app, callback(data, message_id=5))
    assert "no longer" in fake_api.last().text


@pytest.mark.parametrize(
    ("word", "days"), [("weekdays", "weekdays"), ("Daily", "daily"), ("workdays", "weekdays")]
)
async def test_days_sets_daily_or_weekdays(
    app: App, store: Store, fake_api: FakeBotAPI, clock: Clock, word: str, days: str
):
    clock.set(clock.now.replace(day=11))  # Saturday 11 November
    await send(app, message(f"/days {word}"))
    sub = store.get_subscriber(1)
    assert sub is not None and sub.days == days
    text = fake_api.last().text
    if days == "weekdays":
        assert "<b>weekdays</b>" in text and "Next briefing: Mon 13 Nov at 08:00 (UTC)" in text
    else:
        assert "<b>every day</b>" in text and "Next briefing: Sat 11 Nov at 08:00 (UTC)" in text


async def test_days_without_a_valid_word_explains_itself(
    app: App, store: Store, fake_api: FakeBotAPI
):
    subscribe(store, 1)
    await send(app, message("/days sometimes"))
    text = fake_api.last().text
    assert "<code>/days weekdays</code>" in text and "Now: <b>daily</b>" in text
    assert store.get_subscriber(1).days == "daily"  # type: ignore[union-attr]


async def test_only_group_admins_change_the_days(app: App, store: Store, fake_api: FakeBotAPI):
    subscribe(store, -100)
    await send(app, message("/days weekdays", chat_id=-100, chat_type="group", user_id=7))
    assert store.get_subscriber(-100).days == "daily"  # type: ignore[union-attr]
    fake_api.set_member(-100, 8, "administrator")
    await send(app, message("/days weekdays", chat_id=-100, chat_type="group", user_id=8))
    assert store.get_subscriber(-100).days == "weekdays"  # type: ignore[union-attr]


async def test_anyone_in_a_group_may_preview(app: App, filled: Store, fake_api: FakeBotAPI):
    subscribe(filled, -100, "sanctions")
    await send(app, message("/preview", chat_id=-100, chat_type="group", user_id=7))
    assert "Sanctions" in fake_api.sent(chat_id=-100)[0].text
