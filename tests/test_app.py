"""The wiring: one command list behind every handler, /help, setMyCommands and the README; the
error handler; the token kept out of logs."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.ext import Application, CommandHandler

from bot.app import build_application
from bot.commands import COMMANDS, admin_commands, public_commands
from bot.errors import on_error
from bot.fakeapi import FakeBotAPI
from bot.runner import configure_logging
from bot.settings import Settings
from briefings.store import Store
from tests.updates import channel_post, message, send

README = Path(__file__).resolve().parent.parent / "README.md"
TOKEN = "987654:AAHsecretsecretsecretsecretsecret_-x"


def registered_commands(app: Application) -> set[str]:
    return {
        command
        for handlers in app.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }


def test_command_names_are_unique_valid_and_described_in_one_line() -> None:
    names = [command.name for command in COMMANDS]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name)
        assert 3 <= len(command.description) <= 256 and "\n" not in command.description


async def test_every_command_has_a_handler(app: Application) -> None:
    missing = {command.name for command in COMMANDS} - registered_commands(app)
    assert not missing, f"commands without a handler: {sorted(missing)}"


async def test_every_handled_command_is_in_the_list(app: Application) -> None:
    extra = registered_commands(app) - {command.name for command in COMMANDS}
    assert not extra, f"handled but not listed (so missing from /help): {sorted(extra)}"


async def test_help_lists_every_public_command_and_the_admin_ones_only_to_admins(
    app: Application, fake_api: FakeBotAPI
) -> None:
    await send(app, message("/help", chat_id=5, user_id=5))
    for_user = fake_api.last().text
    await send(app, message("/help", chat_id=42, user_id=42))
    for_admin = fake_api.last().text

    for command in public_commands():
        assert f"/{command.name} — {command.description}" in for_user
        assert f"/{command.name} — " in for_admin
    for command in admin_commands():
        assert f"/{command.name} " not in for_user
        assert f"/{command.name} — {command.description}" in for_admin
    assert "<b>Admin</b>" in for_admin and "Admin" not in for_user


def test_every_command_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [c.name for c in COMMANDS if not re.search(rf"/{c.name}\b", readme)]
    assert not missing, f"README.md does not mention: {missing}"


async def test_the_command_list_is_registered_with_telegram_at_start(
    app: Application, fake_api: FakeBotAPI
) -> None:
    everyone, admin = fake_api.sent("setMyCommands")
    assert "scope" not in everyone.params
    assert [c["command"] for c in everyone.params["commands"]] == [
        c.name for c in public_commands()
    ]
    assert admin.params["scope"] == {"type": "chat", "chat_id": 42}
    assert [(c["command"], c["description"]) for c in admin.params["commands"]] == [
        (c.name, c.description) for c in COMMANDS
    ]


async def test_an_admin_who_never_talked_to_the_bot_does_not_stop_the_start(
    settings: Settings, store: Store, fake_api: FakeBotAPI, clock: Any
) -> None:
    fake_api.fail(42, 400, "Bad Request: chat not found")
    application = build_application(settings, store, request=fake_api.request(), clock=clock)
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    await application.shutdown()
    assert len(fake_api.sent("setMyCommands")) == 2


async def test_an_error_gets_a_friendly_reply_and_no_traceback(
    app: Application, fake_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fail_once(1, 400, "Bad Request: can't parse entities")

    await send(app, message("/help"))

    reply = fake_api.last()
    assert "something went wrong" in reply.text and "Traceback" not in reply.text
    assert any(record.name == "bot.errors" and record.levelno == logging.ERROR
               for record in caplog.records)


async def test_an_error_in_a_channel_is_not_answered_there(
    app: Application, fake_api: FakeBotAPI
) -> None:
    context = SimpleNamespace(error=RuntimeError("boom"), bot=app.bot, application=app)
    fake_api.clear()
    await on_error(channel_post("text", bot=app.bot), context)  # type: ignore[arg-type]
    assert fake_api.calls == []


@pytest.fixture
async def app_with_token(
    settings: Settings, store: Store, fake_api: FakeBotAPI, clock: Any
) -> AsyncIterator[Application]:
    configured = dataclasses.replace(settings, token=TOKEN)
    application = build_application(configured, store, request=fake_api.request(), clock=clock)
    await application.initialize()
    yield application
    await application.shutdown()


async def test_the_token_never_appears_in_log_records_even_on_errors(
    app_with_token: Application, fake_api: FakeBotAPI, settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging(dataclasses.replace(settings, token=TOKEN))
    fake_api.fail_once(1, 400, f"Bad Request: something about bot{TOKEN}")

    await send(app_with_token, message("/help"))
    logging.getLogger("bot.test").error("calling https://api.telegram.org/bot%s/getMe", TOKEN)

    assert caplog.records
    assert any("<token>" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in (record.exc_text or "")
    assert TOKEN not in caplog.text
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


async def test_another_bot_api_server_is_used_for_calls_and_files(
    settings: Settings, store: Store, fake_api: FakeBotAPI, clock: Any
) -> None:
    custom = dataclasses.replace(settings, api_base_url="http://127.0.0.1:8081/bot")
    application = build_application(custom, store, request=fake_api.request(), clock=clock)
    assert application.bot.base_url.startswith("http://127.0.0.1:8081/bot")
    assert application.bot.base_file_url.startswith("http://127.0.0.1:8081/file/bot")
