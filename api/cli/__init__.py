"""The `stadtkern` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from api.cli import accounts, businesses, db, funding, sync, tenants, worker
from api.cli.demo_campaigns import seed_demo_campaigns
from api.cli.runtime import (
    apply_tenant_paths,
    fail,
    run_with_services,
    settings_or_exit,
)
from api.handlers import relist_tenant
from api.logs import configure_logging
from api.services import Services

cli = typer.Typer(help="Stadtkern: headless API for white-label city apps.", no_args_is_help=True)
cli.add_typer(tenants.app, name="tenants")
cli.add_typer(db.app, name="db")
cli.add_typer(worker.app, name="worker")
cli.add_typer(businesses.app, name="businesses")
cli.add_typer(funding.campaigns_app, name="campaigns")
cli.add_typer(funding.payments_app, name="payments")
cli.add_typer(accounts.operators, name="operators")
cli.add_typer(accounts.keys, name="keys")
cli.add_typer(sync.app, name="sync")
openapi_app = typer.Typer(help="Committed API contracts.", no_args_is_help=True)
cli.add_typer(openapi_app, name="openapi")
demo_app = typer.Typer(help="Demo content for the demo tenants.", no_args_is_help=True)
cli.add_typer(demo_app, name="demo")


async def seed_demo(services: Services) -> str:
    """Load the demo tenants from the tenants directory (and, as capabilities arrive, their
    demo content). Idempotent."""
    tenants_dir = Path(services.settings.tenants_dir)
    if not tenants_dir.is_dir():
        return f"no {tenants_dir}/ directory: no demo tenants loaded"
    plan = await apply_tenant_paths(services, [tenants_dir], dry_run=False)
    services.tenant_directory.invalidate()
    loaded = [f"{len(plan.changes)} demo tenant(s) from {tenants_dir}/ loaded"]
    # Demo businesses: tenants/demo/<slug>.businesses.csv, imported by external id (again and
    # again without duplicates).
    for path in sorted((tenants_dir / "demo").glob("*.businesses.csv")):
        slug = path.name.removesuffix(".businesses.csv")
        if await services.tenant_directory.by_slug(slug) is None:
            continue
        summary = await businesses.run_import(
            services, slug, businesses.read_import_file(path), progress=False
        )
        loaded.append(
            f"{summary.created} demo business(es) for {slug}, {summary.bad_rows} bad row(s)"
        )
    # Demo campaigns (live, succeeded, failed) for the demo tenants that run campaigns.
    demo_slugs = {change.slug for change in plan.changes}
    for tenant in await services.tenant_directory.all():
        if tenant.slug in demo_slugs:
            made = await seed_demo_campaigns(services, tenant)
            if made:
                loaded.append(f"{made} demo campaign(s) for {tenant.slug}")
                # Listed in its parent at once (the worker would, a moment later).
                await relist_tenant(services, tenant)
    return "; ".join(loaded)


@demo_app.command("seed")
def demo_seed() -> None:
    """Load the demo tenants and their demo content into the configured database."""
    typer.echo(run_with_services(settings_or_exit(), seed_demo))


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="API processes")] = 1,
) -> None:
    """Run the API. On the embedded default (SQLite) it migrates and loads the demo tenants."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    if settings.uses_embedded_database:
        typer.echo(run_with_services(settings, seed_demo), err=True)
    else:
        run_with_services(settings, _schema_is_ready)
    uvicorn.run(
        "api.asgi:build_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # the client address stays the peer's; see STADTKERN_TRUSTED_PROXIES
        server_header=False,
    )


async def _schema_is_ready(_services: Services) -> None:
    return None


@openapi_app.command("export")
def openapi_export(
    out: Annotated[Path, typer.Option(help="Directory to write into")] = Path("openapi"),
) -> None:
    """Write openapi.json (OpenAPI 3.1) and schema.graphql from the code."""
    from api.contracts import graphql_sdl, openapi_document

    settings = settings_or_exit()
    out.mkdir(parents=True, exist_ok=True)
    (out / "openapi.json").write_text(openapi_document(settings), encoding="utf-8")
    (out / "schema.graphql").write_text(graphql_sdl(), encoding="utf-8")
    typer.echo(f"wrote {out / 'openapi.json'} and {out / 'schema.graphql'}")


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        fail("interrupted", code=130)


__all__ = ["cli", "main"]
