"""`stadtkern worker`: runs outbox handlers and periodic jobs until stopped; `status`."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from api.cli.runtime import run_with_services, settings_or_exit
from api.logs import configure_logging
from api.services import Services

app = typer.Typer(
    help=(
        "Run the worker: handlers of outbox events (mails, later webhooks and pushes) and "
        "periodic jobs, with retries. Run as many as you like on one PostgreSQL."
    ),
    invoke_without_command=True,
)


@app.callback()
def worker(ctx: typer.Context) -> None:
    """Run until SIGTERM or Ctrl-C; a job that started is finished first."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_or_exit()
    configure_logging(settings.log_level)

    async def work(services: Services) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await services.worker.run_forever(stop)

    run_with_services(settings, work)


@app.command("status")
def status() -> None:
    """Jobs pending, running, scheduled and failed, recent errors, the periodic jobs."""
    settings = settings_or_exit()

    async def work(services: Services) -> None:
        now = services.clock.now()
        found = await services.jobs.status(now, services.worker.periodic)
        typer.echo(f"pending    {found.pending:>6}  (due now, waiting for a worker)")
        typer.echo(f"running    {found.running:>6}")
        typer.echo(f"scheduled  {found.scheduled:>6}  (retries and later runs)")
        typer.echo(f"failed     {found.failed:>6}  (gave up; `stadtkern worker retry-failed`)")
        typer.echo(f"done       {found.done_last_hour:>6}  (in the last hour)")
        for name, next_run in found.periodic:
            typer.echo(f"periodic   {name}: next run {next_run:%Y-%m-%d %H:%M:%S} UTC")
        for job_id, handler, error in found.recent_failures:
            typer.echo(f"error      job {job_id} ({handler}): {error}")

    run_with_services(settings, work)


@app.command("retry-failed")
def retry_failed(
    handler: Annotated[str | None, typer.Option(help="Only this handler's jobs")] = None,
) -> None:
    """Give failed jobs a fresh set of attempts, due now."""
    settings = settings_or_exit()

    async def work(services: Services) -> int:
        return await services.jobs.retry_failed(services.clock.now(), handler=handler)

    typer.echo(f"{run_with_services(settings, work)} failed job(s) due again")
