"""In-memory fakes of the directory's write ports, for unit tests of its use cases (no I/O).
Like a transaction, a unit of work's writes reach the store only on commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Self

from domain.directory.model import Business, BusinessClaim, Category, ClaimStatus, Offer
from domain.directory.ports import SearchDocument
from domain.identity.model import BusinessRole, Membership


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

    def copy(self) -> FakeDirectoryStore:
        return FakeDirectoryStore(**{name: dict(rows) for name, rows in vars(self).items()})


class FakeDirectoryUnitOfWork:
    def __init__(self, store: FakeDirectoryStore, tenant_id: uuid.UUID) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.commits = 0

    async def __aenter__(self) -> Self:
        self.working = w = self.store.copy()
        self.businesses = _Businesses(w.businesses)
        self.business_roles = _Roles(w.roles)
        self.categories = _Rows(w.categories)
        self.offers = _Rows(w.offers)
        self.claims = _Claims(w.claims)
        self.search_index = _Search(w.search)
        self.memberships = _Memberships(w.memberships)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.working = None  # type: ignore[assignment]

    async def commit(self) -> None:
        for name, rows in vars(self.working).items():
            setattr(self.store, name, rows)
        self.commits += 1

    async def rollback(self) -> None:
        await self.__aenter__()


class _Rows:
    def __init__(self, rows: dict) -> None:
        self.rows = rows

    async def get(self, item_id):  # type: ignore[no-untyped-def]
        return self.rows.get(item_id)

    async def list(self):  # type: ignore[no-untyped-def]
        return sorted(self.rows.values(), key=lambda c: (c.position, c.name))

    async def add(self, item) -> None:  # type: ignore[no-untyped-def]
        assert item.id not in self.rows
        self.rows[item.id] = item

    async def update(self, item) -> None:  # type: ignore[no-untyped-def]
        self.rows[item.id] = item

    async def remove(self, item_id) -> None:  # type: ignore[no-untyped-def]
        self.rows.pop(item_id, None)


class _Businesses(_Rows):
    async def get_by_external_id(self, external_id: str) -> Business | None:
        return next((b for b in self.rows.values() if b.external_id == external_id), None)

    async def update(self, business: Business, *, expected_version: int) -> bool:  # type: ignore[override]
        if self.rows[business.id].version != expected_version:
            return False
        self.rows[business.id] = business
        return True

    async def by_external_ids(self, external_ids) -> dict[str, Business]:  # type: ignore[no-untyped-def]
        wanted = set(external_ids)
        return {b.external_id: b for b in self.rows.values() if b.external_id in wanted}

    async def add_many(self, businesses) -> None:  # type: ignore[no-untyped-def]
        for business in businesses:
            await self.add(business)

    async def update_many(self, edits) -> bool:  # type: ignore[no-untyped-def]
        if any(self.rows[b.id].version != expected for b, expected in edits):
            return False
        for business, _ in edits:
            self.rows[business.id] = business
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
        return [c for c in self.rows.values() if status is None or c.status is status]


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
