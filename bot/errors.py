"""The one error handler: log what went wrong, tell the user kindly, never show a traceback.

Log records go through `RedactToken` (installed by the runner) so the bot token, which is part
of every Bot API URL, never reaches a log.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError

from bot.context import Context
from bot.replies import render_plain, reply

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type == ChatType.CHANNEL:
        return  # a source channel's post: nobody there to tell
    if isinstance(error, Forbidden):
        return  # the chat is gone; telling it so would fail the same way
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(render_plain(context, "error"), show_alert=True)
        else:
            await reply(update, context, "error")
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)


class RedactToken(logging.Filter):
    """Replaces the bot token in a record's message and traceback before any handler sees it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: let the handler report it
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = message.replace(self.token, "<token>")
        record.args = None
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        record.exc_info = None if record.exc_text else record.exc_info
        return True


def install_redaction(token: str, logger: logging.Logger | None = None) -> RedactToken:
    """Put the filter on every handler of `logger` (the root logger by default)."""
    redact = RedactToken(token)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(redact)
    return redact
