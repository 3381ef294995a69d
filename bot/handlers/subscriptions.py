"""Subscribing: /start, /topics (and its toggle buttons), /subscribe, /unsubscribe, /stop."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.access import ensure_subscriber, managers_only, may_manage, subscriber
from bot.context import Context, services
from bot.replies import edit_view, reply, send_view
from bot.views import next_briefing, picker
from briefings.models import Topic
from briefings.store import fts_query

MAX_SEARCH = 100  # characters of a followed free-text search


async def start(update: Update, context: Context) -> None:
    chat = update.effective_chat
    group = chat is not None and chat.type != ChatType.PRIVATE
    if not await may_manage(update, context):
        await reply(update, context, "welcome", manager=False, group=group)
        return
    sub, created = ensure_subscriber(update, context)
    if created:
        await reply(update, context, "welcome", manager=True, group=group,
                    next=next_briefing(sub), timezone=sub.timezone)
    await send_view(update, context, picker(services(context), sub))


async def topics(update: Update, context: Context) -> None:
    await send_view(update, context, picker(services(context), subscriber(update, context)))


@managers_only
async def toggle_topic(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    svc = services(context)
    topic = svc.catalogue.get(query.data.removeprefix("topic:toggle:"))
    if topic is None:
        await query.answer()
        return
    sub, _ = ensure_subscriber(update, context)
    if topic.slug in sub.topics:
        svc.store.unfollow(sub.chat_id, topic.slug, kind="topic")
    else:
        svc.store.follow(sub.chat_id, topic.slug, kind="topic", now=svc.now())
    await query.answer()
    await edit_view(update, context, picker(svc, subscriber(update, context)))


def wanted(context: Context) -> tuple[str, Topic | None]:
    """The command's argument, whitespace-normalised, and the catalogue topic it names."""
    name = " ".join(context.args or [])
    return name, services(context).catalogue.resolve(name) if name else None


@managers_only
async def subscribe(update: Update, context: Context) -> None:
    name, topic = wanted(context)
    if topic is None and (not fts_query(name) or len(name) > MAX_SEARCH):
        await reply(update, context, "usage", command="subscribe", given=name)
        return
    svc = services(context)
    sub, _ = ensure_subscriber(update, context)
    kind, value = ("topic", topic.slug) if topic else ("search", name)
    added = svc.store.follow(sub.chat_id, value, kind=kind, now=svc.now())
    await reply(update, context, "subscribed", kind=kind, subject=topic.label if topic else name,
                added=added, next=next_briefing(sub))


@managers_only
async def unsubscribe(update: Update, context: Context) -> None:
    name, topic = wanted(context)
    svc = services(context)
    chat_id = update.effective_chat.id if update.effective_chat else 0
    removed = bool(name) and (
        svc.store.unfollow(chat_id, topic.slug, kind="topic") if topic
        else svc.store.unfollow(chat_id, name, kind="search")
    )
    sub = subscriber(update, context)
    followed = sub.topics if sub else ()
    await reply(update, context, "unsubscribed", subject=topic.label if topic else name,
                removed=removed, topics=[t.label for t in svc.catalogue if t.slug in followed],
                searches=sub.searches if sub else ())


@managers_only
async def stop(update: Update, context: Context) -> None:
    chat = update.effective_chat
    existed = chat is not None and services(context).store.delete_chat(chat.id)
    await reply(update, context, "stopped", existed=existed)


def register(application: Application) -> None:
    messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", start, filters=messages))
    application.add_handler(CommandHandler("topics", topics, filters=messages))
    application.add_handler(CommandHandler("subscribe", subscribe, filters=messages))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe, filters=messages))
    application.add_handler(CommandHandler("stop", stop, filters=messages))
    application.add_handler(CallbackQueryHandler(toggle_topic, pattern=r"^topic:toggle:"))
