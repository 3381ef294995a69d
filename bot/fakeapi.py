"""An in-process stand-in for Telegram's Bot API behind `httpx.MockTransport`.

Used by the tests and by `briefings chat` (the bot in a terminal, no token, no network). It
records every request the bot makes, answers the methods the bot uses with plausible results,
and can be told to fail: `fail(chat_id, 403, "Forbidden: bot was blocked by the user")`,
`throttle(chat_id, retry_after=3)` (one 429), `break_network(times)`.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from bot.request import JSONRequest

BOT_USER = {
    "id": 100000001,
    "is_bot": True,
    "first_name": "Briefings",
    "username": "briefings_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    """One request the bot made: the Bot API method and its decoded parameters."""

    method: str
    params: dict[str, Any]
    result: Any = None  # what the fake answered (e.g. the sent message with its message_id)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Inline buttons as (text, callback_data or url), row by row."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        return [
            (button["text"], button.get("callback_data") or button.get("url", ""))
            for row in rows
            for button in row
        ]


@dataclass
class FakeBotAPI:
    """Call `request()` for a PTB request object wired to this fake."""

    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content for getFile
    failures: dict[int, deque[tuple[int, str, int | None]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    permanent: dict[int, tuple[int, str]] = field(default_factory=dict)
    network_breaks: int = 0
    members: dict[tuple[int, int], str] = field(default_factory=dict)  # (chat, user) -> status
    on_call: Callable[[Call], None] | None = None
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    # ----------------------------------------------------------- failure injection

    def fail(self, chat_id: int, status: int, description: str) -> None:
        """Every request to this chat fails with this error from now on."""
        self.permanent[chat_id] = (status, description)

    def throttle(self, chat_id: int, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` requests to this chat answer 429 with retry_after."""
        for _ in range(times):
            self.failures[chat_id].append((429, "Too Many Requests", retry_after))

    def fail_once(self, chat_id: int, status: int, description: str, times: int = 1) -> None:
        for _ in range(times):
            self.failures[chat_id].append((status, description, None))

    def break_network(self, times: int = 1) -> None:
        self.network_breaks += times

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for this user in this chat (default "member")."""
        self.members[(chat_id, user_id)] = status

    # ----------------------------------------------------------- reading what happened

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == method and (chat_id is None or call.chat_id == chat_id)
        ]

    def last(self, method: str = "sendMessage") -> Call:
        found = self.sent(method)
        if not found:
            raise AssertionError(f"the bot made no {method} request; it made {self.methods()}")
        return found[-1]

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def clear(self) -> None:
        self.calls.clear()

    # ----------------------------------------------------------- transport

    def request(self, **kwargs: Any) -> JSONRequest:
        """The bot's real request class, with this fake as its transport."""
        transport = httpx.MockTransport(self.handle)
        return JSONRequest(httpx_kwargs={"transport": transport}, **kwargs)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "/file/bot" in path:
            file_path = path.rsplit("/", 1)[-1]
            return httpx.Response(200, content=self.files.get(file_path, b""))
        method = path.rsplit("/", 1)[-1]
        call = Call(method, _decode(request))
        if self.network_breaks > 0:
            self.network_breaks -= 1
            raise httpx.ConnectError("simulated network failure", request=request)
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        error = self._error_for(call)
        if error is not None:
            return error
        call.result = self._result(call)
        return _ok(call.result)

    def _error_for(self, call: Call) -> httpx.Response | None:
        chat_id = call.chat_id
        if chat_id is None:
            return None
        if chat_id in self.permanent:
            status, description = self.permanent[chat_id]
            return _error(status, description)
        queue = self.failures.get(chat_id)
        if queue:
            status, description, retry_after = queue.popleft()
            return _error(status, description, retry_after)
        return None

    def _result(self, call: Call) -> Any:
        method, params = call.method, call.params
        if method == "getMe":
            return BOT_USER
        if method in {"sendMessage", "editMessageText", "sendDocument"}:
            return self._message(params)
        if method == "getFile":
            file_id = params.get("file_id", "")
            return {"file_id": file_id, "file_unique_id": file_id, "file_path": file_id,
                    "file_size": len(self.files.get(file_id, b""))}
        if method == "getUpdates":
            return []
        if method == "getChatMember":
            user_id = int(params.get("user_id", 0))
            status = self.members.get((int(params.get("chat_id", 0)), user_id), "member")
            member: dict[str, Any] = {
                "status": status, "user": {"id": user_id, "is_bot": False, "first_name": "U"}
            }
            if status == "administrator":
                member.update({key: True for key in _ADMIN_RIGHTS})
                member.update(can_be_edited=False, is_anonymous=False)
            if status == "creator":
                member["is_anonymous"] = False
            return member
        if method == "getChatAdministrators":
            return []
        return True

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        message = {
            "message_id": int(params.get("message_id") or next(self._message_ids)),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message


_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
    "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
    "can_post_stories", "can_edit_stories", "can_delete_stories",
)


def _decode(request: httpx.Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    body = request.content
    if "application/json" in content_type:
        params = json.loads(body or b"{}")
    elif "multipart/form-data" in content_type:
        params = _multipart(body, content_type)
    else:
        params = dict(parse_qsl(body.decode("utf-8")))
    return {key: _maybe_json(value) for key, value in params.items()}


def _multipart(body: bytes, content_type: str) -> dict[str, Any]:
    boundary = content_type.split("boundary=", 1)[1].encode()
    params: dict[str, Any] = {}
    for part in body.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        if b'name="' not in head:
            continue
        name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
        params[name] = value.rstrip(b"\r\n").decode("utf-8", "replace")
    return params


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _ok(result: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return httpx.Response(status, json=body)
