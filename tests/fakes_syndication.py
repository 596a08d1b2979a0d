"""In-memory syndication for unit tests: listings of every tenant in one store, and a unit of
work per tenant over it (the home tenant reads where its campaigns are listed, as the
policies of migration 0013 let it)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self
from uuid import UUID

from domain.discovery.model import SearchDocument
from domain.syndication.listings import Listing, ListingStatus
from domain.tenancy.model import Tenant


@dataclass
class FakeSyndicationStore:
    listings: dict[tuple[UUID, UUID], Listing] = field(default_factory=dict)  # tenant, campaign
    search: dict[tuple[UUID, str, UUID], SearchDocument] = field(default_factory=dict)
    outbox: list = field(default_factory=list)


class FakeListings:
    def __init__(self, store: FakeSyndicationStore, tenant_id: UUID) -> None:
        self.store = store
        self.tenant_id = tenant_id

    async def get(self, campaign_id: UUID) -> Listing | None:
        return self.store.listings.get((self.tenant_id, campaign_id))

    async def put(self, listing: Listing) -> None:
        assert listing.tenant_id == self.tenant_id
        self.store.listings[(listing.tenant_id, listing.campaign_id)] = listing

    async def remove(self, campaign_id: UUID) -> bool:
        return self.store.listings.pop((self.tenant_id, campaign_id), None) is not None

    async def in_status(
        self, statuses: Sequence[ListingStatus], *, limit: int, after: UUID | None
    ) -> list[Listing]:
        found = sorted(
            (
                listing
                for (tenant, _), listing in self.store.listings.items()
                if tenant == self.tenant_id and listing.status in statuses
            ),
            key=lambda listing: listing.campaign_id,
        )
        return [x for x in found if after is None or x.campaign_id > after][:limit]

    async def home_of(self, campaign_id: UUID) -> UUID | None:
        listing = await self.get(campaign_id)
        return (
            listing.home_tenant_id if listing and listing.status is ListingStatus.LISTED else None
        )

    async def places_of(self, campaign_id: UUID) -> list[UUID]:
        return [
            tenant
            for (tenant, campaign), listing in self.store.listings.items()
            if campaign == campaign_id and listing.home_tenant_id == self.tenant_id
        ]


class FakeSearchIndex:
    def __init__(self, store: FakeSyndicationStore, tenant_id: UUID) -> None:
        self.store = store
        self.tenant_id = tenant_id

    async def put(self, document: SearchDocument) -> None:
        self.store.search[(self.tenant_id, document.kind, document.item_id)] = document

    async def put_many(self, documents: Sequence[SearchDocument]) -> None:
        for document in documents:
            await self.put(document)

    async def remove(self, kind: str, item_id: UUID) -> None:
        self.store.search.pop((self.tenant_id, kind, item_id), None)


class FakeSyndicationUnitOfWork:
    def __init__(self, store: FakeSyndicationStore, tenant: Tenant) -> None:
        self.store = store
        self.tenant_id = tenant.id
        self.locales = tenant.config.locales
        self.recorded: list = []

    def record(self, event) -> None:  # type: ignore[no-untyped-def]
        assert event.tenant_id == self.tenant_id, "an event of another tenant"
        self.recorded.append(event)

    async def __aenter__(self) -> Self:
        self.recorded = []
        self.working = copy.deepcopy(self.store)
        self.working.outbox = self.store.outbox
        self.listings = FakeListings(self.working, self.tenant_id)
        self.search = FakeSearchIndex(self.working, self.tenant_id)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.working = None  # type: ignore[assignment]

    async def commit(self) -> None:
        self.store.listings = self.working.listings
        self.store.search = self.working.search
        self.store.outbox.extend(self.recorded)
        self.recorded = []

    async def rollback(self) -> None:
        await self.__aenter__()


class FakeChangeReads:
    """Changes handed to the feed as a list the test writes (position = index)."""

    def __init__(self) -> None:
        self.rows: list = []
        self.asked: list = []

    async def changes(self, event_types, after, *, limit):  # type: ignore[no-untyped-def]
        self.asked.append((tuple(event_types), after, limit))
        found = [c for c in self.rows if c.event_type in event_types]
        if after is not None:
            found = [c for c in found if (c.xact, c.row_id) > after]
        return found[:limit]
