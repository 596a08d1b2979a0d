"""The per-request GraphQL context: the tenant, the composed services, and (later) loaders."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from strawberry.fastapi import BaseContext

from api.deps import CurrentTenant, ServicesDep
from api.services import Services
from domain.tenancy.model import Tenant


@dataclass
class GraphQLContext(BaseContext):
    tenant: Tenant
    services: Services

    def __post_init__(self) -> None:
        super().__init__()


async def build_context(
    request: Request, tenant: CurrentTenant, services: ServicesDep
) -> GraphQLContext:
    """Tenant resolution runs as a FastAPI dependency, so GraphQL answers unknown, suspended
    and archived tenants with the same problem documents as REST."""
    return GraphQLContext(tenant=tenant, services=services)
