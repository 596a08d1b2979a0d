"""Per-request values that logs and problem documents carry: request id and tenant slug."""

from __future__ import annotations

from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_tenant_slug: ContextVar[str | None] = ContextVar("tenant_slug", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def current_tenant_slug() -> str | None:
    return _tenant_slug.get()


def bind_request_id(value: str | None) -> object:
    return _request_id.set(value)


def bind_tenant_slug(value: str | None) -> object:
    return _tenant_slug.set(value)
