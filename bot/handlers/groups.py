"""Chats changing under the bot: a group becoming a supergroup, the bot removed or blocked."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

from bot.context import Context, services
from bot.replies import reply
from briefings.store import UnknownChat

log = logging.getLogger(__name__)
GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED}
GROUPS = {ChatType.GROUP, ChatType.SUPERGROUP}


async def migrate(update: Update, context: Context) -> None:
    """Telegram says it twice (in the old group and in the new supergroup); once is enough."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    svc = services(context)
    if svc.store.migrate_chat(old, new, now=svc.now()):
        log.info("chat %s became supergroup %s", old, new)


async def membership(update: Update, context: Context) -> None:
    """The bot was removed from a group or blocked by a user: stop sending there."""
    change = update.my_chat_member
    if change is None:
        return
    svc = services(context)
    status = change.new_chat_member.status
    if status in GONE:
        try:
            svc.store.mark_gone(change.chat.id, now=svc.now())
        except UnknownChat:
            return
        log.info("chat %s is gone (%s)", change.chat.id, status)
    elif change.chat.type in GROUPS and change.old_chat_member.status in GONE:
        await reply(update, context, "group_added")


def register(application: Application) -> None:
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrate))
    application.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
