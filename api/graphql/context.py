"""The per-request GraphQL context: the tenant, the request's language, the composed services,
the caller and the DataLoaders. Resolvers reach storage only through ports (domain
protocols)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import strawberry
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.auth import bearer_scheme, resolve_principal
from api.deps import CurrentTenant, ServicesDep
from api.languages import Language, language_of
from api.services import Services
from domain.directory.ports import DirectoryReads, DirectoryUnitOfWork
from domain.discovery.kinds import DiscoveryKinds
from domain.discovery.ports import SearchReads, Taxonomy
from domain.funding.ports import FundingNames, FundingReads, FundingUnitOfWork, PaymentGateways
from domain.identity.model import Principal
from domain.identity.ports import IdentityUnitOfWork
from domain.tenancy.model import Tenant


@dataclass
class GraphQLContext(BaseContext):
    tenant: Tenant
    services: Services
    # What texts for people resolve to and plain-string writes are in, negotiated as REST does.
    language: Language
    request: Request | None = None
    credentials: str | None = None
    _principal: Principal | None = None
    _loaders: dict[str, DataLoader] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    def identity_uow(self) -> IdentityUnitOfWork:
        return self.services.identity_uow(self.tenant.id)

    def directory_uow(self) -> DirectoryUnitOfWork:
        return self.services.directory_uow(self.tenant)

    def directory_reads(self) -> DirectoryReads:
        return self.services.directory_reads(self.tenant)

    def funding_uow(self) -> FundingUnitOfWork:
        return self.services.funding_uow(self.tenant)

    def funding_reads(self) -> FundingReads:
        return self.services.funding_reads(self.tenant)

    def funding_names(self) -> FundingNames:
        return self.services.funding_names(self.tenant)

    def payment_gateways(self) -> PaymentGateways:
        return self.services.payment_gateways(self.tenant)

    @property
    def discovery_kinds(self) -> DiscoveryKinds:
        return self.services.discovery_kinds

    def search_reads(self) -> SearchReads:
        return self.services.search_reads(self.tenant)

    def taxonomy(self) -> Taxonomy:
        return self.services.taxonomy(self.tenant)

    def loader(
        self, name: str, load: Callable[[GraphQLContext, list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader:
        """One DataLoader per relation and request: a page's nested fields cost one query."""
        if name not in self._loaders:
            self._loaders[name] = DataLoader(load_fn=lambda keys: load(self, list(keys)))
        return self._loaders[name]

    async def principal(self) -> Principal:
        """Who asks, resolved on first need: as on REST, public fields answer whatever the
        credential, and a field that needs a principal reports a bad one as its error."""
        if self._principal is None:
            self._principal = await resolve_principal(
                self.request, self.tenant, self.services, self.credentials
            )
        return self._principal


Info = strawberry.Info[GraphQLContext, None]


async def build_context(
    request: Request,
    tenant: CurrentTenant,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> GraphQLContext:
    """Tenant resolution runs as a FastAPI dependency, so GraphQL answers unknown, suspended
    and archived tenants with the same problem documents as REST."""
    return GraphQLContext(
        tenant=tenant,
        services=services,
        language=language_of(request, tenant),
        request=request,
        credentials=credentials.credentials if credentials else None,
    )
