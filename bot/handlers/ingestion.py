"""Digests coming in through Telegram: an admin's files, pasted or forwarded texts and /ingest
URL, and the posts of the configured source channels. Nobody else's text is ever ingested."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from telegram import Document, Message, MessageOriginChannel, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.access import admins_only, is_admin
from bot.context import Context, Services, services
from bot.replies import reply, send
from briefings.fetch import (
    DOCUMENT_SUFFIXES,
    FetchError,
    decode,
    describe_size,
    format_for_path,
    is_url,
)
from briefings.ingest import EmptyInput, ingest_inputs, ingest_text
from briefings.models import IngestResult

log = logging.getLogger(__name__)
LONG_TEXT = 400  # characters: an admin's text this long is a digest, not a search
# Telegram cuts a paste longer than 4,096 characters into several messages, each near the limit.
# A message at least PART_MIN long may be the first of several: the parts wait in Services.pastes
# and are joined into one digest when a shorter one (the last part) arrives, or when PASTE_WAIT
# seconds pass without another.
PART_MIN = 3_500
PASTE_WAIT = 4.0


class _DigestText(filters.MessageFilter):
    """A text long enough to be a digest, or the next part of a paste being collected."""

    def __init__(self, pastes: dict[int, list[str]]) -> None:
        super().__init__(name="DigestText")
        self.pastes = pastes

    def filter(self, message: Message) -> bool:
        return len(message.text or "") >= LONG_TEXT or message.chat_id in self.pastes


async def read_document(svc: Services, document: Document) -> str:
    """Download a digest file and decode it; FetchError with a one-line reason if unusable."""
    name = document.file_name or "document"
    if Path(name).suffix.lower() not in DOCUMENT_SUFFIXES:
        raise FetchError(name, f"not a digest file (send {', '.join(DOCUMENT_SUFFIXES)})")
    limit = svc.settings.max_file_bytes
    if document.file_size is not None and document.file_size > limit:
        raise FetchError(name, f"too big (the limit is {describe_size(limit)})")
    file = await document.get_file()
    return decode(bytes(await file.download_as_bytearray()), name, max_bytes=limit)


def store_text(
    svc: Services, text: str, *, name: str, url: str | None = None,
    feed_date: dt.date | None = None,
) -> IngestResult:
    return ingest_text(
        svc.store, svc.catalogue, text, now=svc.now(), url=url,
        format=format_for_path(Path(name)), feed_date=feed_date,
    )


def ingested_message(svc: Services, subject: str, result: IngestResult) -> str:
    return svc.composer.render("ingested", subject=subject, result=result,
                               topics=svc.catalogue.labelled_counts(result.topic_counts))


async def answer_result(update: Update, context: Context, name: str, result: IngestResult) -> None:
    await send(update, context, ingested_message(services(context), name, result))


async def document(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.document is None:
        return
    if not is_admin(update, context):
        await reply(update, context, "document_declined")
        return
    svc = services(context)
    name = message.document.file_name or "document"
    try:
        text = await read_document(svc, message.document)
        result = store_text(svc, text, name=name, feed_date=forward_date(message))
    except (FetchError, EmptyInput) as error:
        await reply(update, context, "ingest_failed", subject=name, reason=str(error))
        return
    await answer_result(update, context, name, result)


def forward_date(message: Message) -> dt.date | None:
    origin = message.forward_origin
    return origin.date.date() if origin is not None else None


def forward_url(message: Message) -> str | None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel) and origin.chat.username:
        return f"https://t.me/{origin.chat.username}/{origin.message_id}"
    return None


async def text(update: Update, context: Context) -> None:
    """An admin's long or forwarded text in a private chat: a digest (or one part of one)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    svc = services(context)
    if message.forward_origin is not None:  # a post of its own, with its own date and link
        result = store_text(svc, message.text, name="text", url=forward_url(message),
                            feed_date=forward_date(message))
        await answer_result(update, context, "text", result)
        return
    svc.pastes.setdefault(message.chat_id, []).append(message.text)
    _cancel_paste_job(context, message.chat_id)
    if len(message.text) >= PART_MIN and context.job_queue is not None:
        context.job_queue.run_once(
            paste_complete, PASTE_WAIT, chat_id=message.chat_id, name=_paste_job(message.chat_id)
        )
        return
    await store_paste(context, message.chat_id)


def _paste_job(chat_id: int) -> str:
    return f"paste:{chat_id}"


def _cancel_paste_job(context: Context, chat_id: int) -> None:
    if context.job_queue is not None:
        for job in context.job_queue.get_jobs_by_name(_paste_job(chat_id)):
            job.schedule_removal()


async def paste_complete(context: Context) -> None:
    """PASTE_WAIT passed without another part: what has arrived is the whole paste."""
    if context.job is not None and context.job.chat_id is not None:
        await store_paste(context, context.job.chat_id)


_LIST_ITEM = re.compile(r"(?:[•●▪◦*\-–—]|\d{1,3}[.)])\s")
_SENTENCE_END = (".", "!", "?", ":", ")", '"', "”", "»")


def join_parts(parts: list[str]) -> str:
    """Telegram trims the whitespace where it cut, so the seam is guessed: a list item starts a
    line, a part that ends a sentence ends a paragraph, anything else was cut between words."""
    text = parts[0].rstrip()
    for part in (part.strip() for part in parts[1:]):
        text += _seam(text, part) + part
    return text


def _seam(before: str, after: str) -> str:
    if _LIST_ITEM.match(after):
        return "\n"
    return "\n\n" if before.endswith(_SENTENCE_END) else " "


async def store_paste(context: Context, chat_id: int) -> None:
    svc = services(context)
    parts = svc.pastes.pop(chat_id, [])
    if not parts:
        return
    subject = "text" if len(parts) == 1 else f"text ({len(parts)} messages joined)"
    try:
        result = store_text(svc, join_parts(parts), name="text")
    except EmptyInput as error:
        message = svc.composer.render("ingest_failed", subject=subject, reason=str(error))
    else:
        message = ingested_message(svc, subject, result)
    await context.bot.send_message(chat_id, message)


@admins_only
async def ingest(update: Update, context: Context) -> None:
    url = " ".join(context.args or [])
    if not is_url(url):
        await reply(update, context, "usage", command="ingest", given=url)
        return
    svc = services(context)
    async with svc.http_client() as client:
        summary = await ingest_inputs(svc.store, svc.catalogue, [url], now=svc.now(),
                                      client=client, max_bytes=svc.settings.max_file_bytes,
                                      off_loop=True)
    await reply(update, context, "ingested_url", url=url, summary=summary,
                topics=svc.catalogue.labelled_counts(summary.topics))


async def channel_post(update: Update, context: Context) -> None:
    """A post in a source channel: ingested as a digest with the post's date and link."""
    post = update.effective_message
    if post is None:
        return
    svc = services(context)
    name = (post.document.file_name or "document") if post.document else "post"
    try:
        body = await read_document(svc, post.document) if post.document else post.text or ""
        result = store_text(svc, body, name=name, url=post.link, feed_date=post.date.date())
    except (FetchError, EmptyInput) as error:
        log.warning("channel post %s not ingested: %s", post.link, error)
        return
    log.info("channel post %s: digest %s, %s items, new=%s", post.link, result.digest_id,
             result.item_count, result.new)


def source_channels(channels: tuple[str, ...]) -> filters.BaseFilter:
    """BRIEFINGS_SOURCE_CHANNELS: @usernames and numeric ids (none configured: matches nothing)."""
    ids = [int(name) for name in channels if name.lstrip("-").isdigit()]
    names = [name.lstrip("@") for name in channels if not name.lstrip("-").isdigit()]
    return filters.Chat(chat_id=ids) | filters.Chat(username=names)


def register(application: Application) -> None:
    svc: Services = services(application)
    admins = filters.User(user_id=svc.settings.admin_ids)
    private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("ingest", ingest, filters=filters.UpdateType.MESSAGE))
    application.add_handler(MessageHandler(private & filters.Document.ALL, document))
    application.add_handler(
        MessageHandler(
            private & admins & filters.TEXT & ~filters.COMMAND
            & (filters.FORWARDED | _DigestText(svc.pastes)),
            text,
        )
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.CHANNEL_POSTS
            & source_channels(svc.settings.source_channels)
            & (filters.TEXT | filters.Document.ALL),
            channel_post,
        )
    )
