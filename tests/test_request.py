"""The Bot API request classes: JSON bodies, uploads left to PTB, several pools used in turn."""

from __future__ import annotations

import json

import httpx
from telegram import Bot

from bot.fakeapi import BOT_USER
from bot.request import JSONRequest, ShardedRequest

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


async def test_the_sharded_request_uses_its_pools_in_turn() -> None:
    recorder = Recorder()
    request = ShardedRequest(
        shards=3, connections=2, httpx_kwargs={"transport": httpx.MockTransport(recorder)}
    )
    async with Bot(TOKEN, request=request) as bot:
        for n in range(6):
            await bot.send_message(7, f"message {n}")
    texts = [
        json.loads(r.content)["text"]
        for r in recorder.requests
        if r.url.path.endswith("/sendMessage")
    ]
    assert texts == [f"message {n}" for n in range(6)]
    assert request.read_timeout == 5.0
