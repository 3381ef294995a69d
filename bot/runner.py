"""`briefings run`: the bot against Telegram, by long polling or as a webhook server.

Whatever stops it from starting (no token, a malformed or rejected token, an unreachable Bot API)
ends as one line on stderr and exit code 2, never a traceback, and never shows the token.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
from typing import NoReturn
from urllib.parse import urlsplit

from sqlite_utils import Database
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.app import build_application
from bot.errors import install_redaction
from bot.settings import Settings, SettingsError
from briefings.store import Store

log = logging.getLogger(__name__)
EXIT_CANNOT_START = 2


def fail(line: str) -> NoReturn:
    print(f"error: {line}", file=sys.stderr)
    raise SystemExit(EXIT_CANNOT_START)


def webhook_available() -> bool:
    """run_webhook needs tornado (python-telegram-bot[webhooks])."""
    return importlib.util.find_spec("tornado") is not None


def configure_logging(settings: Settings) -> None:
    """Logging to stderr (unless the CLI set it up already), with the token redacted."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=getattr(logging, settings.log_level, logging.INFO),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    install_redaction(settings.token)


async def check_api(bot: Bot) -> str:
    """getMe once: the bot's @username, or InvalidToken / NetworkError."""
    async with bot:
        return bot.username


def check_start(application: Application, settings: Settings) -> None:
    """Fail with one line when the token is rejected or the Bot API cannot be reached."""
    server = urlsplit(settings.api_base_url).netloc or settings.api_base_url
    try:
        username = asyncio.get_event_loop().run_until_complete(check_api(application.bot))
    except InvalidToken:
        fail(f"Telegram ({server}) rejected TELEGRAM_BOT_TOKEN: check it with @BotFather")
    except NetworkError as error:
        reason = str(error).replace(settings.token, "<token>")
        fail(f"cannot reach the Telegram Bot API at {server} ({reason})")
    except TelegramError as error:
        fail(f"the Telegram Bot API at {server} refused to start: "
             f"{str(error).replace(settings.token, '<token>')}")
    log.info("starting as @%s", username)


def run(settings: Settings) -> None:
    configure_logging(settings)
    try:
        settings.require_token()
    except SettingsError as error:
        fail(str(error))
    if settings.webhook_url and not webhook_available():
        fail("BRIEFINGS_WEBHOOK_URL needs the webhook extra: "
             "pip install 'python-telegram-bot[webhooks]'")
    store = Store(Database(settings.db_path))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # PTB's run_* use the current loop (and close it at the end)
    try:
        application = build_application(settings, store)
        check_start(application, settings)
        if settings.webhook_url:
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=settings.webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        store.close()
        loop.close()
        asyncio.set_event_loop(None)
