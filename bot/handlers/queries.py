"""Reading: /topic (and its page buttons), /latest, /search (and plain text), /source."""

from __future__ import annotations

import datetime as dt

from rapidfuzz import fuzz, process
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import keyboards
from bot.context import Context, Services, services
from bot.keyboards import Query
from bot.replies import edit_view, render_plain, reply, send_view
from bot.views import View, fetch_items, items_page
from briefings.models import StoredItem
from briefings.store import fts_query

LATEST_WINDOW = dt.timedelta(hours=36)  # digests this close to the newest count as "latest"
PER_SECTION = 2  # items shown per digest section in /latest
MAX_SECTIONS = 8  # sections shown per digest in /latest
SIMILAR = 75  # rapidfuzz WRatio score from which an outlet's name is suggested


async def topic(update: Update, context: Context) -> None:
    svc = services(context)
    name = " ".join(context.args or [])
    if not name:
        markup = keyboards.topic_choices(svc.composer, svc.catalogue, svc.queries)
        await reply(update, context, "topic_choose", markup=markup)
        return
    found = svc.catalogue.resolve(name)
    if found is not None:
        await send_view(update, context, items_page(svc, Query("topic", found.slug), 0))
        return
    words = " ".join(name.split())
    if fts_query(words) and fetch_items(svc, Query("search", words), 0, 1):
        await send_view(update, context, items_page(svc, Query("search", words), 0))
        return
    suggestions = svc.catalogue.suggest(name, limit=3)
    markup = keyboards.topic_choices(
        svc.composer, suggestions, svc.queries, search=words if fts_query(words) else None
    )
    await reply(update, context, "topic_unknown", subject=words,
                suggestions=[t.label for t in suggestions], markup=markup)


async def page(update: Update, context: Context) -> None:
    """A tap on a topic, suggestion, search or 'Older'/'Newer' button: show that page in place."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    parsed = keyboards.parse_page_data(query.data, services(context).queries)
    if parsed is None:
        await query.answer(render_plain(context, "expired"), show_alert=True)
        return
    await query.answer()
    await edit_view(update, context, items_page(services(context), *parsed))


async def search(update: Update, context: Context) -> None:
    words = " ".join(context.args or [])
    if not words:
        await reply(update, context, "usage", command="search", given="")
        return
    await show_search(update, context, words)


async def search_text(update: Update, context: Context) -> None:
    """Plain text in a private chat is a search."""
    message = update.effective_message
    if message is not None and message.text:
        await show_search(update, context, message.text)


async def show_search(update: Update, context: Context, text: str) -> None:
    words = " ".join(text.split())[:200]
    view = items_page(services(context), Query("search", words), 0)
    await send_view(update, context, view)


async def source(update: Update, context: Context) -> None:
    svc = services(context)
    name = " ".join(" ".join(context.args or []).split())
    known = [outlet for outlet, _ in svc.store.known_sources()]
    if not name:
        await reply(update, context, "usage", command="source", given="", known=known[:12])
        return
    if svc.store.items_from_source(name, limit=1):
        canonical = next((outlet for outlet in known if outlet.casefold() == name.casefold()), name)
        await send_view(update, context, items_page(svc, Query("source", canonical), 0))
        return
    close = [match for match, _, _ in process.extract(
        name, known, scorer=fuzz.WRatio, processor=str.casefold, limit=3, score_cutoff=SIMILAR
    )]
    markup = keyboards.source_choices(close, svc.queries) if close else None
    await reply(update, context, "source_unknown", subject=name, suggestions=close, markup=markup)


async def latest(update: Update, context: Context) -> None:
    await send_view(update, context, latest_view(services(context)))


def latest_view(svc: Services) -> View:
    digests = svc.store.latest_digests(limit=3)
    if digests:
        newest = digests[0].ingested_at
        digests = [d for d in digests if newest - d.ingested_at <= LATEST_WINDOW]
    blocks: list[str] = []
    for digest in digests:
        grouped = sections(svc.store.digest_items(digest.id))
        blocks.append(svc.composer.render("latest", digest=digest))
        blocks.extend(
            svc.composer.render("latest_section", section=section, items=items[:PER_SECTION],
                                more=len(items) - PER_SECTION)
            for section, items in grouped[:MAX_SECTIONS]
        )
        if len(grouped) > MAX_SECTIONS:
            blocks.append(svc.composer.render("latest_more", sections=len(grouped) - MAX_SECTIONS))
    if not blocks:
        blocks.append(svc.composer.render("latest", digest=None))
    return View(svc.composer.pack(blocks))


def sections(items: list[StoredItem]) -> list[tuple[str | None, list[StoredItem]]]:
    """Items grouped by their section, in the digest's order."""
    grouped: dict[str | None, list[StoredItem]] = {}
    for item in items:
        grouped.setdefault(item.section, []).append(item)
    return list(grouped.items())


def register(application: Application) -> None:
    messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("topic", topic, filters=messages))
    application.add_handler(CommandHandler("search", search, filters=messages))
    application.add_handler(CommandHandler("source", source, filters=messages))
    application.add_handler(CommandHandler("latest", latest, filters=messages))
    application.add_handler(CallbackQueryHandler(page, pattern=r"^page:"))


def register_text_search(application: Application) -> None:
    """Plain text in a private chat: registered after the admin ingest of long texts."""
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
            search_text,
        )
    )
