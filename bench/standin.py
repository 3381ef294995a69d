"""A loopback stand-in for Telegram's Bot API: a real HTTP/1.1 server in its own process.

The bot reaches it through the real PTB `Bot` (base_url `http://127.0.0.1:PORT/bot`), so the
whole HTTP path is measured. It answers the methods the bot uses (getMe, setMyCommands,
deleteWebhook, getUpdates after a short long-poll, sendMessage, ...), enforces a global rate on
sent messages with a token bucket (beyond it: 429 with `retry_after`, as Telegram does) and counts
every accepted message per chat and per (chat, text), so lost and duplicated messages can be
computed. Messages with `allow_paid_broadcast` draw on a second, larger bucket.

Control (loopback only): `GET /_stats` answers the counters as JSON, `POST /_reset` with
`{"rate": .., "paid_rate": .., "burst": ..}` clears them and sets new limits.

Run as `python -m bench.standin [--rate 30] [--paid-rate 1000]`; it prints `PORT <n>` once it
listens and stops when its standard input closes. `StandIn` does all that from the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

BOT_USER = {
    "id": 100000001,
    "is_bot": True,
    "first_name": "Briefings",
    "username": "briefings_bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
SENDING = frozenset({"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"})
TOO_MANY = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1}}
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


class TokenBucket:
    """`rate` tokens a second, holding at most `capacity`; `take` spends one if there is one."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self.tokens = self.capacity
        self.stamp = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class Counters:
    """Everything the stand-in saw since the last reset."""

    accepted: int = 0
    throttled: int = 0
    paid: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    per_chat: Counter[int] = field(default_factory=Counter)
    per_text: Counter[tuple[int, str]] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)  # wall clock of each accepted message
    first_get_updates: float | None = None  # wall clock

    def snapshot(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "throttled": self.throttled,
            "paid": self.paid,
            "requests": dict(self.requests),
            "per_chat": {str(chat): n for chat, n in self.per_chat.items()},
            "duplicates": sum(n - 1 for n in self.per_text.values() if n > 1),
            "times": self.times,
            "first_get_updates": self.first_get_updates,
        }


class BotAPIStandIn:
    """The protocol side: one instance per process, serving every connection."""

    def __init__(self, rate: float, paid_rate: float, burst: float, poll_wait: float) -> None:
        self.poll_wait = poll_wait
        self.counters = Counters()
        self.message_ids = 1000
        self.configure(rate, paid_rate, burst)

    def configure(self, rate: float, paid_rate: float, burst: float) -> None:
        now = time.monotonic()
        self.bucket = TokenBucket(rate, rate * burst, now)
        self.paid_bucket = TokenBucket(paid_rate, paid_rate * burst, now)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                verb, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, answer = await self.answer(verb, target, headers, body)
                payload = json.dumps(answer).encode()
                writer.write(
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode("latin-1") + payload
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return  # the client went away, or the server is closing: nothing to answer
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def answer(
        self, verb: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        path = target.split("?", 1)[0]
        if path == "/_stats":
            return 200, self.counters.snapshot()
        if path == "/_reset":
            limits = json.loads(body or b"{}")
            self.counters = Counters()
            self.configure(limits["rate"], limits["paid_rate"], limits.get("burst", 1.0))
            return 200, {"ok": True}
        if "/file/" in path:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path.rsplit("/", 1)[-1]
        params = decode(headers.get("content-type", ""), body)
        self.counters.requests[method] += 1
        if method == "getUpdates":
            if self.counters.first_get_updates is None:
                self.counters.first_get_updates = time.time()
            await asyncio.sleep(min(float(params.get("timeout", 0) or 0), self.poll_wait))
            return 200, {"ok": True, "result": []}
        if method in SENDING:
            return self.send(method, params)
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method in {"getMyCommands", "getChatAdministrators"}:
            return 200, {"ok": True, "result": []}
        if method == "editMessageText":
            return 200, {"ok": True, "result": self.message(params)}
        return 200, {"ok": True, "result": True}

    def send(self, method: str, params: dict[str, str]) -> tuple[int, Any]:
        paid = str(params.get("allow_paid_broadcast", "")).lower() == "true"
        bucket = self.paid_bucket if paid else self.bucket
        if not bucket.take(time.monotonic()):
            self.counters.throttled += 1
            return 429, TOO_MANY
        chat_id = int(params.get("chat_id", 0))
        text = params.get("text", "")
        digest = hashlib.blake2b(f"{method}\x00{text}".encode(), digest_size=12).hexdigest()
        counters = self.counters
        counters.accepted += 1
        counters.paid += paid
        counters.per_chat[chat_id] += 1
        counters.per_text[(chat_id, digest)] += 1
        counters.times.append(time.time())
        return 200, {"ok": True, "result": self.message(params)}

    def message(self, params: dict[str, str]) -> dict[str, Any]:
        self.message_ids += 1
        chat_id = int(params.get("chat_id", 0))
        return {
            "message_id": int(params.get("message_id") or self.message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "text": params.get("text", ""),
        }


def decode(content_type: str, body: bytes) -> dict[str, str]:
    """A Bot API request body (form-encoded, as PTB sends it, or JSON) -> flat parameters."""
    if not body:
        return {}
    if "application/json" in content_type:
        return {key: value if isinstance(value, str) else json.dumps(value)
                for key, value in json.loads(body).items()}
    if "multipart/form-data" in content_type:
        boundary = content_type.split("boundary=", 1)[1].encode()
        params: dict[str, str] = {}
        for part in body.split(b"--" + boundary):
            head, _, value = part.partition(b"\r\n\r\n")
            if b'name="' in head:
                name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
                params[name] = value.rstrip(b"\r\n").decode("utf-8", "replace")
        return params
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


async def _serve_until_stdin_closes(api: BotAPIStandIn, port: int) -> None:
    server = await asyncio.start_server(api.serve, "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.standin", description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate", type=float, default=30.0, help="messages/s, not paid")
    parser.add_argument("--paid-rate", type=float, default=1000.0, help="messages/s, paid")
    parser.add_argument("--burst", type=float, default=1.0, help="bucket size, in seconds of rate")
    parser.add_argument("--poll-wait", type=float, default=0.25, help="longest getUpdates wait")
    options = parser.parse_args(argv)
    api = BotAPIStandIn(options.rate, options.paid_rate, options.burst, options.poll_wait)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_stdin_closes(api, options.port))
    return 0


# ---------------------------------------------------------------- the parent's handle


@dataclass(frozen=True)
class Tally:
    """What the stand-in counted, read from the parent."""

    accepted: int
    throttled: int
    paid: int
    requests: dict[str, int]
    per_chat: dict[int, int]
    duplicates: int  # accepted messages whose (chat, text) had been accepted before
    times: tuple[float, ...]
    first_get_updates: float | None

    def lost(self, expected: dict[int, int]) -> int:
        """Messages expected per chat that never arrived."""
        return sum(max(0, n - self.per_chat.get(chat, 0)) for chat, n in expected.items())

    def sustained_rate(self) -> float:
        """Messages/s over the middle 80% of the run: no start-up burst, no tail."""
        times = sorted(self.times)
        if len(times) < 2:
            return 0.0
        trim = len(times) // 10
        low, high = trim, len(times) - 1 - trim
        span = times[high] - times[low]
        return (high - low) / span if span > 0 else float("inf")


class StandIn:
    """Starts the stand-in in a child process; `with StandIn(rate=30) as api: api.base_url`."""

    def __init__(
        self, rate: float = 30.0, paid_rate: float = 1000.0, burst: float = 1.0,
        poll_wait: float = 0.25,
    ) -> None:
        self.limits = {"rate": rate, "paid_rate": paid_rate, "burst": burst}
        self.poll_wait = poll_wait
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> StandIn:
        command = [sys.executable, "-m", "bench.standin", "--poll-wait", str(self.poll_wait)]
        command += ["--rate", str(self.limits["rate"]), "--paid-rate",
                    str(self.limits["paid_rate"]), "--burst", str(self.limits["burst"])]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        stdout = self.process.stdout
        line = stdout.readline().decode().strip() if stdout is not None else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the Bot API stand-in did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data,
            headers={"Content-Type": "application/json"},
        )
        with self._opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    def reset(self, **limits: float) -> None:
        """Clear the counters; optionally new `rate`, `paid_rate`, `burst`."""
        self.limits.update(limits)
        self._call("/_reset", self.limits)

    def tally(self) -> Tally:
        raw = self._call("/_stats")
        return Tally(
            accepted=raw["accepted"],
            throttled=raw["throttled"],
            paid=raw["paid"],
            requests=raw["requests"],
            per_chat={int(chat): n for chat, n in raw["per_chat"].items()},
            duplicates=raw["duplicates"],
            times=tuple(raw["times"]),
            first_get_updates=raw["first_get_updates"],
        )


if __name__ == "__main__":
    raise SystemExit(main())
