"""The composition root: `create_app(settings)` builds the adapters and wires the API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.cors import CorsMiddleware
from api.deps import document_tenant_header
from api.docs import install_docs
from api.graphql.schema import build_graphql_router
from api.health import router as health_router
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.problems import document_problems, install_problem_handlers
from api.rest import (
    accounts,
    api_keys,
    auth,
    businesses,
    campaigns,
    categories,
    listings,
    map,
    media,
    members,
    offers,
    open_data,
    partner,
    payments,
    pledges,
    sync,
)
from api.rest.search import search_router
from api.rest.tenancy import router as tenancy_router
from api.rest.webhooks import event_types_router as webhook_event_types_router
from api.rest.webhooks import router as webhooks_router
from api.services import Services, build_services
from api.settings import Settings

DESCRIPTION = """\
Headless API for white-label city apps. Every tenant-scoped operation answers for the tenant
named by the request's Host (`{slug}.{base domain}` or one of the tenant's own hostnames) or,
where the deployment allows it, by the `X-Tenant` header. Errors are RFC 9457 problem details.
"""


def operation_id(route: APIRoute) -> str:
    """An operation's id is its function's name in camelCase (`list_businesses` ->
    `listBusinesses`): generated clients get readable method names, stable as long as the
    function keeps its name."""
    first, *rest = route.name.split("_")
    return first + "".join(part.title() for part in rest)


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # On the embedded default the worker runs here, so `serve` alone does everything.
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(services.worker.run_forever(stop))
            if settings.runs_worker_in_process
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            await services.close()

    app = FastAPI(
        title="Stadtkern API",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.services = services
    install_problem_handlers(app)
    install_docs(app)
    # Routes are matched one by one in this order: the reads apps make most come first.
    app.include_router(tenancy_router)
    app.include_router(map.router)
    # Made for the kinds registered by now: they are what `type` takes.
    app.include_router(search_router(services.discovery_kinds.kinds))
    app.include_router(businesses.router)
    app.include_router(categories.router)
    app.include_router(offers.router)
    app.include_router(businesses.claims_router)
    app.include_router(open_data.router)
    app.include_router(auth.router)
    app.include_router(accounts.router)
    app.include_router(api_keys.router)
    app.include_router(api_keys.calling_key_router)
    app.include_router(members.router)
    app.include_router(media.router)
    app.include_router(campaigns.router)
    app.include_router(pledges.router)
    app.include_router(pledges.refunds_router)
    app.include_router(payments.router)
    app.include_router(listings.router)
    app.include_router(partner.router)
    app.include_router(sync.router)
    app.include_router(webhooks_router)
    app.include_router(webhook_event_types_router)
    app.include_router(media.files_router)
    app.include_router(auth.jwks_router)
    app.include_router(health_router)
    app.include_router(
        build_graphql_router(
            mask_errors=settings.is_production, introspection=settings.graphql_introspection
        ),
        prefix="/graphql",
    )
    # Added last, runs first: the request id exists before anything else happens.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        # The form around the largest upload a tenant may allow.
        upload_max_bytes=services.max_upload_bytes + media.FORM_OVERHEAD,
        upload_paths=("/v1/media", "/graphql"),
    )
    app.add_middleware(RequestContextMiddleware)
    # Outermost, so every answer carries CORS headers (the 500 fallback above included) and
    # preflights are answered before rate limits and auth.
    app.add_middleware(CorsMiddleware, services=services)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = document_tenant_header(FastAPI.openapi(app))
            app.openapi_schema = document_problems(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
