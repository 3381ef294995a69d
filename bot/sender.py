"""The Telegram edge of delivery: one message out, Telegram's errors in the domain's words."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from briefings.briefing import Button
from briefings.delivery import ChatMoved, RecipientGone, Rejected, Throttled, TransientError

# BadRequest descriptions that mean the chat is not there to receive anything.
_GONE = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "bot was kicked",
    "user is deactivated",
    "not enough rights to send text messages",
    "have no rights to send a message",
    "group chat was deactivated",
)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button per row: the labels are topic names and can be long."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.text, callback_data=button.data)] for button in buttons]
    )


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class TelegramSender:
    """`await sender(chat_id, text, buttons)` sends one HTML message; returns its message_id."""

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    async def __call__(self, chat_id: int, text: str, buttons: Sequence[Button]) -> int:
        try:
            message = await self.bot.send_message(
                chat_id,
                text,
                reply_markup=keyboard(buttons),
                allow_paid_broadcast=True if self.paid_broadcast else None,
            )
        except RetryAfter as error:
            raise Throttled(retry_seconds(error)) from error
        except ChatMigrated as error:
            raise ChatMoved(error.new_chat_id) from error
        except Forbidden as error:
            raise RecipientGone(error.message) from error
        except BadRequest as error:  # a subclass of NetworkError: decide before that one
            if any(phrase in error.message.lower() for phrase in _GONE):
                raise RecipientGone(error.message) from error
            raise Rejected(error.message) from error
        except NetworkError as error:  # includes TimedOut and 5xx answers
            raise TransientError(error.message) from error
        except TelegramError as error:
            raise Rejected(error.message) from error
        return message.message_id
