"""The HTTP edge to the Bot API: PTB's HTTPXRequest, sending JSON bodies instead of forms.

PTB form-encodes every request, and urllib's percent-encoding runs in Python, byte by byte: for
a 3,500-character briefing that was about 1 ms of CPU per message, the largest single cost of a
paid-broadcast fan-out. The Bot API accepts the same parameters as a JSON body, which the C
encoder produces in microseconds. Uploads (multipart) go through PTB unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

# PTB's "use the default timeout" marker; its class lives in a private module.
_DEFAULT = type(BaseRequest.DEFAULT_NONE)


class JSONRequest(HTTPXRequest):
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files or self._client.is_closed:
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )
        defaults = self._client.timeout
        timeout = httpx.Timeout(
            connect=_given(connect_timeout, defaults.connect),
            read=_given(read_timeout, defaults.read),
            write=_given(write_timeout, defaults.write),
            pool=_given(pool_timeout, defaults.pool),
        )
        body = json_body(request_data)
        headers = {"User-Agent": self.USER_AGENT, "Content-Type": "application/json"}
        try:
            response = await self._client.request(
                method=method, url=url, headers=headers, content=body, timeout=timeout
            )
        except httpx.TimeoutException as error:
            raise TimedOut from error
        except httpx.HTTPError as error:
            raise NetworkError(f"httpx.{error.__class__.__name__}: {error}") from error
        return response.status_code, response.content


def json_body(request_data: RequestData) -> bytes:
    """The request's parameters as a JSON body (the Bot API takes them so, as well as forms)."""
    return json.dumps(request_data.parameters, ensure_ascii=False).encode("utf-8")


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, _DEFAULT) else value


class AiohttpRequest(BaseRequest):
    """The bot's HTTP edge in production: PTB's request interface over an aiohttp session.

    A paid-broadcast fan-out sends up to 1,000 messages a second from one core. httpx and
    httpcore cost about 1 ms of pure-Python CPU per request (pool bookkeeping, anyio, h11);
    aiohttp parses HTTP in C and keeps a plain connection pool, which leaves the budget for
    composing the briefings. Bodies are JSON (see JSONRequest); uploads go as multipart.
    Long polling stays on PTB's own request class, which handles getUpdates' long timeouts.
    """

    def __init__(
        self,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = {
            "read": read_timeout, "write": write_timeout,
            "connect": connect_timeout, "pool": pool_timeout,
        }
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        given = {"read": read_timeout, "write": write_timeout,
                 "connect": connect_timeout, "pool": pool_timeout}
        seconds = {key: _given(value, self._timeouts[key]) for key, value in given.items()}
        # aiohttp has no separate write timeout; the pool wait counts towards `connect`.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(seconds["pool"], seconds["connect"]),
            sock_connect=seconds["connect"],
            sock_read=_sum(seconds["read"], seconds["write"]),
        )
        body, headers = _body(request_data)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # Some aiohttp errors quote the URL, and the URL holds the token.
            text = str(error).replace(url, "the Bot API")
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {text}") from error


def _sum(*values: float | None) -> float | None:
    return None if any(value is None for value in values) else sum(v or 0.0 for v in values)


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str]]:
    if request_data is None:
        return None, {}
    if not request_data.contains_files:
        return json_body(request_data), {"Content-Type": "application/json"}
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, mimetype = part
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, {}
