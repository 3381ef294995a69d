"""The Bot API request classes: JSON bodies, multipart uploads, errors in PTB's terms."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.fakeapi import BOT_USER
from bot.request import AiohttpRequest, JSONRequest

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        method = request.url.path.rsplit("/", 1)[-1]
        result: object = BOT_USER if method == "getMe" else {
            "message_id": len(self.requests), "date": 0, "chat": {"id": 7, "type": "private"},
        }
        return httpx.Response(200, json={"ok": True, "result": result})


async def test_messages_are_sent_as_json_with_typed_parameters() -> None:
    recorder = Recorder()
    request = JSONRequest(httpx_kwargs={"transport": httpx.MockTransport(recorder)})
    async with Bot(TOKEN, request=request) as bot:
        await bot.send_message(7, "<b>Hi</b> & more", parse_mode="HTML", disable_notification=True)
    sent = recorder.requests[-1]
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == {
        "chat_id": 7, "text": "<b>Hi</b> & more", "parse_mode": "HTML",
        "disable_notification": True,
    }


async def test_uploads_still_go_as_multipart() -> None:
    recorder = Recorder()
    request = JSONRequest(httpx_kwargs={"transport": httpx.MockTransport(recorder)})
    async with Bot(TOKEN, request=request) as bot:
        await bot.send_document(7, b"digest text", filename="digest.txt")
    assert recorder.requests[-1].headers["content-type"].startswith("multipart/form-data")


class LoopbackAPI:
    """A Bot API stand-in on 127.0.0.1 (aiohttp's server): records what arrives, answers ok."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, bytes]] = []
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.answer)
        self.server = TestServer(app, host="127.0.0.1")

    async def answer(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.received.append((method, request.content_type, await request.read()))
        if method == "hang":
            await asyncio.Event().wait()  # never answers: the client's timeout must end it
        result: object = BOT_USER if method == "getMe" else {
            "message_id": len(self.received), "date": 0, "chat": {"id": 7, "type": "private"},
        }
        return web.json_response({"ok": True, "result": result})

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/bot"))


@pytest.fixture
async def loopback() -> AsyncIterator[LoopbackAPI]:
    api = LoopbackAPI()
    await api.server.start_server()
    yield api
    await api.server.close()


async def test_aiohttp_sends_json_over_real_http(loopback: LoopbackAPI) -> None:
    async with Bot(TOKEN, base_url=loopback.base_url, request=AiohttpRequest()) as bot:
        message = await bot.send_message(7, "<b>Hi</b> & ü", parse_mode="HTML")
    method, content_type, body = loopback.received[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    assert json.loads(body) == {"chat_id": 7, "text": "<b>Hi</b> & ü", "parse_mode": "HTML"}
    assert message.message_id == len(loopback.received)


async def test_aiohttp_uploads_go_as_multipart(loopback: LoopbackAPI) -> None:
    async with Bot(TOKEN, base_url=loopback.base_url, request=AiohttpRequest()) as bot:
        await bot.send_document(7, b"digest text", filename="digest.txt", caption="c")
    method, content_type, body = loopback.received[-1]
    assert (method, content_type) == ("sendDocument", "multipart/form-data")
    assert b"digest text" in body and b'filename="digest.txt"' in body and b"caption" in body


async def test_an_unreachable_api_is_a_network_error_without_the_token(
    loopback: LoopbackAPI,
) -> None:
    url = loopback.base_url
    await loopback.server.close()  # the port is free again: the connection is refused
    request = AiohttpRequest(connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.post(f"{url}{TOKEN}/getMe")
    finally:
        await request.shutdown()
    assert TOKEN not in str(caught.value) and "aiohttp." in str(caught.value)


async def test_a_silent_api_is_a_timeout(loopback: LoopbackAPI) -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{loopback.base_url}{TOKEN}/hang", read_timeout=0.05)
    finally:
        await request.shutdown()
    assert request.read_timeout == 5.0


async def test_aiohttp_must_be_initialized_first() -> None:
    with pytest.raises(NetworkError, match="not initialized"):
        await AiohttpRequest().post(f"http://127.0.0.1:9/bot{TOKEN}/getMe")
