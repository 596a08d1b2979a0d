"""ASGI middleware: request ids with the access log, and the request body size limit."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from api.request_context import bind_request_id, bind_tenant_slug

access_log = logging.getLogger("stadtkern.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Gives each request an id (the caller's X-Request-ID when well-formed), returns it as a
    header, and writes one access log line: method, path, status, duration, tenant.

    It also turns an unhandled exception into a 500 problem document (logged with its
    traceback, shown to the client without it), so even that answer carries the request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        bind_request_id(request_id)
        bind_tenant_slug(None)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                state = scope.get("state", {})
                names = {name.lower() for name, _ in headers}
                for name, value in state.get("rate_limit", {}).items():
                    if name.lower().encode() not in names:
                        headers.append((name.lower().encode(), value.encode()))
                language = state.get("content_language")
                if language and b"content-language" not in names:
                    headers.append((b"content-language", language.encode()))
                    # Several Vary headers combine (RFC 9110): caches keep one answer per language.
                    headers.append((b"vary", b"Accept-Language"))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            access_log.error("unhandled error", exc_info=True)
            if status:
                raise  # the response has begun; only the server can cut it off
            await problem_response(500, "internal-error", instance=scope["path"])(
                scope, receive, send_with_id
            )
        finally:
            tenant = scope.get("state", {}).get("tenant_slug")
            bind_tenant_slug(tenant)
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


class BodySizeLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, by Content-Length or while streaming. File
    uploads (multipart/form-data to one of `upload_paths`) may be up to `upload_max_bytes`;
    the routes that take them count the tenant's own, lower limit themselves."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_max_bytes: int | None = None,
        upload_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = _header(scope, b"content-type") or ""
        limit = (
            self.upload_max_bytes
            if content_type.startswith("multipart/form-data")
            and _route_path(scope) in self.upload_paths
            else self.max_bytes
        )
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        if declared is None and _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body is coming: nothing to count
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, "The request body is too large")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            "payload-too-large",
            detail=f"The request body is limited to {limit} bytes",
            instance=scope["path"],
        )
        await response(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path as routes see it: without the app's root path or a trailing slash."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.rstrip("/") or "/"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
