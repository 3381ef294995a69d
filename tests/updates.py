"""Updates as the Bot API sends them, for driving the real Application in tests.

Each builder writes the JSON dict Telegram would send and returns `Update.de_json(dict, bot)`.
Pass `bot=app.bot`, or leave it out: `send(app, update)` binds unbound updates to the app's bot.
"""

from __future__ import annotations

import itertools
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from bot.fakeapi import BOT_USER

DATE = 1699250400  # 2023-11-06 06:00 UTC, the conftest clock's start
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def user(user_id: int = 1, first_name: str = "Ann", username: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        data["username"] = username
    return data


def chat(chat_id: int = 1, chat_type: str = "private", title: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        data["first_name"] = "Ann"
    else:
        data["title"] = title or ("Digest readers" if chat_type != "channel" else "Digests")
    return data


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    length = len(text.split(maxsplit=1)[0]) if text.strip() else 1
    return [{"type": "bot_command", "offset": 0, "length": length}]


def _update(data: dict[str, Any], bot: Bot | None) -> Update:
    data = {"update_id": next(_update_ids), **data}
    update = Update.de_json(data, bot)  # type: ignore[arg-type]
    return update


def message_dict(
    text: str | None = None,
    *,
    chat_id: int = 1,
    user_id: int = 1,
    chat_type: str = "private",
    title: str | None = None,
    message_id: int | None = None,
    date: int = DATE,
    forward_date: int | None = None,
    forward_from_chat: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_message_ids),
        "date": date,
        "chat": chat(chat_id, chat_type, title),
        "from": user(user_id),
    }
    if text is not None:
        data["text"] = text
        entities = _command_entities(text)
        if entities:
            data["entities"] = entities
    if forward_date is not None:
        if forward_from_chat is not None:
            data["forward_origin"] = {
                "type": "channel",
                "chat": forward_from_chat,
                "message_id": 7,
                "date": forward_date,
            }
        else:
            data["forward_origin"] = {
                "type": "hidden_user",
                "sender_user_name": "A Newsletter",
                "date": forward_date,
            }
    data.update(extra)
    return data


def message(
    text: str,
    *,
    chat_id: int = 1,
    user_id: int = 1,
    chat_type: str = "private",
    bot: Bot | None = None,
    **extra: Any,
) -> Update:
    """A text message; a leading /command gets its bot_command entity, as Telegram sends it."""
    data = message_dict(text, chat_id=chat_id, user_id=user_id, chat_type=chat_type, **extra)
    return _update({"message": data}, bot)


def document(
    file_id: str,
    file_name: str = "digest.txt",
    *,
    mime_type: str = "text/plain",
    file_size: int | None = None,
    caption: str | None = None,
    chat_id: int = 1,
    user_id: int = 1,
    chat_type: str = "private",
    bot: Bot | None = None,
    **extra: Any,
) -> Update:
    """A message carrying a file; serve its bytes with `fake_api.files[file_id] = b"..."`."""
    doc: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": f"u-{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
    }
    if file_size is not None:
        doc["file_size"] = file_size
    data = message_dict(None, chat_id=chat_id, user_id=user_id, chat_type=chat_type, **extra)
    data["document"] = doc
    if caption is not None:
        data["caption"] = caption
    return _update({"message": data}, bot)


def callback(
    data: str,
    *,
    message_id: int,
    chat_id: int = 1,
    user_id: int = 1,
    chat_type: str = "private",
    text: str = "…",
    bot: Bot | None = None,
) -> Update:
    """A tap on an inline button of the bot's message `message_id`."""
    query = {
        "id": f"cq{next(_update_ids)}",
        "from": user(user_id),
        "chat_instance": f"ci{chat_id}",
        "data": data,
        "message": {
            "message_id": message_id,
            "date": DATE,
            "chat": chat(chat_id, chat_type),
            "from": BOT_USER,
            "text": text,
        },
    }
    return _update({"callback_query": query}, bot)


def channel_post(
    text: str | None = None,
    *,
    chat_id: int = -1001234567890,
    username: str | None = "digests",
    title: str = "Digests",
    message_id: int = 77,
    date: int = DATE,
    document_id: str | None = None,
    file_name: str = "digest.txt",
    bot: Bot | None = None,
) -> Update:
    """A post in a channel the bot is an admin of (text, or a document with `document_id`)."""
    channel: dict[str, Any] = {"id": chat_id, "type": "channel", "title": title}
    if username:
        channel["username"] = username
    post: dict[str, Any] = {
        "message_id": message_id,
        "date": date,
        "chat": channel,
        "sender_chat": channel,
    }
    if text is not None:
        post["text"] = text
    if document_id is not None:
        post["document"] = {
            "file_id": document_id,
            "file_unique_id": f"u-{document_id}",
            "file_name": file_name,
            "mime_type": "text/plain",
        }
    return _update({"channel_post": post}, bot)


def migrate(
    old_chat_id: int = -100,
    new_chat_id: int = -1009876543210,
    *,
    user_id: int = 1,
    bot: Bot | None = None,
) -> Update:
    """The service message in the old group saying it became a supergroup."""
    data = message_dict(
        None, chat_id=old_chat_id, user_id=user_id, chat_type="group",
        migrate_to_chat_id=new_chat_id,
    )
    return _update({"message": data}, bot)


def my_chat_member(
    new_status: str,
    *,
    old_status: str = "member",
    chat_id: int = -100,
    chat_type: str = "group",
    user_id: int = 1,
    bot: Bot | None = None,
) -> Update:
    """The bot's own membership changed in a chat (added, removed, kicked, blocked)."""
    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": BOT_USER}
        if status == "kicked":
            data["until_date"] = 0
        return data

    change = {
        "chat": chat(chat_id, chat_type),
        "from": user(user_id),
        "date": DATE,
        "old_chat_member": member(old_status),
        "new_chat_member": member(new_status),
    }
    return _update({"my_chat_member": change}, bot)


async def send(app: Application, update: Update) -> None:
    """Process one update through the real Application, bound to its bot."""
    try:
        update.get_bot()
    except RuntimeError:
        update = Update.de_json(update.to_dict(), app.bot)
    await app.process_update(update)
