"""Liveness and readiness probes; neither needs a tenant."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ServicesDep

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def get_health() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "A dependency is unreachable"}},
    summary="The database and Redis are reachable",
)
async def get_readiness(services: ServicesDep) -> JSONResponse:
    database, cache = await asyncio.gather(
        services.database_reachable(), services.redis_reachable()
    )
    checks = {
        "database": "ok" if database else "unreachable",
        "redis": "ok" if cache else "unreachable",
    }
    ready = database and cache
    return JSONResponse(
        Health(status="ok" if ready else "unavailable", checks=checks).model_dump(),
        status_code=200 if ready else 503,
        headers={"Cache-Control": "no-store"},
    )
