"""/help from the one command list, and a pointer to it for commands the bot does not know."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.access import is_admin
from bot.commands import admin_commands, public_commands
from bot.context import Context
from bot.replies import reply


async def help(update: Update, context: Context) -> None:
    chat = update.effective_chat
    await reply(update, context, "help", commands=public_commands(),
                admin=admin_commands() if is_admin(update, context) else (),
                private=chat is not None and chat.type == ChatType.PRIVATE)


async def unknown(update: Update, context: Context) -> None:
    """An unknown command: answered in private chats and when addressed to this bot by name;
    in groups a bare unknown command is probably meant for another bot."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command, _, addressee = message.text.split()[0].partition("@")
    if addressee and addressee.casefold() != context.bot.username.casefold():
        return
    if chat.type != ChatType.PRIVATE and not addressee:
        return
    await reply(update, context, "unknown_command", command=command)


def register(application: Application) -> None:
    """Registered last: the unknown-command handler catches what no other handler took."""
    application.add_handler(CommandHandler("help", help, filters=filters.UpdateType.MESSAGE))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, unknown)
    )
