"""Sending what a handler has to say: a template, or a view, to the chat the update came from."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import Context, services
from bot.views import View


def render_plain(context: Context, template: str, **values: Any) -> str:
    """A template as plain text, for callback answers (Telegram does not parse HTML there)."""
    return services(context).composer.plain(template, **values)


def _thread(update: Update) -> int | None:
    message = update.effective_message
    return message.message_thread_id if message and message.is_topic_message else None


async def send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(
        chat.id, text, reply_markup=markup, message_thread_id=_thread(update)
    )


async def reply(
    update: Update,
    context: Context,
    template: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    **values: Any,
) -> Message | None:
    """Render `templates/<template>.html.j2` and send it to the update's chat."""
    text = services(context).composer.render(template, **values)
    return await send(update, context, text, markup)


async def send_view(update: Update, context: Context, view: View) -> None:
    """Every message of the view; the keyboard goes on the last one."""
    for index, text in enumerate(view.messages):
        last = index == len(view.messages) - 1
        await send(update, context, text, view.markup if last else None)


async def edit_view(update: Update, context: Context, view: View) -> None:
    """Show the view in place of the message whose button was tapped."""
    query = update.callback_query
    if query is None or not view.messages:
        return
    first, rest = view.messages[0], view.messages[1:]
    try:
        await query.edit_message_text(first, reply_markup=None if rest else view.markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
    if rest:
        await send_view(update, context, View(rest, view.markup))
