"""Webhooks on the wire: the resolver (every A and AAAA record) and the sender, which
connects to the address the domain checked, never to a second lookup's answer (so a name
that changes its answer between the check and the request, DNS rebinding, cannot slip a
private address through), keeps TLS checked against the URL's host name (SNI and the
certificate), follows no redirect, and reports every network failure as a failed attempt."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import httpx

from domain.syndication.webhooks import MAX_ERROR_LENGTH, AttemptResult, IpAddress

SEND_TIMEOUT_SECONDS = 10.0
# Only a receipt is wanted: a receiver's long answer is not read to its end.
MAX_ANSWER_BYTES = 64 * 1024


class SystemResolver:
    async def resolve(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return []
        return [str(info[4][0]) for info in infos]


class HttpxWebhookSender:
    """One client for every delivery: its pool keeps connections per (address, port), and
    every request names its host in `Host` and for TLS in the `sni_hostname` extension."""

    def __init__(self, timeout: float = SEND_TIMEOUT_SECONDS) -> None:
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: it would do its own lookup
        )

    async def send(
        self, url: str, address: IpAddress, headers: Mapping[str, str], body: bytes
    ) -> AttemptResult:
        parts = urlsplit(url)
        host = parts.hostname or ""
        literal = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
        netloc = f"{literal}:{parts.port}" if parts.port else literal
        direct = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = parts.netloc.rsplit("@", 1)[-1]
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        request = self._client.build_request(
            "POST",
            direct,
            content=body,
            headers={**headers, "host": host_header},
            extensions=extensions,
        )
        try:
            response = await self._client.send(request, stream=True)
            try:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= MAX_ANSWER_BYTES:
                        break
            finally:
                await response.aclose()
        except httpx.HTTPError as error:
            text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return AttemptResult(error=text[:MAX_ERROR_LENGTH])
        return AttemptResult(
            status_code=response.status_code, retry_after=response.headers.get("retry-after")
        )

    async def close(self) -> None:
        await self._client.aclose()


class SystemRandomness:
    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)

    def fraction(self) -> float:
        return secrets.SystemRandom().random()
