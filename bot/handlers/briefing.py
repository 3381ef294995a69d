"""The briefing itself: /preview, /days, and the "More on TOPIC" buttons under a briefing."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.access import ensure_subscriber, managers_only, subscriber
from bot.context import Context, services
from bot.jobs import briefing_composer
from bot.replies import reply, send
from bot.sender import keyboard
from bot.views import next_briefing
from briefings.briefing import MORE_PREFIX, parse_more

DAY_WORDS = {
    "daily": "daily",
    "everyday": "daily",
    "every": "daily",
    "all": "daily",
    "weekdays": "weekdays",
    "weekday": "weekdays",
    "workdays": "weekdays",
    "mon-fri": "weekdays",
}


async def preview(update: Update, context: Context) -> None:
    """The briefing that would go out now; nothing is marked as sent."""
    sub = subscriber(update, context)
    if sub is None or sub.status != "active":
        await reply(update, context, "briefing_not_subscribed")
        return
    svc = services(context)
    briefing = briefing_composer(svc).for_subscriber(sub, svc.now())
    for index, text in enumerate(briefing.messages):
        last = index == len(briefing.messages) - 1
        await send(update, context, text, keyboard(briefing.buttons) if last else None)


@managers_only
async def days(update: Update, context: Context) -> None:
    """/days daily | /days weekdays"""
    given = " ".join(context.args or []).strip().lower()
    value = DAY_WORDS.get(given)
    if value is None:
        current = subscriber(update, context)
        await reply(
            update, context, "briefing_days_usage", current=current.days if current else None
        )
        return
    sub, _ = ensure_subscriber(update, context)
    svc = services(context)
    sub = svc.store.set_schedule(sub.chat_id, days=value, now=svc.now())
    await reply(update, context, "briefing_days", sub=sub, next=next_briefing(sub))


async def more(update: Update, context: Context) -> None:
    """A "More on TOPIC" tap: the entries of that topic the briefing left out for length."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    parsed = parse_more(query.data)
    sub = subscriber(update, context)
    await query.answer()
    if parsed is None or sub is None:
        await reply(update, context, "briefing_more_gone")
        return
    window, token = parsed
    _, messages = briefing_composer(services(context)).more(sub.topics, sub.searches, window, token)
    if not messages:
        await reply(update, context, "briefing_more_gone")
        return
    for text in messages:
        await send(update, context, text)


def register(application: Application) -> None:
    messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("preview", preview, filters=messages))
    application.add_handler(CommandHandler("days", days, filters=messages))
    application.add_handler(CallbackQueryHandler(more, pattern=rf"^{MORE_PREFIX}:"))
