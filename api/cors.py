"""CORS: which browser origins may call the API, per tenant, answered by one ASGI middleware."""

from __future__ import annotations

import logging

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import request_host
from api.problems import problem_for_domain_error
from api.request_context import bind_request_id
from api.services import Services
from domain.tenancy.errors import OriginNotAllowed
from domain.tenancy.model import Tenant
from domain.tenancy.origins import CorsGrant, OriginPolicy, grant_of_any, origin_policy
from domain.tenancy.resolution import TenantRequest, find_tenant

log = logging.getLogger("stadtkern.cors")

ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = (
    "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Tenant, "
    "X-Request-ID, Accept-Language"
)
EXPOSE_HEADERS = (
    "ETag, RateLimit, RateLimit-Policy, Retry-After, X-Request-ID, Link, Location, Content-Language"
)
MAX_AGE_SECONDS = 600


class CorsMiddleware:
    """Answers preflights itself (before routing, rate limits and auth) and adds the CORS
    headers to every other answer, problem documents included. The tenant is found as the
    routes find it; suspended and archived tenants keep their origins, so an app can read why
    it is refused. `Vary: Origin` goes on every answer, with or without an Origin."""

    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services
        self.allow_loopback = not services.settings.is_production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not any(name == b"origin" for name, _ in scope["headers"]):
            # Not from a browser page on another origin (most API traffic): only Vary.
            await self.app(scope, receive, _with_vary_origin(send))
            return
        headers = Headers(scope=scope)
        origin = headers["origin"]
        if _is_preflight(scope, headers):
            await self._answer_preflight(scope, receive, send, origin, headers)
            return
        grant = await self._grant(scope, headers, origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                _add_vary_origin(response_headers)
                if grant is not None:
                    _add_grant(response_headers, grant)
                    response_headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _answer_preflight(
        self, scope: Scope, receive: Receive, send: Send, origin: str, headers: Headers
    ) -> None:
        grant = await self._preflight_grant(scope, headers, origin)
        response: Response
        if grant is None:
            bind_request_id(None)  # answered before the request context exists: no stale id
            response = problem_for_domain_error(
                OriginNotAllowed(f"{origin} may not call the API here"), scope["path"]
            )
        else:
            response = Response(status_code=204)
            _add_grant(response.headers, grant)
            response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response.headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
        _add_vary_origin(response.headers)
        await response(scope, receive, send)

    async def _preflight_grant(
        self, scope: Scope, headers: Headers, origin: str
    ) -> CorsGrant | None:
        """A browser's preflight never carries the X-Tenant header the real request will: when
        it announces one (and the deployment accepts it), any origin some tenant allows may
        send; the real answer is then checked against the tenant the header names."""
        announced = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
        }
        if (
            self.services.settings.tenant_header_allowed
            and "x-tenant" in announced
            and "x-tenant" not in headers
        ):
            try:
                tenants = await self.services.tenant_directory.all()
            except Exception:
                log.warning("tenants unavailable for a CORS preflight", exc_info=True)
                tenants = []
            policies = [self._policy(t) for t in tenants] or [self._policy(None)]
            return grant_of_any(policies, origin)
        return await self._grant(scope, headers, origin)

    async def _grant(self, scope: Scope, headers: Headers, origin: str) -> CorsGrant | None:
        settings = self.services.settings
        try:
            tenant = await find_tenant(
                TenantRequest(
                    host=request_host(Request(scope), self.services),
                    tenant_header=headers.get("x-tenant"),
                    header_allowed=settings.tenant_header_allowed,
                    base_domain=settings.base_domain,
                ),
                self.services.tenant_directory,
            )
        except Exception:
            # The route will answer the outage itself; here it only costs the tenant's origins.
            log.warning("tenants unavailable for CORS", exc_info=True)
            tenant = None
        return self._policy(tenant).grant(origin)

    def _policy(self, tenant: Tenant | None) -> OriginPolicy:
        return origin_policy(
            tenant.config if tenant else None,
            base_domain=self.services.settings.base_domain,
            allow_loopback=self.allow_loopback,
        )


def _is_preflight(scope: Scope, headers: Headers) -> bool:
    return scope["method"] == "OPTIONS" and "access-control-request-method" in headers


def _add_grant(headers: MutableHeaders, grant: CorsGrant) -> None:
    headers["Access-Control-Allow-Origin"] = grant.allow_origin
    if grant.credentials:
        headers["Access-Control-Allow-Credentials"] = "true"


def _with_vary_origin(send: Send) -> Send:
    async def send_with_vary(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = message.setdefault("headers", [])
            if any(name.lower() == b"vary" for name, _ in raw):
                _add_vary_origin(MutableHeaders(scope=message))
            else:
                raw.append((b"vary", b"Origin"))
        await send(message)

    return send_with_vary


def _add_vary_origin(headers: MutableHeaders) -> None:
    names = [v.strip() for line in headers.getlist("vary") for v in line.split(",") if v.strip()]
    if any(name == "*" or name.lower() == "origin" for name in names):
        return
    headers["Vary"] = ", ".join([*names, "Origin"])
