"""TenantRepository and TenantLookup: the fakes against SQL."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import async_sessionmaker

from adapters.db.tenancy import SqlTenantRepository, TenantDirectory, TenantRow
from domain.tenancy.errors import HostnameTaken, SlugTaken
from domain.tenancy.model import Tenant
from tests.contracts.conftest import SQL
from tests.contracts.entities import AT, later
from tests.factories import tenant_config
from tests.fakes import DictTenantLookup


def a_slug() -> str:
    return f"c{uuid.uuid4().hex[:10]}"


def a_tenant(slug: str | None = None, **config: Any) -> Tenant:
    return Tenant(uuid.uuid4(), tenant_config(slug or a_slug(), **config), AT, AT)


# TenantRepository ---------------------------------------------------------------------


async def test_an_added_tenant_reads_back_equal(tenants):
    tenant = a_tenant(hostnames=(f"{a_slug()}.example",), features=frozenset({"events"}))
    await tenants.add(tenant)
    assert await tenants.get_by_slug(tenant.slug) == tenant


async def test_an_unknown_slug_finds_no_tenant(tenants):
    assert await tenants.get_by_slug(a_slug()) is None


async def test_a_child_reads_back_with_its_parent(tenants):
    parent = a_tenant()
    child = a_tenant(parent=parent.slug)
    await tenants.add(parent)
    await tenants.add(child)
    found = await tenants.get_by_slug(child.slug)
    assert found is not None and found.config.parent == parent.slug


async def test_tenants_are_listed_by_slug(tenants):
    added = [a_tenant(f"{prefix}{uuid.uuid4().hex[:8]}") for prefix in ("m", "b", "x")]
    for tenant in added:
        await tenants.add(tenant)
    mine = {t.slug for t in added}
    listed = [t.slug for t in await tenants.list_all() if t.slug in mine]
    assert listed == sorted(mine)


async def test_an_updated_tenant_reads_back_with_its_changes(tenants):
    tenant = a_tenant(hostnames=(f"{a_slug()}.example",))
    await tenants.add(tenant)
    changed = dataclasses.replace(
        tenant,
        config=dataclasses.replace(tenant.config, name="Renamed", hostnames=()),
        updated_at=later(5),
    )
    await tenants.update(changed)
    assert await tenants.get_by_slug(tenant.slug) == changed


async def test_a_second_tenant_with_a_taken_slug_is_refused(tenants):
    first = a_tenant()
    await tenants.add(first)
    with pytest.raises(SlugTaken):
        await tenants.add(a_tenant(first.slug))


async def test_a_new_tenant_with_a_taken_hostname_is_refused(tenants):
    host = f"{a_slug()}.example"
    await tenants.add(a_tenant(hostnames=(host,)))
    with pytest.raises(HostnameTaken):
        await tenants.add(a_tenant(hostnames=(host,)))


async def test_a_tenant_changed_to_a_taken_hostname_is_refused(tenants):
    host = f"{a_slug()}.example"
    await tenants.add(a_tenant(hostnames=(host,)))
    other = a_tenant()
    await tenants.add(other)
    with pytest.raises(HostnameTaken):
        await tenants.update(
            dataclasses.replace(other, config=dataclasses.replace(other.config, hostnames=(host,)))
        )


# TenantLookup -------------------------------------------------------------------------

Lookup = Callable[..., Awaitable[Any]]


@pytest.fixture
def fake_lookup_of() -> Lookup:
    async def known(*given: Tenant) -> Any:
        return DictTenantLookup(*given)

    return known


@pytest.fixture
async def sql_lookup_of(contract_sessions: async_sessionmaker) -> AsyncIterator[Lookup]:
    """The tenants are committed (the directory reads in transactions of its own) and
    deleted after the test."""
    written: list[Tenant] = []

    async def stored(*given: Tenant) -> Any:
        async with contract_sessions() as session, session.begin():
            for tenant in given:
                await SqlTenantRepository(session).add(tenant)
        written.extend(given)
        return TenantDirectory(contract_sessions, check_interval=0)

    yield stored
    async with contract_sessions() as session, session.begin():
        await session.execute(delete(TenantRow).where(TenantRow.id.in_([t.id for t in written])))


@pytest.fixture(params=["fake", SQL])
def lookup_of(request: pytest.FixtureRequest) -> Lookup:
    """A TenantLookup that knows the given tenants."""
    return request.getfixturevalue("fake_lookup_of" if request.param == "fake" else "sql_lookup_of")


async def test_a_lookup_finds_a_tenant_by_slug_and_by_each_hostname(lookup_of):
    hosts = (f"{a_slug()}.example", f"www.{a_slug()}.example")
    tenant, other = a_tenant(hostnames=hosts), a_tenant()
    lookup = await lookup_of(tenant, other)
    assert await lookup.by_slug(tenant.slug) == tenant
    assert await lookup.by_hostname(hosts[0]) == tenant
    assert await lookup.by_hostname(hosts[1]) == tenant
    assert await lookup.by_slug(other.slug) == other


async def test_a_lookup_finds_nothing_for_an_unknown_slug_or_hostname(lookup_of):
    tenant = a_tenant(hostnames=(f"{a_slug()}.example",))
    lookup = await lookup_of(tenant)
    assert await lookup.by_slug(a_slug()) is None
    assert await lookup.by_hostname(f"{a_slug()}.example") is None
    # A slug is not a hostname, nor the other way round.
    assert await lookup.by_hostname(tenant.slug) is None
    assert await lookup.by_slug(tenant.config.hostnames[0]) is None
