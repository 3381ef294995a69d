"""Who may do what: bot admins (settings.admin_ids) and the admins of a group.

In a private chat the user is the subscriber and may change everything. In a group the group is
the subscriber, and only its administrators (or its owner, or an anonymous admin posting as the
group) may change its subscription or settings; everyone may read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.context import Context, services
from bot.replies import render_plain, reply
from briefings.models import Subscriber

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
MANAGERS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def is_admin(update: Update, context: Context) -> bool:
    """A bot admin: the user's id is in BRIEFINGS_ADMIN_IDS."""
    user = update.effective_user
    return user is not None and user.id in services(context).settings.admin_ids


async def may_manage(update: Update, context: Context) -> bool:
    """May this user change this chat's subscription and settings?"""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous admin speaks as the group
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in MANAGERS


def subscriber(update: Update, context: Context) -> Subscriber | None:
    chat = update.effective_chat
    return services(context).store.get_subscriber(chat.id) if chat else None


def ensure_subscriber(update: Update, context: Context) -> tuple[Subscriber, bool]:
    """The chat's subscription, registering it with the default schedule if it is new."""
    chat = update.effective_chat
    if chat is None:  # pragma: no cover - handlers are only registered for chat updates
        raise ValueError("an update without a chat")
    svc = services(context)
    found = svc.store.get_subscriber(chat.id)
    if found is not None and found.status == "active":
        return found, False
    return svc.store.register_chat(
        chat.id,
        chat.type,
        chat.title,
        time=svc.settings.default_time,
        timezone=svc.settings.default_timezone,
        now=svc.now(),
    )


def managers_only(handler: Handler) -> Handler:
    """Changes to a group's subscription: refused politely to members who are not its admins."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        if await may_manage(update, context):
            await handler(update, context)
            return
        if update.callback_query is not None:
            await update.callback_query.answer(
                render_plain(context, "managers_only"), show_alert=True
            )
        else:
            await reply(update, context, "managers_only")

    return guarded


def admins_only(handler: Handler) -> Handler:
    """Bot admin commands: everyone else gets the same 'not allowed' answer."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        if is_admin(update, context):
            await handler(update, context)
        else:
            await reply(update, context, "not_allowed")

    return guarded

