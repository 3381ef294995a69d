"""The Telegram edge of delivery: one message out, Telegram's errors in the domain's words."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBUserWarning

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


# A fan-out needs only each answer's message_id, and Bot.send_message builds a whole Message
# object from it (about 0.25 ms of CPU, a fifth of a paid-broadcast message's budget).
# do_api_request returns the answer as it came; PTB warns that send_message exists.
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning
)


class TelegramSender:
    """`await sender(chat_id, text, buttons)` sends one HTML message; returns its message_id."""

    def __init__(self, bot: Bot, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.paid_broadcast = paid_broadcast

    async def __call__(self, chat_id: int, text: str, buttons: Sequence[Button]) -> int:
        try:
            sent = await self.bot.do_api_request("sendMessage", api_kwargs=self._params(
                chat_id, text, buttons
            ))
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
        return int(sent["message_id"])

    def _params(self, chat_id: int, text: str, buttons: Sequence[Button]) -> dict[str, Any]:
        """send_message's parameters, spelled out: do_api_request applies no Defaults."""
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
            "link_preview_options": LinkPreviewOptions(is_disabled=True),
        }
        markup = keyboard(buttons)
        if markup is not None:
            params["reply_markup"] = markup
        if self.paid_broadcast:
            params["allow_paid_broadcast"] = True
        return params
