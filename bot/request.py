"""The HTTP edge to the Bot API: PTB's HTTPXRequest, sending JSON bodies instead of forms.

PTB form-encodes every request, and urllib's percent-encoding runs in Python, byte by byte: for
a 3,500-character briefing that was about 1 ms of CPU per message, the largest single cost of a
paid-broadcast fan-out. The Bot API accepts the same parameters as a JSON body, which the C
encoder produces in microseconds. Uploads (multipart) go through PTB unchanged.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

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
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode("utf-8")
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


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, _DEFAULT) else value


class ShardedRequest(BaseRequest):
    """Several small JSONRequest connection pools behind one request object, used in turn.

    httpcore's pool re-examines every connection for every queued request, so its cost per
    request grows with pool size times concurrency: at 32 concurrent sends over one pool of 32+
    connections it was most of the bot's CPU. Eight pools of four keep 32 connections open for
    real network latency while each pool stays cheap to manage.
    """

    def __init__(self, shards: int = 8, connections: int = 4, **kwargs: Any) -> None:
        self._shards = [
            JSONRequest(connection_pool_size=connections, **kwargs) for _ in range(shards)
        ]
        self._turn = itertools.cycle(self._shards)

    @property
    def read_timeout(self) -> float | None:
        return self._shards[0].read_timeout

    async def initialize(self) -> None:
        for shard in self._shards:
            await shard.initialize()

    async def shutdown(self) -> None:
        for shard in self._shards:
            await shard.shutdown()

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
        return await next(self._turn).do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
