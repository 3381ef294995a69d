"""Groups: the group is the subscriber, only its admins change it; migration; removal."""

from __future__ import annotations

from telegram.ext import Application

from bot.fakeapi import FakeBotAPI
from briefings.store import Store
from tests.updates import callback, chat, message, migrate, my_chat_member, send

GROUP = -100
ADMIN, MEMBER = 7, 8


def in_group(text: str, user_id: int = ADMIN, **extra: object) -> object:
    return message(text, chat_id=GROUP, user_id=user_id, chat_type="group", **extra)


async def test_a_group_admin_subscribes_the_group(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.set_member(GROUP, ADMIN, "administrator")

    await send(app, in_group("/start@briefings_test_bot"))

    sub = store.get_subscriber(GROUP)
    assert sub is not None and sub.chat_type == "group" and sub.title == "Digest readers"
    assert int(fake_api.sent("getChatMember")[0].params["user_id"]) == ADMIN
    welcome, picker = fake_api.sent("sendMessage", chat_id=GROUP)
    assert "this group gets" in welcome.text and picker.buttons


async def test_the_group_creator_counts_as_an_admin(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.set_member(GROUP, ADMIN, "creator")
    await send(app, in_group("/subscribe energy"))
    sub = store.get_subscriber(GROUP)
    assert sub is not None and sub.topics == ("energy",)


async def test_an_anonymous_admin_speaking_as_the_group_may_change_it(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    group = chat(GROUP, "group")
    await send(app, in_group("/time 09:00", user_id=1087968824, sender_chat=group))
    sub = store.get_subscriber(GROUP)
    assert sub is not None and sub.time == "09:00"


async def test_a_member_who_is_not_an_admin_cannot_change_the_group(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    for command in ("/start", "/subscribe energy", "/time 09:00", "/pause", "/stop",
                    "/unsubscribe energy", "/timezone Kyiv", "/settings"):
        fake_api.clear()
        await send(app, in_group(command, user_id=MEMBER))
        assert "admins" in fake_api.last().text, command
    assert store.get_subscriber(GROUP) is None


async def test_a_member_cannot_toggle_the_groups_topics(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.set_member(GROUP, ADMIN, "administrator")
    await send(app, in_group("/start"))
    picker_id = fake_api.last().result["message_id"]

    await send(app, callback("topic:toggle:energy", message_id=picker_id, chat_id=GROUP,
                             user_id=MEMBER, chat_type="group"))

    answer = fake_api.last("answerCallbackQuery")
    assert "admins" in answer.params["text"] and answer.params["show_alert"] in (True, "true")
    assert not fake_api.sent("editMessageText")
    sub = store.get_subscriber(GROUP)
    assert sub is not None and sub.topics == ()


async def test_a_member_can_still_read(app: Application, fake_api: FakeBotAPI) -> None:
    await send(app, in_group("/search grain", user_id=MEMBER))
    await send(app, in_group("/topics", user_id=MEMBER))
    assert [call.method for call in fake_api.calls[-2:]] == ["sendMessage", "sendMessage"]
    assert not fake_api.sent("getChatMember")


async def test_commands_for_another_bot_are_ignored(app: Application, fake_api: FakeBotAPI) -> None:
    fake_api.clear()
    await send(app, in_group("/start@some_other_bot"))
    await send(app, in_group("/frobnicate"))
    assert fake_api.calls == []


async def test_unknown_commands_point_to_help(app: Application, fake_api: FakeBotAPI) -> None:
    await send(app, message("/frobnicate now"))
    assert "I don't know /frobnicate" in fake_api.last().text and "/help" in fake_api.last().text
    await send(app, in_group("/frobnicate@briefings_test_bot"))
    assert fake_api.last().chat_id == GROUP and "/help" in fake_api.last().text


async def test_a_group_that_becomes_a_supergroup_keeps_its_subscription(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.set_member(GROUP, ADMIN, "administrator")
    await send(app, in_group("/subscribe sanctions"))
    await send(app, in_group("/time 09:15"))

    await send(app, migrate(GROUP, -1009876543210))
    # Telegram also says it in the new supergroup; the second notice changes nothing.
    await send(app, message(None, chat_id=-1009876543210, chat_type="supergroup",  # type: ignore[arg-type]
                            migrate_from_chat_id=GROUP))

    assert store.get_subscriber(GROUP) is None
    sub = store.get_subscriber(-1009876543210)
    assert sub is not None and sub.chat_type == "supergroup"
    assert sub.topics == ("sanctions",) and sub.time == "09:15"


async def test_removing_the_bot_marks_the_group_gone(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.set_member(GROUP, ADMIN, "administrator")
    await send(app, in_group("/start"))

    await send(app, my_chat_member("left", chat_id=GROUP))

    sub = store.get_subscriber(GROUP)
    assert sub is not None and sub.status == "gone"


async def test_a_user_blocking_the_bot_marks_the_chat_gone_and_start_brings_it_back(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    await send(app, message("/subscribe energy"))

    await send(app, my_chat_member("kicked", chat_id=1, chat_type="private"))
    sub = store.get_subscriber(1)
    assert sub is not None and sub.status == "gone"

    await send(app, message("/start"))
    sub = store.get_subscriber(1)
    assert sub is not None and sub.status == "active" and sub.topics == ("energy",)


async def test_removal_from_a_chat_that_never_subscribed_is_ignored(
    app: Application, fake_api: FakeBotAPI, store: Store
) -> None:
    fake_api.clear()
    await send(app, my_chat_member("kicked", chat_id=-555))
    assert store.get_subscriber(-555) is None and fake_api.calls == []


async def test_being_added_to_a_group_says_hello(app: Application, fake_api: FakeBotAPI) -> None:
    await send(app, my_chat_member("member", old_status="left", chat_id=GROUP))
    hello = fake_api.last()
    assert hello.chat_id == GROUP and "/start" in hello.text
