"""`stadtkern businesses import SLUG FILE.csv`: load or update a tenant's businesses."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from api.cli.runtime import fail, run_with_services, settings_or_exit
from api.services import Services
from domain.directory.businesses import ImportedBusiness, import_businesses
from domain.directory.hours import OpeningHours, parse_weekly
from domain.directory.model import Address, BusinessKind, BusinessProfile, Contact, GeoPoint
from domain.errors import DomainError

app = typer.Typer(help="The business directory.", no_args_is_help=True)

COLUMNS = (
    "external_id",
    "name",
    "kind",
    "categories",
    "description",
    "street",
    "postcode",
    "city",
    "lat",
    "lon",
    "phone",
    "email",
    "website_url",
    "shop_url",
    "delivers",
    "delivery_notes",
    "offers_pickup",
    "pickup_notes",
    "opening_hours",
    "image_urls",
    "social_links",
)
REQUIRED = ("external_id", "name", "kind")
BATCH = 500


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def row_to_business(row: dict[str, str]) -> ImportedBusiness:
    """One CSV row; ValueError names what is wrong with it."""
    missing = [c for c in REQUIRED if not (row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    get = lambda c: (row.get(c) or "").strip()  # noqa: E731
    try:
        kind = BusinessKind(get("kind"))
    except ValueError:
        raise ValueError(f"kind {get('kind')!r} is not one of {', '.join(BusinessKind)}") from None
    location = None
    if get("lat") or get("lon"):
        try:
            location = GeoPoint(float(get("lat")), float(get("lon")))
        except ValueError:
            raise ValueError("lat and lon must be numbers") from None
    flags = {}
    for column in ("delivers", "offers_pickup"):
        if get(column).lower() not in ("", "true", "false", "yes", "no", "1", "0", "ja", "nein"):
            raise ValueError(f"{column} {get(column)!r} is not true or false")
        flags[column] = get(column).lower() in ("true", "yes", "1", "ja")
    profile = BusinessProfile(
        name=get("name"),
        kind=kind,
        description=get("description"),
        address=Address(get("street"), get("postcode"), get("city")),
        location=location,
        contact=Contact(get("phone"), get("email")),
        website_url=get("website_url") or None,
        shop_url=get("shop_url") or None,
        delivers=flags["delivers"],
        delivery_notes=get("delivery_notes"),
        offers_pickup=flags["offers_pickup"],
        pickup_notes=get("pickup_notes"),
        image_urls=_list(get("image_urls")),
        social_links=_list(get("social_links")),
        opening_hours=OpeningHours(parse_weekly(get("opening_hours"), "opening_hours")),
    )
    return ImportedBusiness(get("external_id"), profile, _list(get("categories")))


async def run_import(
    services: Services, slug: str, path: Path, *, progress: bool = True
) -> tuple[int, int, list[str]]:
    """(created, updated, problems by line). Good rows load even when others are bad."""
    tenant = await services.tenant_directory.by_slug(slug)
    if tenant is None:
        raise DomainError(f"no tenant {slug!r}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
        if unknown:
            raise DomainError(
                f"unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}"
            )
        rows = [(reader.line_num, row) for row in reader]
    problems: list[str] = []
    good: list[tuple[int, ImportedBusiness]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            business = row_to_business(row)
        except (ValueError, DomainError) as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if business.external_id in seen:
            problems.append(f"line {line}: external_id also on line {seen[business.external_id]}")
            continue
        seen[business.external_id] = line
        good.append((line, business))
    created = updated = 0
    for start in range(0, len(good), BATCH):
        batch = good[start : start + BATCH]
        try:
            c, u = await import_businesses(
                [b for _, b in batch],
                uow=services.directory_uow(tenant),
                clock=services.clock,
                ids=services.ids,
            )
            created, updated = created + c, updated + u
        except DomainError:
            # A batch that breaks a rule in the database is retried row by row, so one bad row
            # costs only itself.
            for line, business in batch:
                try:
                    c, u = await import_businesses(
                        [business],
                        uow=services.directory_uow(tenant),
                        clock=services.clock,
                        ids=services.ids,
                    )
                    created, updated = created + c, updated + u
                except DomainError as exc:
                    problems.append(f"line {line}: {exc}")
        if progress:
            typer.echo(f"  {min(start + BATCH, len(good))}/{len(good)} rows", err=True)
    return created, updated, sorted(problems, key=lambda p: int(p.split()[1].rstrip(":")))


@app.command("import")
def import_command(
    slug: Annotated[str, typer.Argument(help="The tenant's slug")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A UTF-8 CSV file")],
) -> None:
    """Create or update businesses from a CSV, matched by external_id. Columns:
    external_id, name, kind (required); categories (keys joined by |), description, street,
    postcode, city, lat, lon, phone, email, website_url, shop_url, delivers, delivery_notes,
    offers_pickup, pickup_notes, opening_hours ('mo-fr 09:00-18:00; sa 10:00-14:00'),
    image_urls and social_links (joined by |). Bad rows are reported by line; good ones load."""
    settings = settings_or_exit()

    async def work(services: Services) -> tuple[int, int, list[str]]:
        return await run_import(services, slug, file)

    try:
        created, updated, problems = run_with_services(settings, work)
    except DomainError as exc:
        fail(str(exc))
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    typer.echo(f"{created} created, {updated} updated, {len(problems)} bad row(s)")
    if problems:
        raise typer.Exit(1)
