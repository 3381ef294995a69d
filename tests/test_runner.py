"""`briefings run`: what it starts, and how it refuses to start (one line, exit code 2)."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot import runner
from bot.fakeapi import BOT_USER
from bot.settings import Settings

TOKEN = "123456:AAHgoodlookingtokengoodlookingtoken_-"


class BotAPIServer:
    """A Bot API on 127.0.0.1 that answers every method with `answer` (status, body)."""

    def __init__(self) -> None:
        self.answer: tuple[int, dict[str, Any]] = (200, {"ok": True, "result": BOT_USER})
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.paths.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, body = outer.answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"


@pytest.fixture
def bot_api() -> Iterator[BotAPIServer]:
    server = BotAPIServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def run_settings(tmp_path: Path) -> Settings:
    return Settings(token=TOKEN, db_path=tmp_path / "run.db", admin_ids=frozenset({42}))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def refused(settings: Settings, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        runner.run(settings)
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    if settings.token:
        assert settings.token not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("token", "expected"),
    [("", "TELEGRAM_BOT_TOKEN is not set"), ("not-a-token", "TELEGRAM_BOT_TOKEN is malformed"),
     ("123:short", "TELEGRAM_BOT_TOKEN is malformed")],
)
def test_a_missing_or_malformed_token_is_one_line_and_exit_2(
    run_settings: Settings, capsys: pytest.CaptureFixture[str], token: str, expected: str
) -> None:
    line = refused(dataclasses.replace(run_settings, token=token), capsys)
    assert line.startswith("error: ") and expected in line


def test_an_unreachable_api_is_one_line_and_exit_2(
    run_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    settings = dataclasses.replace(run_settings, api_base_url=f"http://127.0.0.1:{port}/bot")
    line = refused(settings, capsys)
    assert f"cannot reach the Telegram Bot API at 127.0.0.1:{port}" in line


def test_a_rejected_token_is_one_line_and_exit_2(
    run_settings: Settings, bot_api: BotAPIServer, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot_api.answer = (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    settings = dataclasses.replace(run_settings, api_base_url=bot_api.base_url)
    line = refused(settings, capsys)
    assert "rejected TELEGRAM_BOT_TOKEN" in line
    assert bot_api.paths == [f"/bot{TOKEN}/getMe"]  # TELEGRAM_API_BASE_URL is honoured
    assert TOKEN not in caplog.text


def test_run_polls_by_default(
    run_settings: Settings, bot_api: BotAPIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: started.append(kw))
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: pytest.fail("webhook"))

    runner.run(dataclasses.replace(run_settings, api_base_url=bot_api.base_url))

    assert len(started) == 1 and "my_chat_member" in started[0]["allowed_updates"]
    assert "channel_post" in started[0]["allowed_updates"]


def test_run_serves_a_webhook_when_a_url_is_set(
    run_settings: Settings, bot_api: BotAPIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(runner, "webhook_available", lambda: True)
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: started.append(kw))
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: pytest.fail("polling"))
    settings = dataclasses.replace(
        run_settings, api_base_url=bot_api.base_url,
        webhook_url="https://bot.example.org/telegram/hook", webhook_listen="0.0.0.0",
        webhook_port=8443, webhook_secret="s3cret",
    )

    runner.run(settings)

    assert started == [{
        "listen": "0.0.0.0", "port": 8443, "url_path": "telegram/hook",
        "webhook_url": "https://bot.example.org/telegram/hook", "secret_token": "s3cret",
        "allowed_updates": started[0]["allowed_updates"],
    }]


def test_a_webhook_without_the_webhook_extra_is_one_line_and_exit_2(
    run_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "webhook_available", lambda: False)
    settings = dataclasses.replace(run_settings, webhook_url="https://bot.example.org/hook")
    assert "python-telegram-bot[webhooks]" in refused(settings, capsys)
