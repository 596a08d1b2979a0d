"""What every command needs: settings that stop with one clear line, and a ready database.
The CLI's composition root: the one module of api/cli that imports adapters; commands get
them from here (or through Services)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import migrate
from adapters.db.engine import create_engine
from adapters.jwt_tokens import generate_signing_key, key_set_from_json, key_set_to_json
from adapters.tenant_files import read_tenant_files
from adapters.tenant_files import render_tenant_toml as render_tenant_toml
from api.handlers import relist_tenant
from api.services import Services, build_services
from api.settings import InvalidSettings, Settings, load_settings
from domain.directory.categories import seed_categories
from domain.errors import DomainError, InvalidInput
from domain.syndication import listings
from domain.tenancy.model import Feature, TenantConfig
from domain.tenancy.onboarding import (
    ApplyTenantConfigs,
    ChangeKind,
    TenantConfigPlan,
    apply_tenant_configs,
)

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"stadtkern: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except InvalidSettings as exc:
        fail(str(exc), code=2)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def on_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work(engine)` on an engine of its own: schema commands need no other service."""

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return run(main())
    except (OSError, ConnectionError) as exc:
        fail(f"cannot reach the database: {exc}")


def signing_key_set(keep: str = "") -> str:
    """A private JWK set (JSON): a fresh key first, then the keys of the set `keep`."""
    fresh = [generate_signing_key()]
    if keep:
        fresh += list(key_set_from_json(keep).keys)
    return key_set_to_json(KeySet(fresh))


class SchemaNotReady(RuntimeError):
    """The database is not at the schema this code needs."""


async def ensure_schema(services: Services) -> None:
    """The embedded database migrates itself; any other must be at the head revision."""
    if services.settings.uses_embedded_database:
        await migrate.upgrade(services.engine)
        return
    current, head = await migrate.current_revision(services.engine), migrate.head_revision()
    if current != head:
        raise SchemaNotReady(
            f"the database schema is at {current or 'nothing'}, the code needs {head}: "
            "run `stadtkern db upgrade`"
        )


@asynccontextmanager
async def ready_services(settings: Settings) -> AsyncIterator[Services]:
    services = build_services(settings)
    try:
        await ensure_schema(services)
        yield services
    finally:
        await services.close()


def run_with_services(settings: Settings, work: Any) -> Any:
    """Run `work(services)` on a ready database; operational failures end in one line."""

    async def main() -> Any:
        async with ready_services(settings) as services:
            wrote_jobs = asyncio.Event()
            services.outbox.on_jobs(wrote_jobs.set)
            result = await work(services)
            if wrote_jobs.is_set() and settings.runs_worker_in_process:
                # No separate worker on the embedded default: what this command set off (an
                # invitation's mail, say) runs now rather than at the next `serve`.
                await services.worker.drain()
            return result

    try:
        return run(main())
    except SchemaNotReady as exc:
        fail(str(exc))
    except DomainError as exc:
        report_problems(exc)
    except (OSError, ConnectionError) as exc:
        fail(f"cannot reach the database: {exc}")


async def apply_tenant_paths(
    services: Services, paths: list[Path], *, dry_run: bool
) -> TenantConfigPlan:
    """Read and apply tenant files; InvalidInput lists every problem of every file."""
    configs, problems = read_tenant_files(paths)
    if problems:
        raise InvalidInput(problems)
    plan = await apply_tenant_configs(
        ApplyTenantConfigs(
            tuple(configs), dry_run=dry_run, base_domain=services.settings.base_domain
        ),
        uow=services.tenancy_uow(),
        ids=services.ids,
        clock=services.clock,
    )
    if not dry_run:
        await seed_categories_of(services, [c.config for c in configs])
        await relist_changed(services, plan)
    return plan


async def relist_changed(services: Services, plan: TenantConfigPlan) -> None:
    """A changed parent or mirror policy moves listings: the campaigns of every changed tenant
    and of the tenants below it are listed anew where the tree now says."""
    changed = {c.slug for c in plan.changes if c.kind is not ChangeKind.UNCHANGED}
    tenants = {t.slug: t for t in await services.tenant_directory.all()}
    for tenant in tenants.values():
        tree = {tenant.slug} | {a.slug for a in listings.ancestors(tenant, tenants)}
        if tree & changed and Feature.CAMPAIGNS in tenant.config.features:
            await relist_tenant(services, tenant)


async def seed_categories_of(services: Services, configs: list[TenantConfig]) -> None:
    """The directory taxonomy each tenant file names: missing categories are added, renamed
    ones renamed; categories the tenant's admins added stay."""
    services.tenant_directory.invalidate()
    for config in configs:
        tenant = await services.tenant_directory.by_slug(config.slug)
        if tenant is not None and config.categories:
            await seed_categories(
                config.categories, uow=services.directory_uow(tenant), ids=services.ids
            )


def report_problems(error: DomainError, consequence: str = "nothing was applied") -> NoReturn:
    if isinstance(error, InvalidInput):
        for problem in error.problems:
            typer.echo(f"error: {problem}", err=True)
        fail(f"{len(error.problems)} problem(s); {consequence}")
    fail(str(error))
