"""Tenant storage on the real database: round trip, constraints, and the routing cache."""

import pytest

from adapters.db.tenancy import TenantDirectory
from domain.tenancy.errors import HostnameTaken
from domain.tenancy.model import Tenant
from tests.conftest import seed_tenants
from tests.factories import branding, tenant_config


async def test_a_stored_tenant_reads_back_equal(services):
    config = tenant_config(
        "leipzig",
        hostnames=("leipzig.example", "kultur.example"),
        features=frozenset({"events", "posts"}),
    )
    await seed_tenants(
        services, tenant_config("parent"), tenant_config("child", parent="parent"), config
    )
    async with services.tenancy_uow() as uow:
        stored = await uow.tenants.get_by_slug("leipzig")
        child = await uow.tenants.get_by_slug("child")
    assert stored is not None and stored.config == config
    assert stored.created_at.tzinfo is not None
    assert child is not None and child.config.parent == "parent"


async def test_the_database_refuses_a_hostname_for_a_second_tenant(services):
    """The use case checks first; the primary key still holds against a racing apply."""
    await seed_tenants(services, tenant_config("leipzig", hostnames=("city.example",)))
    now = services.clock.now()
    intruder = Tenant(
        services.ids.new_id(),
        tenant_config("dresden", hostnames=("city.example",)),
        created_at=now,
        updated_at=now,
    )
    with pytest.raises(HostnameTaken):
        async with services.tenancy_uow() as uow:
            await uow.tenants.add(intruder)
            await uow.commit()
    async with services.tenancy_uow() as uow:
        assert await uow.tenants.get_by_slug("dresden") is None


async def test_the_directory_sees_changes_made_by_another_process(services):
    clock = FakeMonotonic()
    directory = TenantDirectory(services.sessions, check_interval=5.0, monotonic=clock)
    assert await directory.by_slug("leipzig") is None

    # "Another process": a separate unit of work writing straight to the database.
    await seed_tenants(services, tenant_config("leipzig", hostnames=("leipzig.example",)))
    assert await directory.by_slug("leipzig") is None  # within the interval: no query at all
    clock.now += 5.0
    found = await directory.by_hostname("leipzig.example")
    assert found is not None and found.slug == "leipzig"

    await seed_tenants(services, tenant_config("leipzig", branding=branding(primary="#123456")))
    directory.invalidate()
    changed = await directory.by_slug("leipzig")
    assert changed is not None and str(changed.config.branding.colors.primary) == "#123456"
    assert await directory.by_hostname("leipzig.example") is None  # the hostname was dropped


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
