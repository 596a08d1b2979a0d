"""`stadtkern db ...`: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.runtime import migrate, on_engine, settings_or_exit

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


def _on_engine(work):  # type: ignore[no-untyped-def]
    return on_engine(settings_or_exit(), work)


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument()] = "head",
    grant_to: Annotated[
        str | None,
        typer.Option(help="PostgreSQL role the API connects as; gets read/write on every table"),
    ] = None,
) -> None:
    """Migrate the schema up to REVISION (default: the newest). Run it as the tables' owner;
    the API should connect as another role (--grant-to), so row-level security binds it."""

    async def work(engine):  # type: ignore[no-untyped-def]
        await migrate.upgrade(engine, revision)
        if grant_to:
            await migrate.grant_to_app_role(engine, grant_to)

    _on_engine(work)
    typer.echo(f"database at {revision}" + (f"; {grant_to} may read and write" if grant_to else ""))


@app.command()
def downgrade(revision: Annotated[str, typer.Argument(help="Target, e.g. base or -1")]) -> None:
    """Migrate the schema down to REVISION."""
    _on_engine(lambda engine: migrate.downgrade(engine, revision))
    typer.echo(f"database at {revision}")


@app.command()
def current() -> None:
    """The schema revision the database is at, and the newest the code knows."""
    revision = _on_engine(migrate.current_revision)
    typer.echo(f"database: {revision or 'empty'}  code: {migrate.head_revision()}")
