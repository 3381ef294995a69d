"""build_application: the one place where the bot is wired together."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot.commands import COMMANDS, public_commands
from bot.context import SERVICES, Services, services, utc_now
from bot.errors import on_error
from bot.handlers import admin, briefing, groups, help, ingestion, queries, subscriptions
from bot.handlers import settings as chat_settings
from bot.jobs import schedule_jobs
from bot.request import AiohttpRequest
from bot.settings import Settings
from briefings.compose import Composer
from briefings.store import Store
from briefings.topics import Catalogue, load_catalogue

log = logging.getLogger(__name__)

OFFLINE_TOKEN = "123456:offline-token-for-tests-and-chat-mode-0000"


def build_application(
    settings: Settings,
    store: Store,
    *,
    request: BaseRequest | None = None,
    catalogue: Catalogue | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Application:
    """The real PTB Application with every handler and job. `request` swaps the HTTP edge."""
    builder = (
        ApplicationBuilder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(publish_commands)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # aiohttp for the fan-out: see bot/request.py. Long polling keeps PTB's own class.
        builder = builder.request(AiohttpRequest())
    application = builder.build()
    application.bot_data[SERVICES] = Services(
        settings=settings,
        store=store,
        catalogue=catalogue or load_catalogue(settings.catalogue_path),
        composer=Composer(),
        clock=clock,
    )
    # Order matters inside a group: the first matching handler wins. Commands first; then an
    # admin's long texts (ingested) before plain text (a search); unknown commands last.
    groups.register(application)
    subscriptions.register(application)
    chat_settings.register(application)
    queries.register(application)
    briefing.register(application)
    admin.register(application)
    ingestion.register(application)
    queries.register_text_search(application)
    help.register(application)
    application.add_error_handler(on_error)
    schedule_jobs(application)
    return application


async def publish_commands(application: Application) -> None:
    """setMyCommands: everyone sees the public commands; each bot admin also sees the admin ones.

    A bot admin who has never talked to the bot cannot get a per-chat list yet: that is logged,
    not fatal.
    """
    bot = application.bot
    await bot.set_my_commands([BotCommand(c.name, c.description) for c in public_commands()])
    everything = [BotCommand(c.name, c.description) for c in COMMANDS]
    for admin_id in sorted(services(application).settings.admin_ids):
        try:
            await bot.set_my_commands(everything, scope=BotCommandScopeChat(admin_id))
        except TelegramError as error:
            log.warning("admin command list for %s not set: %s", admin_id, error)
