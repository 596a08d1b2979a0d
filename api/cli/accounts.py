"""`stadtkern operators ...` (the platform operator role exists only here) and
`stadtkern keys generate` (signing keys for access tokens)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.runtime import fail, run_with_services, settings_or_exit, signing_key_set
from api.services import Services
from domain.identity import members

operators = typer.Typer(
    help="Platform operators (full access to every tenant).", no_args_is_help=True
)
keys = typer.Typer(help="Signing keys for access tokens.", no_args_is_help=True)


def _set_operator(email: str, value: bool) -> None:
    settings = settings_or_exit()

    async def work(services: Services) -> None:
        await members.set_operator(email, value, uow=services.identity_uow())

    run_with_services(settings, work)


@operators.command("grant")
def grant(email: Annotated[str, typer.Argument(help="An existing account's email")]) -> None:
    """Make an account a platform operator."""
    _set_operator(email, True)
    typer.echo("granted")


@operators.command("revoke")
def revoke(email: Annotated[str, typer.Argument(help="An operator's email")]) -> None:
    """Take the platform operator role away."""
    _set_operator(email, False)
    typer.echo("revoked")


@keys.command("generate")
def generate(
    keep_current: Annotated[
        bool,
        typer.Option(
            "--rotate",
            help="Put the new key first and keep the keys of STADTKERN_JWT_PRIVATE_KEYS after it",
        ),
    ] = False,
) -> None:
    """Print a private JWK set for STADTKERN_JWT_PRIVATE_KEYS. The first key signs; keep an
    old key in the set until the tokens it signed have expired (15 minutes), then drop it."""
    current = ""
    if keep_current:
        current = settings_or_exit().jwt_private_keys
        if not current:
            fail("--rotate needs the current keys in STADTKERN_JWT_PRIVATE_KEYS")
    typer.echo(signing_key_set(keep=current))
