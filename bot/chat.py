"""`briefings chat`: the real Application and handlers in a terminal, no token, no network.

Each typed line is a message from a local user in a private chat (the first admin id, so admin
commands can be tried). The fake Bot API records what the bot sends; that is printed with the HTML
turned into terminal text and the inline buttons numbered: typing `1` (or `#1`) taps button 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import itertools
import re
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TextIO

from sqlite_utils import Database
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.context import utc_now
from bot.fakeapi import BOT_USER, Call, FakeBotAPI
from bot.settings import Settings
from briefings.store import Store

QUIT = {"/quit", "/exit"}
_BUTTON = re.compile(r"^#?(\d{1,2})$")
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")


def to_terminal(text: str, *, ansi: bool = False) -> str:
    """Telegram HTML -> terminal text: bold as ANSI or **, links as 'text (url)', no tags."""
    on, off = ("\033[1m", "\033[0m") if ansi else ("**", "**")
    text = _LINK.sub(lambda m: f"{m[2]} ({m[1]})", text)
    text = re.sub(r"<(b|strong)>", on, text)
    text = re.sub(r"</(b|strong)>", off, text)
    return html.unescape(_TAG.sub("", text))


@dataclass(frozen=True)
class Button:
    message_id: int
    text: str
    data: str  # callback_data, or the url of a link button
    is_url: bool = False


class ChatSession:
    """One local user talking to the bot; `handle_line` returns what the bot answered."""

    def __init__(
        self, application: Application, fake_api: FakeBotAPI, user_id: int,
        *, ansi: bool = False,
    ) -> None:
        self.application = application
        self.fake_api = fake_api
        self.user_id = user_id
        self.ansi = ansi
        self.buttons: list[Button] = []
        self._ids = itertools.count(1)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, settings: Settings, store: Store, *, clock: Callable[[], dt.datetime] = utc_now,
        ansi: bool = False,
    ) -> AsyncIterator[ChatSession]:
        fake_api = FakeBotAPI()
        application = build_application(settings, store, request=fake_api.request(), clock=clock)
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        user_id = min(settings.admin_ids) if settings.admin_ids else 1
        try:
            yield cls(application, fake_api, user_id, ansi=ansi)
        finally:
            await application.shutdown()

    async def handle_line(self, line: str) -> str:
        text = line.strip()
        if not text:
            return ""
        pressed = _BUTTON.match(text)
        if pressed and self.buttons:
            number = int(pressed[1])
            if not 1 <= number <= len(self.buttons):
                return f"(no button {number}: there are {len(self.buttons)})"
            button = self.buttons[number - 1]
            if button.is_url:
                return f"(opens {button.data})"
            update = self._callback(button)
        else:
            update = self._message(text)
        start = len(self.fake_api.calls)
        await self.application.process_update(Update.de_json(update, self.application.bot))
        return "\n\n".join(filter(None, map(self._show, self.fake_api.calls[start:])))

    # ------------------------------------------------------------ updates

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": "You"}

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": "You"}

    def _message(self, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(dt.datetime.now(dt.UTC).timestamp()),
            "chat": self._chat(),
            "from": self._user(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._ids), "message": message}

    def _callback(self, button: Button) -> dict[str, Any]:
        query = {
            "id": str(next(self._ids)),
            "from": self._user(),
            "chat_instance": "terminal",
            "data": button.data,
            "message": {
                "message_id": button.message_id,
                "date": int(dt.datetime.now(dt.UTC).timestamp()),
                "chat": self._chat(),
                "from": BOT_USER,
                "text": "…",
            },
        }
        return {"update_id": next(self._ids), "callback_query": query}

    # ------------------------------------------------------------ showing replies

    def _show(self, call: Call) -> str:
        if call.method == "answerCallbackQuery":
            return f"» {call.params['text']}" if call.params.get("text") else ""
        if call.method == "sendDocument":
            return "[a document]"
        if call.method not in {"sendMessage", "editMessageText"}:
            return ""
        body = to_terminal(call.text, ansi=self.ansi)
        if call.method == "editMessageText":
            body = f"(edited)\n{body}"
        lines = self._remember_buttons(call)
        return "\n".join([body, *lines])

    def _remember_buttons(self, call: Call) -> list[str]:
        markup = call.params.get("reply_markup")
        result = call.result if isinstance(call.result, dict) else {}
        message_id = int(result.get("message_id") or call.params.get("message_id") or 0)
        if not isinstance(markup, dict) or not markup.get("inline_keyboard"):
            if call.method == "editMessageText" and self.buttons \
                    and self.buttons[0].message_id == message_id:
                self.buttons = []  # the edit took that message's buttons away
            return []
        self.buttons = [
            Button(message_id, button["text"], button.get("callback_data") or button.get("url", ""),
                   is_url="url" in button)
            for row in markup["inline_keyboard"]
            for button in row
        ]
        return [f"[{number}] {button.text}" for number, button in enumerate(self.buttons, 1)]


BANNER = (
    "Briefings, offline: you are user {user_id} in a private chat{admin}. "
    "Type /help; a number taps a button; /quit leaves."
)


async def chat_loop(settings: Settings, input: TextIO, output: TextIO) -> None:
    store = Store(Database(settings.db_path))
    try:
        async with ChatSession.open(settings, store, ansi=output.isatty()) as session:
            admin = " (an admin)" if session.user_id in settings.admin_ids else ""
            print(BANNER.format(user_id=session.user_id, admin=admin), file=output)
            while True:
                if input.isatty():
                    print("> ", end="", file=output, flush=True)
                line = input.readline()
                if not line or line.strip() in QUIT:
                    break
                answer = await session.handle_line(line)
                if answer:
                    print(answer, file=output, end="\n\n", flush=True)
    finally:
        store.close()


def run_chat(
    settings: Settings, *, input: TextIO | None = None, output: TextIO | None = None
) -> None:
    asyncio.run(chat_loop(settings, input or sys.stdin, output or sys.stdout))
