"""`stadtkern campaigns settle` and `stadtkern payments received SLUG FILE`: what the worker
does every minute, by hand; and bank transfers received, from a bank statement or a list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from api.cli.csv_input import decode_lines
from api.cli.runtime import fail, run_with_services, settings_or_exit
from api.handlers import settle_all_tenants
from api.services import Services
from domain.errors import DomainError
from domain.funding import pledges
from domain.funding.transfers import references_in
from domain.identity.model import Person, Role

campaigns_app = typer.Typer(help="Campaigns: their settlement.", no_args_is_help=True)
payments_app = typer.Typer(help="Payments: bank transfers received.", no_args_is_help=True)
# The CLI acts as an operator: it runs where only operators do.
OPERATOR = UUID(int=0)


@campaigns_app.command("settle")
def settle() -> None:
    """Decide campaigns past their end and take every pledge's payment step now (charge,
    release, refund, cancel): safe while workers run, each step happens once."""

    async def work(services: Services) -> str:
        reports = await settle_all_tenants(services)
        if not reports:
            return "no tenant runs campaigns"
        return "\n".join(
            f"{slug}: {r.decided} decided, {r.charged} charged, {r.charge_failures} declined, "
            f"{r.released} released, {r.refunded} refunded, {r.cancelled} cancelled, "
            f"{r.unavailable} provider unavailable, {r.skipped} skipped, {r.errors} errors (logged)"
            for slug, r in reports.items()
        )

    typer.echo(run_with_services(settings_or_exit(), work))


@payments_app.command("received")
def received(
    slug: Annotated[str, typer.Argument(help="The tenant")],
    file: Annotated[
        Path,
        typer.Argument(
            help="A bank statement (CSV, any columns) or a list, one reference per line; "
            "references are found wherever they are quoted"
        ),
    ],
) -> None:
    """Mark the bank transfers these references name as received: each pledge once."""
    try:
        lines, _ = decode_lines(file.read_bytes())
    except OSError as exc:
        fail(f"{file}: cannot be read: {exc.strerror}")
    references = references_in(lines)
    if not references:
        fail(f"{file}: names no transfer reference (SK-XXXXXXXX)")

    async def work(services: Services) -> str:
        tenant = await services.tenant_directory.by_slug(slug)
        if tenant is None:
            fail(f"no tenant {slug!r}")
        operator = Person(tenant.id, OPERATOR, Role.ADMIN, is_operator=True)
        try:
            report = await pledges.mark_transfers_received(
                references, operator, uow=services.funding_uow(tenant), clock=services.clock
            )
        except DomainError as exc:
            fail(str(exc))
        lines = [f"{len(report.received)} received"]
        if report.late:
            lines.append(f"{len(report.late)} received late (refunded unless it succeeded)")
        if report.already:
            lines.append(f"{len(report.already)} already received: {', '.join(report.already)}")
        if report.unknown:
            lines.append(f"{len(report.unknown)} unknown: {', '.join(report.unknown)}")
        return "\n".join(lines)

    typer.echo(run_with_services(settings_or_exit(), work))
