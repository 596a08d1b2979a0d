"""`stadtkern tenants ...`: onboarding a city as config as code."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.cli.runtime import (
    apply_tenant_paths,
    fail,
    render_tenant_toml,
    report_problems,
    run_with_services,
    settings_or_exit,
)
from api.services import Services
from domain.errors import InvalidInput
from domain.identity import members
from domain.tenancy.colors import Color
from domain.tenancy.model import (
    BrandColors,
    Branding,
    Feature,
    LegalLinks,
    TenantConfig,
)
from domain.tenancy.onboarding import ChangeKind, TenantConfigPlan

app = typer.Typer(
    help="Onboard and inspect tenants (one TOML file per tenant).", no_args_is_help=True
)

_MARK = {ChangeKind.CREATED: "+", ChangeKind.CHANGED: "~", ChangeKind.UNCHANGED: "="}


def _show_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def print_plan(plan: TenantConfigPlan) -> None:
    for change in plan.changes:
        typer.echo(f"{_MARK[change.kind]} {change.kind.value:<9} {change.slug}  ({change.source})")
        for field in change.fields:
            typer.echo(f"      {field.field}: {_show_value(field.old)} -> {_show_value(field.new)}")
    counts = {kind: sum(c.kind is kind for c in plan.changes) for kind in ChangeKind}
    typer.echo(", ".join(f"{counts[kind]} {kind.value}" for kind in ChangeKind))


@app.command()
def apply(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Tenant files or directories (default: tenants dir)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the diff, apply nothing")
    ] = False,
) -> None:
    """Validate every file, show the diff, then apply all of them or none."""
    settings = settings_or_exit()
    chosen = paths or [Path(settings.tenants_dir)]

    async def work(services: Services) -> TenantConfigPlan:
        return await apply_tenant_paths(services, chosen, dry_run=dry_run)

    plan = run_with_services(settings, work)
    print_plan(plan)
    if dry_run:
        typer.echo("dry run: nothing was applied")
    elif plan.has_changes:
        typer.echo("applied")
    else:
        typer.echo("nothing to change")


@app.command("list")
def list_tenants() -> None:
    """The tenants in the database."""
    settings = settings_or_exit()

    async def work(services: Services) -> list:
        async with services.tenancy_uow() as uow:
            return await uow.tenants.list_all()

    tenants = run_with_services(settings, work)
    if not tenants:
        typer.echo("no tenants yet: write files in tenants/ and run `stadtkern tenants apply`")
        return
    typer.echo(f"{'SLUG':<24} {'STATUS':<10} {'PARENT':<24} {'NAME'}")
    for tenant in tenants:
        config = tenant.config
        typer.echo(
            f"{config.slug:<24} {config.status.value:<10} {config.parent or '-':<24} {config.name}"
        )


@app.command()
def show(slug: Annotated[str, typer.Argument(help="The tenant's slug")]) -> None:
    """One tenant's stored configuration, as a tenant file."""
    settings = settings_or_exit()

    async def work(services: Services):
        async with services.tenancy_uow() as uow:
            return await uow.tenants.get_by_slug(slug)

    tenant = run_with_services(settings, work)
    if tenant is None:
        fail(f"no tenant {slug!r}")
    typer.echo(f"# id: {tenant.id}")
    typer.echo(
        f"# created: {tenant.created_at.isoformat()}  updated: {tenant.updated_at.isoformat()}"
    )
    typer.echo(render_tenant_toml(tenant.config), nl=False)


def _ask(interactive: bool, label: str, given: str | None, default: str) -> str:
    if given is not None:
        return given
    return typer.prompt(label, default=default) if interactive else default


@app.command()
def new(
    slug: Annotated[str, typer.Argument(help="Lower-case letters, digits and dashes")],
    name: Annotated[str | None, typer.Option(help="The platform's name")] = None,
    app_name: Annotated[str | None, typer.Option(help="Short name shown in the app")] = None,
    hostname: Annotated[list[str] | None, typer.Option(help="Own hostname (repeatable)")] = None,
    parent: Annotated[str | None, typer.Option(help="Slug of the parent platform")] = None,
    locale: Annotated[list[str] | None, typer.Option(help="Locale, first is default")] = None,
    timezone: Annotated[str, typer.Option(help="IANA timezone")] = "Europe/Berlin",
    currency: Annotated[str, typer.Option(help="ISO 4217 currency")] = "EUR",
    feature: Annotated[
        list[Feature] | None, typer.Option(help="Enabled feature (repeatable)")
    ] = None,
    primary: Annotated[str | None, typer.Option(help="Primary brand colour #rrggbb")] = None,
    on_primary: Annotated[str, typer.Option(help="Text colour on primary")] = "#ffffff",
    background: Annotated[str, typer.Option(help="Background colour")] = "#ffffff",
    text: Annotated[str, typer.Option(help="Body text colour")] = "#1a1a1a",
    accent: Annotated[str, typer.Option(help="Accent colour")] = "#e0a100",
    imprint_url: Annotated[
        str | None, typer.Option(help="Imprint (Impressum) URL; else a marked placeholder")
    ] = None,
    privacy_url: Annotated[
        str | None, typer.Option(help="Privacy policy URL; else a marked placeholder")
    ] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Where to write")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file")] = False,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive", help="Prompt for missing values (default: on a TTY)"
        ),
    ] = None,
) -> None:
    """Scaffold a valid tenant file, from flags and (on a terminal) prompts."""
    settings = settings_or_exit()
    ask = sys.stdin.isatty() if interactive is None else interactive
    target = (directory or Path(settings.tenants_dir)) / f"{slug}.toml"
    if target.exists() and not force:
        fail(f"{target} exists; use --force to overwrite")
    name = _ask(ask, "Platform name", name, slug.replace("-", " ").title())
    app_name = _ask(ask, "App name", app_name, name[:60])
    primary = _ask(ask, "Primary colour", primary, "#0b4f8a")
    placeholder_urls = {
        "imprint_url": f"https://{slug}.example.org/impressum",
        "privacy_url": f"https://{slug}.example.org/datenschutz",
    }
    legal = {
        "imprint_url": _ask(ask, "Imprint URL", imprint_url, placeholder_urls["imprint_url"]),
        "privacy_url": _ask(ask, "Privacy URL", privacy_url, placeholder_urls["privacy_url"]),
    }
    placeholders = [key for key, url in legal.items() if url == placeholder_urls[key]]
    try:
        config = TenantConfig(
            slug=slug,
            name=name,
            hostnames=tuple(hostname or ()),
            parent=parent,
            locales=tuple(locale or ("de", "en")),
            timezone=timezone,
            currency=currency,
            features=frozenset(feature or ()),
            branding=Branding(
                app_name=app_name,
                colors=BrandColors(
                    primary=Color(primary),
                    on_primary=Color(on_primary),
                    background=Color(background),
                    text=Color(text),
                    accent=Color(accent),
                ),
                legal=LegalLinks(**legal),
            ),
        )
    except ValueError as exc:  # a colour that is no #rrggbb
        fail(str(exc))
    except InvalidInput as exc:
        report_problems(exc, consequence=f"{target} was not written")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        render_tenant_toml(config, placeholders=[f"branding.legal.{k}" for k in placeholders]),
        encoding="utf-8",
    )
    typer.echo(f"wrote {target}; review it, then run `stadtkern tenants apply {target}`")
    for key in placeholders:
        typer.echo(
            f"note: {key} is a placeholder ({legal[key]}), marked in the file: replace it "
            f"before going live (or pass --{key.replace('_', '-')})",
            err=True,
        )


@app.command("invite-admin")
def invite_admin(
    slug: Annotated[str, typer.Argument(help="The tenant's slug")],
    email: Annotated[str, typer.Argument(help="Who becomes admin")],
) -> None:
    """Mail a single-use link that makes EMAIL an admin of the tenant (the first admin)."""
    settings = settings_or_exit()

    async def work(services: Services) -> bool:
        async with services.tenancy_uow() as uow:
            tenant = await uow.tenants.get_by_slug(slug)
        if tenant is None:
            return False
        await members.invite_admin(
            services.tenant_ref(tenant),
            email,
            uow=services.identity_uow(tenant.id),
            ports=services.identity,
        )
        return True

    if not run_with_services(settings, work):
        fail(f"no tenant {slug!r}")
    typer.echo(f"invitation mailed; it works once and expires in 7 days ({slug})")
