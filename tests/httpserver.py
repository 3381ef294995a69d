"""A real HTTP server on 127.0.0.1 for tests: remote web sites and feeds, served from memory.

    from tests.httpserver import HTTPServerFixture, http_server_fixture  # noqa: F401

    def test_page(http_server: HTTPServerFixture) -> None:
        http_server.route("/page", "<h1>Hi</h1>", content_type="text/html")
        url = http_server.url("/page")

Routes can be changed between requests; every request is recorded (method, path, headers) so
tests assert on what the client sent. `etag` / `last_modified` make the route answer 304 to a
matching If-None-Match / If-Modified-Since. `delay` holds the response back (for timeouts)
without blocking shutdown.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (the timeout tests) resets its connection; socketserver would
        # print that traceback to stderr, into the output the CLI tests read.
        pass


class HTTPServerFixture:
    """A threaded http.server on an ephemeral port; `start()` / `stop()` or use the fixture."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        content_type: str | None = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> str:
        """Serve `body` at `path`; returns the full URL."""
        all_headers = dict(headers or {})
        if content_type is not None:
            all_headers.setdefault("Content-Type", content_type)
        if etag:
            all_headers["ETag"] = etag
        if last_modified:
            all_headers["Last-Modified"] = last_modified
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self.routes[path] = Route(status, data, all_headers, delay, etag, last_modified)
        return self.url(path)

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def start(self) -> HTTPServerFixture:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes delayed responses so shutdown does not wait for them
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------ serving

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {key.lower(): value for key, value in handler.headers.items()}
        with self._lock:
            self.requests.append(Request(handler.command, handler.path, headers))
            route = self.routes.get(handler.path)
        if route is None:
            _send(handler, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        if route.delay and self._stopping.wait(route.delay):
            return
        if _not_modified(route, headers):
            _send(handler, 304, {k: v for k, v in route.headers.items()
                                 if k in ("ETag", "Last-Modified")}, b"")
            return
        _send(handler, route.status, route.headers, route.body)


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if route.etag and "if-none-match" in headers:
        tags = [tag.strip() for tag in headers["if-none-match"].split(",")]
        return route.etag in tags or "*" in tags
    if route.last_modified and "if-modified-since" in headers:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"])
            return parsedate_to_datetime(route.last_modified) <= since
        except (TypeError, ValueError):
            return False
    return False


def _send(
    handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
) -> None:
    try:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD" and status != 304:
            handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout test): nothing to tell it


def _handler(server: HTTPServerFixture) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server._respond(self)

        def do_HEAD(self) -> None:
            server._respond(self)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture(name="http_server")
def http_server_fixture() -> Iterator[HTTPServerFixture]:
    """A started server, stopped after the test."""
    server = HTTPServerFixture().start()
    try:
        yield server
    finally:
        server.stop()
