"""Applying tenant files: plan, validation across tenants, all or nothing (fakes, no I/O)."""

from dataclasses import replace

import pytest

from domain.errors import InvalidInput
from domain.tenancy.onboarding import (
    ApplyTenantConfigs,
    ChangeKind,
    SourcedConfig,
    apply_tenant_configs,
)
from tests.factories import branding, tenant_config
from tests.fakes import FakeUnitOfWork, FixedClock, SequentialIds, stored


def files(*configs):  # type: ignore[no-untyped-def]
    return tuple(SourcedConfig(f"tenants/{c.slug}.toml", c) for c in configs)


async def apply(uow, *configs, dry_run=False):  # type: ignore[no-untyped-def]
    return await apply_tenant_configs(
        ApplyTenantConfigs(files(*configs), dry_run=dry_run),
        uow=uow,
        ids=SequentialIds(),
        clock=FixedClock(),
    )


async def test_new_tenants_are_created_and_committed():
    uow = FakeUnitOfWork()
    plan = await apply(uow, tenant_config("leipzig"), tenant_config("dresden"))
    assert [c.kind for c in plan.changes] == [ChangeKind.CREATED, ChangeKind.CREATED]
    assert sorted(uow.committed.rows) == ["dresden", "leipzig"]
    assert uow.commits == 1


async def test_dry_run_shows_the_plan_and_writes_nothing():
    uow = FakeUnitOfWork()
    plan = await apply(uow, tenant_config("leipzig"), dry_run=True)
    assert plan.changes[0].kind is ChangeKind.CREATED
    assert uow.committed.rows == {} and uow.commits == 0


async def test_changed_fields_are_listed_by_dotted_name_with_old_and_new_values():
    before = tenant_config("leipzig")
    uow = FakeUnitOfWork([stored(before)])
    after = replace(before, name="Leipzig neu", branding=branding(primary="#123456"))
    plan = await apply(uow, after)
    change = plan.changes[0]
    assert change.kind is ChangeKind.CHANGED
    assert {(f.field, f.old, f.new) for f in change.fields} == {
        ("name", "Leipzig Platform", "Leipzig neu"),
        ("branding.colors.primary", "#0b4f8a", "#123456"),
    }
    assert uow.committed.rows["leipzig"].config == after
    assert uow.committed.rows["leipzig"].id == stored(before).id


async def test_applying_the_same_files_again_changes_nothing():
    config = tenant_config("leipzig")
    uow = FakeUnitOfWork([stored(config)])
    plan = await apply(uow, config)
    assert plan.changes[0].kind is ChangeKind.UNCHANGED
    assert not plan.has_changes and uow.commits == 0


async def test_unknown_parent_is_refused_and_nothing_is_written():
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput) as caught:
        await apply(uow, tenant_config("ok"), tenant_config("child", parent="nowhere"))
    problem = caught.value.problems[0]
    assert (problem.source, problem.field) == ("tenants/child.toml", "parent")
    assert uow.committed.rows == {}


async def test_a_parent_in_the_same_batch_is_written_before_its_child():
    uow = FakeUnitOfWork()
    # The fake repository refuses a child whose parent is not there yet.
    await apply(uow, tenant_config("a-child", parent="z-parent"), tenant_config("z-parent"))
    assert uow.committed.rows["a-child"].config.parent == "z-parent"


async def test_parent_cycles_are_refused():
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput) as caught:
        await apply(uow, tenant_config("one", parent="two"), tenant_config("two", parent="one"))
    assert {p.field for p in caught.value.problems} == {"parent"}


async def test_a_hostname_taken_by_a_stored_tenant_is_refused_naming_the_owner():
    uow = FakeUnitOfWork([stored(tenant_config("leipzig", hostnames=("city.example",)))])
    with pytest.raises(InvalidInput) as caught:
        await apply(uow, tenant_config("dresden", hostnames=("city.example",)))
    problem = caught.value.problems[0]
    assert problem.source == "tenants/dresden.toml" and "'leipzig'" in problem.reason


async def test_the_same_hostname_in_two_files_is_refused():
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidInput):
        await apply(
            uow,
            tenant_config("aa", hostnames=("city.example",)),
            tenant_config("bb", hostnames=("city.example",)),
        )
    assert uow.committed.rows == {}


async def test_a_hostname_can_move_between_tenants_in_one_apply():
    uow = FakeUnitOfWork([stored(tenant_config("old", hostnames=("city.example",)))])
    await apply(uow, tenant_config("old"), tenant_config("new", hostnames=("city.example",)))
    assert uow.committed.rows["new"].config.hostnames == ("city.example",)


async def test_one_slug_in_two_files_is_refused():
    uow = FakeUnitOfWork()
    twin = tenant_config("leipzig")
    with pytest.raises(InvalidInput) as caught:
        await apply_tenant_configs(
            ApplyTenantConfigs((SourcedConfig("a.toml", twin), SourcedConfig("b.toml", twin))),
            uow=uow,
            ids=SequentialIds(),
            clock=FixedClock(),
        )
    assert caught.value.problems[0].source == "b.toml"


async def test_an_own_hostname_under_the_base_domain_is_refused_naming_file_and_field():
    """kulturnetz answers on kulturnetz.city.example: no other tenant may claim that name, nor
    any name under the base domain (a tenant created later would be shadowed)."""
    uow = FakeUnitOfWork([stored(tenant_config("kulturnetz"))])
    thief = tenant_config("thief", hostnames=("thief.example", "kulturnetz.city.example"))
    squatter = tenant_config("squatter", hostnames=("future.city.example", "city.example"))
    with pytest.raises(InvalidInput) as caught:
        await apply_tenant_configs(
            ApplyTenantConfigs(files(thief, squatter), base_domain="city.example"),
            uow=uow,
            ids=SequentialIds(),
            clock=FixedClock(),
        )
    assert [(p.source, p.field) for p in caught.value.problems] == [
        ("tenants/thief.toml", "hostnames[1]"),
        ("tenants/squatter.toml", "hostnames[0]"),
        ("tenants/squatter.toml", "hostnames[1]"),
    ]
    assert "kulturnetz.city.example" in str(caught.value)
    assert uow.commits == 0
