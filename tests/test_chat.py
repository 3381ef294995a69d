"""`briefings chat`: the real Application in a terminal, driven line by line."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.chat import ChatSession, run_chat, to_terminal
from bot.settings import Settings
from briefings.store import Store


@pytest.fixture
async def session(settings: Settings, store: Store, clock: Any) -> AsyncIterator[ChatSession]:
    async with ChatSession.open(settings, store, clock=clock) as opened:
        yield opened


def test_html_becomes_terminal_text() -> None:
    html = '<b>Bold</b> &amp; <i>it</i> <a href="https://e.org/?a=1&amp;b=2">link</a> &lt;x&gt;'
    assert to_terminal(html) == "**Bold** & it link (https://e.org/?a=1&b=2) <x>"
    assert to_terminal("<b>B</b>", ansi=True) == "\033[1mB\033[0m"


async def test_the_local_user_is_the_first_admin(session: ChatSession) -> None:
    assert session.user_id == 42
    answer = await session.handle_line("/stats")
    assert answer.startswith("📊 **Stats**")


async def test_start_prints_the_welcome_and_numbered_buttons(session: ChatSession) -> None:
    answer = await session.handle_line("/start")
    assert "**Welcome to Briefings.**" in answer
    assert "\n[1] Sanctions · 0\n[2] Peace talks · 0\n" in answer


async def test_typing_a_number_taps_the_button_and_prints_the_edit(
    session: ChatSession, store: Store
) -> None:
    await session.handle_line("/start")

    answer = await session.handle_line("1")

    assert answer.startswith("(edited)\n**Topics**")
    assert "Following: Sanctions." in answer and "[1] Sanctions · 0 ✓" in answer
    sub = store.get_subscriber(42)
    assert sub is not None and sub.topics == ("sanctions",)
    await session.handle_line("#1")
    sub = store.get_subscriber(42)
    assert sub is not None and sub.topics == ()


async def test_a_number_without_such_a_button_says_so(session: ChatSession) -> None:
    await session.handle_line("/settings")
    assert (await session.handle_line("77")).startswith("(no button 77")


async def test_a_callback_answer_with_text_is_shown(session: ChatSession) -> None:
    await session.handle_line("/settings")
    answer = await session.handle_line("1")  # pause
    assert answer.startswith("» Saved.") and "Briefings: paused" in answer


async def test_a_number_before_any_buttons_is_a_search(session: ChatSession) -> None:
    assert "Nothing found for “12”" in await session.handle_line("12")


def test_run_chat_reads_lines_until_quit(settings: Settings) -> None:
    output = io.StringIO()
    run_chat(settings, input=io.StringIO("/help\n\n/quit\n/stats\n"), output=output)
    printed = output.getvalue()
    assert "you are user 42" in printed and "/quit leaves" in printed
    assert "/topics — Choose the topics you follow" in printed
    assert "Stats" not in printed


def test_run_chat_stops_at_end_of_input(settings: Settings) -> None:
    output = io.StringIO()
    run_chat(settings, input=io.StringIO("/start"), output=output)
    assert "Welcome to Briefings" in output.getvalue()


async def test_an_edit_that_removes_the_buttons_forgets_them(session: ChatSession) -> None:
    await session.handle_line("/topic sancions")
    answer = await session.handle_line("1")  # Sanctions: nothing stored yet, so no buttons
    assert answer.startswith("(edited)\nNothing on **Sanctions** yet")
    assert "Nothing found for “1”" in await session.handle_line("1")
