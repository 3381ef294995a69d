"""When briefings come: /time, /timezone, /pause, /resume, and /settings with its buttons."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.access import ensure_subscriber, managers_only, may_manage, subscriber
from bot.context import Context, services
from bot.keyboards import TIME_PRESETS
from bot.replies import edit_view, render_plain, reply, send_view
from bot.views import next_briefing, picker, settings_panel
from briefings.models import Subscriber
from briefings.schedule import DAYS, ScheduleError, parse_time, parse_timezone


async def confirm(update: Update, context: Context, change: str, sub: Subscriber) -> None:
    await reply(update, context, "schedule", change=change, sub=sub, next=next_briefing(sub))


async def change_schedule(
    update: Update, context: Context, setting: str, parse: Callable[[str], str]
) -> None:
    """/time and /timezone: parse the argument, or answer with the usage and an example."""
    given = " ".join(context.args or [])
    try:
        value = parse(given)
    except ScheduleError:
        await reply(update, context, "usage", command=setting, given=given)
        return
    sub, _ = ensure_subscriber(update, context)
    svc = services(context)
    changed = svc.store.set_schedule(sub.chat_id, now=svc.now(), **{setting: value})
    await confirm(update, context, setting, changed)


@managers_only
async def time(update: Update, context: Context) -> None:
    await change_schedule(update, context, "time", parse_time)


@managers_only
async def timezone(update: Update, context: Context) -> None:
    await change_schedule(update, context, "timezone", parse_timezone)


@managers_only
async def pause(update: Update, context: Context) -> None:
    sub, _ = ensure_subscriber(update, context)
    svc = services(context)
    await confirm(update, context, "paused", svc.store.set_paused(sub.chat_id, True, now=svc.now()))


@managers_only
async def resume(update: Update, context: Context) -> None:
    sub, _ = ensure_subscriber(update, context)
    svc = services(context)
    await confirm(update, context, "resumed",
                  svc.store.set_paused(sub.chat_id, False, now=svc.now()))


async def settings(update: Update, context: Context) -> None:
    """Anyone may look; a chat that is not subscribed yet is registered by someone who may."""
    sub = subscriber(update, context)
    if sub is None or sub.status != "active":
        if not await may_manage(update, context):
            await reply(update, context, "managers_only")
            return
        sub, _ = ensure_subscriber(update, context)
    await send_view(update, context, settings_panel(services(context), sub))


@managers_only
async def change(update: Update, context: Context) -> None:
    """A tap on a /settings button: 'set:<what>:<value>'."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    svc = services(context)
    _, what, value = [*query.data.split(":", 2), "", ""][:3]
    sub, _ = ensure_subscriber(update, context)
    if what == "topics":
        await query.answer()
        await send_view(update, context, picker(svc, sub))
        return
    now = svc.now()
    if what == "paused" and value in {"0", "1"}:
        sub = svc.store.set_paused(sub.chat_id, value == "1", now=now)
    elif what == "quiet" and value in {"0", "1"}:
        sub = svc.store.set_quiet_when_empty(sub.chat_id, value == "1", now=now)
    elif what == "days" and value in DAYS:
        sub = svc.store.set_schedule(sub.chat_id, days=value, now=now)
    elif what == "time" and value in TIME_PRESETS:
        sub = svc.store.set_schedule(sub.chat_id, time=value, now=now)
    else:
        await query.answer()
        return
    await query.answer(render_plain(context, "saved"))
    await edit_view(update, context, settings_panel(svc, sub))


def register(application: Application) -> None:
    messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("time", time, filters=messages))
    application.add_handler(CommandHandler("timezone", timezone, filters=messages))
    application.add_handler(CommandHandler("pause", pause, filters=messages))
    application.add_handler(CommandHandler("resume", resume, filters=messages))
    application.add_handler(CommandHandler("settings", settings, filters=messages))
    application.add_handler(CallbackQueryHandler(change, pattern=r"^set:"))
