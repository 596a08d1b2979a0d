"""`stadtkern businesses import SLUG FILE.csv`: load or update a tenant's businesses."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

import typer

from api.cli.business_rows import (
    RowProblem,
    column_of,
    header_problems,
    read_business_row,
)
from api.cli.csv_input import CsvFile, CsvRow, UnreadableCsv, read_csv
from api.cli.runtime import fail, run_with_services, settings_or_exit
from api.services import Services
from domain.directory.imports import ImportedBusiness, import_businesses
from domain.errors import DomainError
from domain.tenancy.model import Tenant

app = typer.Typer(help="The business directory.", no_args_is_help=True)

BATCH = 1000  # rows per transaction: a few statements each, and progress between them


@dataclass
class ImportSummary:
    encoding: str
    delimiter: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({p.line for p in self.problems})


def read_import_file(path: Path) -> CsvFile:
    """The file's rows, or UnreadableCsv when it cannot be imported at all."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableCsv(f"cannot be read: {exc.strerror}") from None
    csv_file = read_csv(data)
    problems = header_problems(csv_file.columns)
    if problems:
        raise UnreadableCsv("; ".join(problems))
    if not csv_file.rows:
        raise UnreadableCsv("the file has a header but no rows")
    return csv_file


Row = tuple[int, ImportedBusiness, list[RowProblem]]  # line, business, its problems so far


def read_rows(csv_rows: list[CsvRow], first_line: dict[str, int], default_locale: str) -> list[Row]:
    """The rows with the problems of their own fields, and of an external id an earlier row
    has (`first_line` remembers them across batches): such rows are checked against the
    tenant's data but never written. Texts without a language named are in `default_locale`."""
    rows: list[Row] = []
    for row in csv_rows:
        business, field_problems = read_business_row(row.fields, default_locale)
        problems = [RowProblem(row.line, p.field, p.reason) for p in field_problems]
        if row.extra:
            problems.append(RowProblem(row.line, "", f"{row.extra} field(s) beyond the header"))
        if business.external_id:
            earlier = first_line.setdefault(business.external_id, row.line)
            if earlier != row.line:
                problems.append(RowProblem(row.line, "external_id", f"also on line {earlier}"))
        if problems and business.profile is not None:
            business = replace(business, profile=None)
        rows.append((row.line, business, problems))
    return rows


async def _store(
    services: Services, tenant: Tenant, batch: list[Row], summary: ImportSummary
) -> None:
    report = await import_businesses(
        [business for _, business, _ in batch],
        uow=services.directory_uow(tenant),
        clock=services.clock,
        ids=services.ids,
    )
    summary.created += report.created
    summary.updated += report.updated
    summary.unchanged += report.unchanged
    for _, _, problems in batch:
        summary.problems += problems
    for index, problems in report.refused.items():
        line, _, own = batch[index]
        reported = {p.column for p in own}
        summary.problems += [
            RowProblem(line, column_of(p.field), p.reason)
            for p in problems
            if column_of(p.field) not in reported
        ]


async def run_import(
    services: Services, slug: str, csv_file: CsvFile, *, progress: bool = True
) -> ImportSummary:
    """Good rows load even when others are bad; every problem of a bad row is reported."""
    tenant = await services.tenant_directory.by_slug(slug)
    if tenant is None:
        raise DomainError(f"no tenant {slug!r}")
    total = len(csv_file.rows)
    summary = ImportSummary(csv_file.encoding, csv_file.delimiter, total)
    first_line: dict[str, int] = {}
    for start in range(0, total, BATCH):
        # Read batch by batch: a large file's rows never all exist as businesses at once.
        batch = read_rows(
            csv_file.rows[start : start + BATCH], first_line, tenant.config.default_locale
        )
        try:
            await _store(services, tenant, batch, summary)
        except DomainError:
            # A batch that breaks a rule only the database sees (another writer took an
            # external id or edited a business meanwhile) is retried row by row, so one row
            # costs only itself.
            for row in batch:
                try:
                    await _store(services, tenant, [row], summary)
                except DomainError as exc:
                    summary.problems.append(RowProblem(row[0], "", f"not stored: {exc}"))
        if progress:
            typer.echo(f"  {start + len(batch)}/{total} rows", err=True)
    summary.problems.sort(key=RowProblem.order)
    return summary


@app.command("import")
def import_command(
    slug: Annotated[str, typer.Argument(help="The tenant's slug")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CSV file")],
) -> None:
    """Create or update businesses from a CSV, matched by external_id. Columns:
    external_id, name, kind (required); categories (keys joined by |), description, street,
    postcode, city, lat, lon, phone, email, website_url, shop_url, delivers, delivery_notes,
    offers_pickup, pickup_notes, opening_hours ('mo-fr 09:00-18:00; sa 10:00-14:00'),
    image_urls and social_links (joined by |). description, delivery_notes and pickup_notes
    are in the tenant's first language; description.en (and so on) in another of its
    languages. UTF-8 (with or without BOM) or Windows-1252; commas or semicolons. Every
    problem of a bad row is reported by line and column; good rows load. Exit code 1 when a
    row was bad, 2 when the file could not be read at all."""
    settings = settings_or_exit()
    try:
        csv_file = read_import_file(file)
    except UnreadableCsv as exc:
        fail(f"{file}: {exc}; nothing was imported", code=2)
    separated = "" if csv_file.delimiter == "," else f", fields separated by {csv_file.delimiter!r}"
    typer.echo(f"{file}: read as {csv_file.encoding}{separated}")

    async def work(services: Services) -> ImportSummary:
        return await run_import(services, slug, csv_file)

    summary = run_with_services(settings, work)
    for problem in summary.problems:
        typer.echo(f"error: {problem}", err=True)
    typer.echo(
        f"{summary.rows} row(s): {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.bad_rows} bad"
    )
    if summary.problems:
        raise typer.Exit(1)
