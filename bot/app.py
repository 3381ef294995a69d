"""build_application: the one place where the bot is wired together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from briefings.compose import Composer
from briefings.store import Store
from briefings.topics import Catalogue, load_catalogue

from bot.context import SERVICES, Services, utc_now
from bot.settings import Settings

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
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data[SERVICES] = Services(
        settings=settings,
        store=store,
        catalogue=catalogue or load_catalogue(settings.catalogue_path),
        composer=Composer(),
        clock=clock,
    )
    # Handlers and jobs are registered here by the feature modules (see bot/handlers/).
    return application
