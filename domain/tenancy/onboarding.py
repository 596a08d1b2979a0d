"""Config as code: plan the changes a set of tenant files makes, then apply all or nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum, StrEnum

from domain.errors import FieldProblem, InvalidInput
from domain.ports import Clock, IdGenerator
from domain.tenancy.colors import Color
from domain.tenancy.model import Tenant, TenantConfig
from domain.tenancy.ports import TenancyUnitOfWork


@dataclass(frozen=True)
class SourcedConfig:
    """A tenant config and where it was read from, so errors can name the file."""

    source: str
    config: TenantConfig


class ChangeKind(StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class TenantChange:
    slug: str
    source: str
    kind: ChangeKind
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class TenantConfigPlan:
    changes: tuple[TenantChange, ...]

    @property
    def has_changes(self) -> bool:
        return any(c.kind is not ChangeKind.UNCHANGED for c in self.changes)


@dataclass(frozen=True)
class ApplyTenantConfigs:
    configs: tuple[SourcedConfig, ...]
    dry_run: bool = False
    base_domain: str | None = None  # tenants answer on {slug}.{base domain}: no own host there


def config_fields(config: TenantConfig) -> dict[str, object]:
    """The config flattened to dotted field names with plain values, for diffs and display."""
    flat: dict[str, object] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, Color):
            flat[prefix] = str(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(f"{prefix}.{f.name}" if prefix else f.name, getattr(value, f.name))
        elif isinstance(value, Enum):
            flat[prefix] = value.value
        elif isinstance(value, frozenset):
            flat[prefix] = sorted(str(v) for v in value)
        elif isinstance(value, tuple):
            flat[prefix] = list(value)
        else:
            flat[prefix] = value

    walk("", config)
    return flat


def plan_tenant_configs(
    incoming: tuple[SourcedConfig, ...], existing: list[Tenant], base_domain: str | None = None
) -> TenantConfigPlan:
    """What applying `incoming` over `existing` changes; InvalidInput names every rule broken."""
    problems = _cross_tenant_problems(incoming, existing)
    if base_domain:
        problems += _base_domain_problems(incoming, base_domain)
    if problems:
        raise InvalidInput(problems)
    current = {t.slug: t.config for t in existing}
    changes = []
    for item in incoming:
        before = current.get(item.config.slug)
        if before is None:
            changes.append(TenantChange(item.config.slug, item.source, ChangeKind.CREATED))
            continue
        old, new = config_fields(before), config_fields(item.config)
        diff = tuple(
            FieldChange(name, old.get(name), new.get(name))
            for name in sorted(old.keys() | new.keys())
            if old.get(name) != new.get(name)
        )
        kind = ChangeKind.CHANGED if diff else ChangeKind.UNCHANGED
        changes.append(TenantChange(item.config.slug, item.source, kind, diff))
    return TenantConfigPlan(tuple(changes))


def _cross_tenant_problems(
    incoming: tuple[SourcedConfig, ...], existing: list[Tenant]
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    seen_slugs: dict[str, str] = {}
    for item in incoming:
        slug = item.config.slug
        if slug in seen_slugs:
            problems.append(
                FieldProblem("slug", f"{slug!r} is also defined in {seen_slugs[slug]}", item.source)
            )
        seen_slugs.setdefault(slug, item.source)

    # The world after the apply: stored tenants, overridden by the incoming files.
    after = {t.slug: t.config for t in existing}
    after.update({item.config.slug: item.config for item in incoming})
    sources = {item.config.slug: item.source for item in incoming}

    claimants: dict[str, list[str]] = {}
    for slug in sorted(after):
        for host in after[slug].hostnames:
            claimants.setdefault(host, []).append(slug)
    stored_owner = {host: t.slug for t in existing for host in t.config.hostnames}
    for host, slugs in claimants.items():
        if len(slugs) < 2:
            continue
        owner = stored_owner.get(host) if stored_owner.get(host) in slugs else slugs[0]
        for slug in slugs:
            if slug != owner and slug in sources:
                problems.append(
                    FieldProblem(
                        "hostnames", f"{host!r} is already used by tenant {owner!r}", sources[slug]
                    )
                )

    for item in incoming:
        parent = item.config.parent
        if parent is None:
            continue
        if parent not in after:
            problems.append(FieldProblem("parent", f"unknown tenant {parent!r}", item.source))
        elif _has_parent_cycle(item.config.slug, after):
            problems.append(
                FieldProblem("parent", f"{parent!r} leads back to this tenant", item.source)
            )
    return problems


def _base_domain_problems(
    incoming: tuple[SourcedConfig, ...], base_domain: str
) -> list[FieldProblem]:
    """Names under the base domain are the tenants' subdomains ({slug}.{base domain}): an own
    hostname there could take over another tenant's, today or once that tenant exists."""
    problems = []
    for item in incoming:
        for i, host in enumerate(item.config.hostnames):
            if host == base_domain or host.endswith("." + base_domain):
                problems.append(
                    FieldProblem(
                        f"hostnames[{i}]",
                        f"{host!r} is under the base domain {base_domain!r}, where every tenant "
                        "already answers as {slug}." + base_domain,
                        item.source,
                    )
                )
    return problems


def _has_parent_cycle(slug: str, configs: dict[str, TenantConfig]) -> bool:
    seen = {slug}
    current = configs[slug].parent
    while current is not None and current in configs:
        if current in seen:
            return True
        seen.add(current)
        current = configs[current].parent
    return False


async def apply_tenant_configs(
    cmd: ApplyTenantConfigs, *, uow: TenancyUnitOfWork, ids: IdGenerator, clock: Clock
) -> TenantConfigPlan:
    """Validate every config against the others and the stored ones, then write all or none."""
    async with uow:
        existing = await uow.tenants.list_all()
        plan = plan_tenant_configs(cmd.configs, existing, cmd.base_domain)
        if cmd.dry_run or not plan.has_changes:
            return plan
        stored = {t.slug: t for t in existing}
        by_slug = {item.config.slug: item.config for item in cmd.configs}
        now = clock.now()
        # Parents are written before their children so references always resolve.
        for change in sorted(plan.changes, key=lambda c: _depth(c.slug, by_slug, stored)):
            config = by_slug[change.slug]
            if change.kind is ChangeKind.CREATED:
                await uow.tenants.add(Tenant(ids.new_id(), config, created_at=now, updated_at=now))
            elif change.kind is ChangeKind.CHANGED:
                previous = stored[change.slug]
                await uow.tenants.update(
                    dataclasses.replace(previous, config=config, updated_at=now)
                )
        await uow.commit()
    return plan


def _depth(slug: str, incoming: dict[str, TenantConfig], stored: dict[str, Tenant]) -> int:
    depth, current = 0, slug
    while depth < 100:
        config = incoming.get(current) or (stored[current].config if current in stored else None)
        if config is None or config.parent is None:
            return depth
        depth, current = depth + 1, config.parent
    return depth
