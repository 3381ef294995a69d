"""Bot admin commands: /stats, /feeds, /addfeed, /removefeed (and /ingest, in ingestion)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.access import admins_only
from bot.context import Context, services
from bot.replies import reply
from briefings.fetch import is_url


@admins_only
async def stats(update: Update, context: Context) -> None:
    svc = services(context)
    await reply(update, context, "stats", stats=svc.store.stats(), now=svc.now())


@admins_only
async def feeds(update: Update, context: Context) -> None:
    await reply(update, context, "feeds", feeds=services(context).store.feeds())


@admins_only
async def addfeed(update: Update, context: Context) -> None:
    url = " ".join(context.args or [])
    if not is_url(url):
        await reply(update, context, "usage", command="addfeed", given=url)
        return
    svc = services(context)
    user = update.effective_user
    added = svc.store.add_feed(url, added_by=user.id if user else None, now=svc.now())
    await reply(update, context, "feed_changed", url=url, added=added, removed=False,
                minutes=svc.settings.poll_minutes)


@admins_only
async def removefeed(update: Update, context: Context) -> None:
    url = " ".join(context.args or [])
    if not url:
        await reply(update, context, "usage", command="removefeed", given=url)
        return
    removed = services(context).store.remove_feed(url)
    await reply(update, context, "feed_changed", url=url, added=False, removed=removed,
                minutes=0)


def register(application: Application) -> None:
    messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("stats", stats, filters=messages))
    application.add_handler(CommandHandler("feeds", feeds, filters=messages))
    application.add_handler(CommandHandler("addfeed", addfeed, filters=messages))
    application.add_handler(CommandHandler("removefeed", removefeed, filters=messages))
