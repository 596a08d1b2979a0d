"""`stadtkern sync`: the push of tenants' campaigns to their remote parents, run once and
watched."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.runtime import fail, run_with_services, settings_or_exit
from api.handlers import push_to_remote_parents
from api.services import Services
from domain.syndication.remote import is_caught_up

app = typer.Typer(help="Remote parents: push campaigns now, see where each push stands.")


@app.command("push")
def push(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant (slug)")] = None,
) -> None:
    """Push now (a retry that is waiting is due at once), up to the end of each feed."""
    settings = settings_or_exit()

    async def work(services: Services) -> list[str]:
        chosen = [
            t
            for t in await services.tenant_directory.all()
            if t.config.remote_parent is not None and tenant in (None, t.slug)
        ]
        if tenant is not None and not chosen:
            fail(f"{tenant}: no such tenant with a remote_parent")
        lines = []
        for found in chosen:
            await services.remote_push_states.retry_now(found.id)
            while True:
                report = (await push_to_remote_parents(services, only=found.slug))[found.slug]
                if not report.claimed or report.error or report.caught_up:
                    break
            if not report.claimed:
                lines.append(f"{found.slug}: another worker is pushing it now")
            else:
                done = f"{found.slug}: {report.pushed} sent, {report.refused} refused"
                if report.error:
                    lines.append(f"{done}; stopped, tried again later: {report.error}")
                else:
                    lines.append(f"{done}, {report.skipped} passed by; up to date")
        return lines or ["no tenant has a remote_parent"]

    for line in run_with_services(settings, work):
        typer.echo(line)


@app.command("status")
def status() -> None:
    """Each tenant with a remote parent: its cursor and the feed's end, failures, errors."""
    settings = settings_or_exit()

    async def work(services: Services) -> list[str]:
        lines = []
        for tenant in await services.tenant_directory.all():
            remote = tenant.config.remote_parent
            if remote is None:
                continue
            state = await services.remote_push_states.get(tenant.id)
            end = await services.remote_push_states.feed_end(tenant.id)
            cursor = state.cursor if state else None
            behind = "up to date" if is_caught_up(cursor, end) else f"behind (feed at {end})"
            lines.append(f"{tenant.slug} -> {remote.base_url}: cursor {cursor or '-'}, {behind}")
            if state is None:
                continue
            if state.pushed_at:
                lines.append(f"  last sent   {state.pushed_at:%Y-%m-%d %H:%M:%S} UTC")
            if state.failures:
                when = (
                    f"{state.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
                    if state.next_attempt_at
                    else "-"
                )
                lines.append(f"  failing     {state.failures} in a row; next try {when}")
                lines.append(f"  last error  {state.last_error}")
            if state.refusals:
                lines.append(f"  refused     {state.refusals}; last: {state.last_refusal}")
        return lines or ["no tenant has a remote_parent"]

    for line in run_with_services(settings, work):
        typer.echo(line)
