"""The per-request GraphQL context: the tenant, the composed services, and (later) loaders."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from strawberry.fastapi import BaseContext

from adapters.db.unit_of_work import SqlUnitOfWork
from api.auth import CurrentPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.services import Services
from domain.identity.model import Principal
from domain.tenancy.model import Tenant


@dataclass
class GraphQLContext(BaseContext):
    tenant: Tenant
    services: Services
    principal: Principal

    def __post_init__(self) -> None:
        super().__init__()

    def unit_of_work(self) -> SqlUnitOfWork:
        return self.services.unit_of_work(self.tenant.id)


async def build_context(
    request: Request, tenant: CurrentTenant, services: ServicesDep, principal: CurrentPrincipal
) -> GraphQLContext:
    """Tenant resolution and authentication run as FastAPI dependencies, so GraphQL answers
    unknown tenants and bad credentials with the same problem documents as REST."""
    return GraphQLContext(tenant=tenant, services=services, principal=principal)
