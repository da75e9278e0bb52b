"""The dispatcher's async HTTP client: aiohttp's transport behind the part of httpx's interface channel types use.

Why: the sender is most of a notice's CPU. Measured on this 2-core machine against bench/stub_zalo.py, the same
bodies, 128 connections, load average 18: httpx.AsyncClient 36-38 requests/s at 5.6-6.1 ms CPU per request,
aiohttp 666-700 requests/s at 0.23-0.25 ms (25x less). Channel types keep calling what they know (`request`,
`post`; a response with `status_code`, `headers`, `content`, `text`, `json()`), and failures are raised as httpx's
exceptions (`httpx.TimeoutException`, `httpx.TransportError`), so their error handling, shared with their blocking
httpx path, does not change. Bodies are encoded as httpx encodes them (compact UTF-8 JSON).
"""

import json as jsonlib
from typing import Any

import aiohttp
import httpx


class Response:
    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Any, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


def _timeout(timeout: Any) -> aiohttp.ClientTimeout:
    if isinstance(timeout, httpx.Timeout):
        return aiohttp.ClientTimeout(total=None, sock_connect=timeout.connect, sock_read=timeout.read)
    if timeout is None:
        return aiohttp.ClientTimeout(total=None, sock_connect=5.0, sock_read=10.0)
    return aiohttp.ClientTimeout(total=float(timeout))


class AsyncHttp:
    """One per event loop; open it inside the loop (`async with` or `await open()`), close with `aclose()`."""

    def __init__(self, *, max_connections: int = 100) -> None:
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> "AsyncHttp":
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.max_connections)
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        return self

    async def __aenter__(self) -> "AsyncHttp":
        return await self.open()

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        content: bytes | None = None,
        files: Any = None,
        headers: dict[str, str] | None = None,
        timeout: Any = None,
    ) -> Response:
        if files:
            raise ValueError("AsyncHttp does not upload files; use the blocking client.")
        await self.open()
        sent_headers = dict(headers or {})
        body: Any = content if content is not None else data
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        try:
            async with self._session.request(
                method, url, params=params, data=body, headers=sent_headers, timeout=_timeout(timeout)
            ) as answer:
                return Response(answer.status, answer.headers, await answer.read())
        except TimeoutError as exc:
            raise httpx.TimeoutException(f"Timed out: {method} {url.split('?', 1)[0]}") from exc
        except aiohttp.ClientError as exc:
            raise httpx.TransportError(f"{type(exc).__name__}: {exc}") from exc

    async def post(self, url: str, **kwargs: Any) -> Response:
        return await self.request("POST", url, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> Response:
        return await self.request("GET", url, **kwargs)
