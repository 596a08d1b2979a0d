"""In-memory fakes of the directory's write ports, for unit tests of its use cases (no I/O).
Like a transaction, a unit of work's writes reach the store only on commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Self

from domain.directory.errors import CategoryKeyTaken, ExternalIdTaken
from domain.directory.model import (
    BUSINESS_TEXTS,
    CATEGORY_TEXTS,
    OFFER_TEXTS,
    Business,
    BusinessClaim,
    Category,
    ClaimStatus,
    Offer,
    in_locale_order,
)
from domain.discovery.model import SearchDocument
from domain.identity.model import BusinessRole, Membership
from domain.media.model import Media
from tests.fakes_media import FakeMediaRepository


@dataclass
class FakeDirectoryStore:
    """The directory's tables of one tenant, as plain dicts."""

    businesses: dict[uuid.UUID, Business] = field(default_factory=dict)
    roles: dict[tuple[uuid.UUID, uuid.UUID], BusinessRole] = field(default_factory=dict)
    categories: dict[uuid.UUID, Category] = field(default_factory=dict)
    offers: dict[uuid.UUID, Offer] = field(default_factory=dict)
    claims: dict[uuid.UUID, BusinessClaim] = field(default_factory=dict)
    search: dict[tuple[str, uuid.UUID], SearchDocument] = field(default_factory=dict)
    memberships: dict[uuid.UUID, Membership] = field(default_factory=dict)
    media: dict[uuid.UUID, Media] = field(default_factory=dict)  # media's table, shared
    outbox: list = field(default_factory=list)  # the events of committed units of work

    def copy(self) -> FakeDirectoryStore:
        return FakeDirectoryStore(
            **{
                name: dict(rows) if isinstance(rows, dict) else rows
                for name, rows in vars(self).items()
            }
        )


class FakeDirectoryUnitOfWork:
    def __init__(
        self,
        store: FakeDirectoryStore,
        tenant_id: uuid.UUID,
        locales: tuple[str, ...] = ("de", "en"),
    ) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.locales = locales
        self.commits = 0
        self.recorded: list = []

    def record(self, event) -> None:  # type: ignore[no-untyped-def]
        assert event.tenant_id == self.tenant_id, "an event of another tenant"
        self.recorded.append(event)

    async def __aenter__(self) -> Self:
        self.recorded = []
        self.working = w = self.store.copy()
        self.businesses = _Businesses(w.businesses, w)
        self.business_roles = _Roles(w.roles)
        self.categories = _Categories(w.categories)
        self.offers = _Rows(w.offers)
        self.claims = _Claims(w.claims)
        self.search_index = _Search(w.search)
        self.members = _Memberships(w.memberships)
        self.media = FakeMediaRepository(w.media, self.tenant_id)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.working = None  # type: ignore[assignment]

    async def commit(self) -> None:
        for name, rows in vars(self.working).items():
            setattr(self.store, name, rows)
        self.store.outbox.extend(self.recorded)
        self.recorded = []
        self.commits += 1

    async def rollback(self) -> None:
        await self.__aenter__()


def _as_stored(item):  # type: ignore[no-untyped-def]
    """The item as the SQL repositories hand it back: its texts' languages in locale order."""
    if isinstance(item, Business):
        return replace(item, profile=in_locale_order(item.profile, BUSINESS_TEXTS))
    if isinstance(item, Offer):
        return in_locale_order(item, OFFER_TEXTS)
    if isinstance(item, Category):
        return in_locale_order(item, CATEGORY_TEXTS)
    return item


class _Rows:
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def get(self, item_id):  # type: ignore[no-untyped-def]
        return self.rows.get(item_id)

    async def list(self):  # type: ignore[no-untyped-def]
        return sorted(self.rows.values(), key=lambda c: (c.position, c.key))

    async def add(self, item) -> None:  # type: ignore[no-untyped-def]
        assert item.id not in self.rows
        self.rows[item.id] = _as_stored(item)

    async def update(self, item) -> None:  # type: ignore[no-untyped-def]
        if item.id in self.rows:  # as SQL's UPDATE: an unknown row stays unknown
            self.rows[item.id] = _as_stored(item)

    async def remove(self, item_id) -> None:  # type: ignore[no-untyped-def]
        self.rows.pop(item_id, None)


class _Categories(_Rows):
    """A key is unique in the tenant, as the database's unique key keeps it."""

    def _refuse_taken_key(self, category: Category) -> None:
        if any(c.key == category.key and c.id != category.id for c in self.rows.values()):
            raise CategoryKeyTaken()

    async def add(self, category: Category) -> None:  # type: ignore[override]
        self._refuse_taken_key(category)
        await super().add(category)

    async def update(self, category: Category) -> None:  # type: ignore[override]
        if category.id in self.rows:
            self._refuse_taken_key(category)
        await super().update(category)


class _Businesses(_Rows):
    def __init__(self, rows: dict, store: FakeDirectoryStore) -> None:
        super().__init__(rows)
        self._store = store

    async def remove(self, business_id) -> None:  # type: ignore[no-untyped-def]
        """With its roles, offers and claims, as the foreign keys cascade."""
        self.rows.pop(business_id, None)
        s = self._store
        for key in [k for k in s.roles if k[0] == business_id]:
            del s.roles[key]
        for rows in (s.offers, s.claims):
            for key in [k for k, v in rows.items() if v.business_id == business_id]:
                del rows[key]

    async def get_by_external_id(self, external_id: str) -> Business | None:
        return next((b for b in self.rows.values() if b.external_id == external_id), None)

    async def add(self, business: Business) -> None:  # type: ignore[override]
        if business.external_id is not None and await self.get_by_external_id(business.external_id):
            raise ExternalIdTaken()  # as the database's unique key does
        await super().add(business)

    def _at(self, business_id, version: int) -> bool:  # type: ignore[no-untyped-def]
        stored = self.rows.get(business_id)
        return stored is not None and stored.version == version

    async def update(self, business: Business, *, expected_version: int) -> bool:  # type: ignore[override]
        if not self._at(business.id, expected_version):
            return False
        self.rows[business.id] = _as_stored(business)
        return True

    async def by_external_ids(self, external_ids) -> dict[str, Business]:  # type: ignore[no-untyped-def]
        """With sorted category ids, as the SQL repository hands them back."""
        wanted = set(external_ids)
        return {
            b.external_id: replace(
                b, profile=replace(b.profile, category_ids=tuple(sorted(b.profile.category_ids)))
            )
            for b in self.rows.values()
            if b.external_id in wanted
        }

    async def add_many(self, businesses) -> None:  # type: ignore[no-untyped-def]
        for business in businesses:
            await self.add(business)

    async def update_many(self, edits) -> bool:  # type: ignore[no-untyped-def]
        if not all(self._at(b.id, expected) for b, expected in edits):
            return False
        for business, _ in edits:
            self.rows[business.id] = _as_stored(business)
        return True


class _Roles:
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def role_of(self, business_id, account_id):  # type: ignore[no-untyped-def]
        return self.rows.get((business_id, account_id))

    async def team(self, business_id):  # type: ignore[no-untyped-def]
        return [(a, f"person {a.int}", r) for (b, a), r in self.rows.items() if b == business_id]

    async def set_role(self, business_id, account_id, role, at) -> None:  # type: ignore[no-untyped-def]
        self.rows[(business_id, account_id)] = role

    async def remove(self, business_id, account_id) -> None:  # type: ignore[no-untyped-def]
        self.rows.pop((business_id, account_id), None)

    async def count_owners(self, business_id) -> int:  # type: ignore[no-untyped-def]
        return sum(1 for (b, _), r in self.rows.items() if b == business_id and r == "owner")


class _Claims(_Rows):
    async def pending_of(self, business_id, account_id):  # type: ignore[no-untyped-def]
        return next(
            (
                c
                for c in self.rows.values()
                if (c.business_id, c.account_id) == (business_id, account_id)
                and c.status is ClaimStatus.PENDING
            ),
            None,
        )

    async def list(self, status):  # type: ignore[no-untyped-def]
        return sorted(
            (c for c in self.rows.values() if status is None or c.status is status),
            key=lambda c: (c.created_at, c.id),
        )


class _Search:
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def put(self, document: SearchDocument) -> None:
        self.rows[(document.kind, document.item_id)] = document

    async def put_many(self, documents) -> None:  # type: ignore[no-untyped-def]
        for document in documents:
            await self.put(document)

    async def remove(self, kind: str, item_id: uuid.UUID) -> None:
        self.rows.pop((kind, item_id), None)


class _Memberships:
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def get(self, account_id):  # type: ignore[no-untyped-def]
        return self.rows.get(account_id)
