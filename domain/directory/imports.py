"""Importing businesses in bulk (the CLI's CSV import and demo content): by external id, with
the same rules as registering and editing one business."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from domain.directory.businesses import MAX_EXTERNAL_ID, search_document
from domain.directory.events import BusinessEdited, BusinessRegistered
from domain.directory.model import (
    BUSINESS_TEXTS,
    Business,
    BusinessProfile,
    category_id_problems,
    in_locale_order,
    localized_problems,
    text_problems,
)
from domain.directory.ports import DirectoryUnitOfWork
from domain.errors import FieldProblem, StaleVersion
from domain.ports import Clock, IdGenerator


@dataclass(frozen=True)
class ImportedBusiness:
    """One row of an import: the importer's id, and the profile with categories by key.
    `profile` is None when the row's own fields were refused: the row is still checked against
    the tenant's data, so all its problems are reported at once, and it is never written."""

    external_id: str
    profile: BusinessProfile | None
    category_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    refused: dict[int, list[FieldProblem]]  # the problems of rows, by position in the import


def _import_problems(
    row: ImportedBusiness, by_key: dict[str, UUID], taken: set[str], locales: Sequence[str]
) -> tuple[list[FieldProblem], tuple[UUID, ...]]:
    """What keeps a row out of the tenant, besides its own fields (texts in languages the
    tenant lacks, too); and its category ids."""
    problems = text_problems(row.external_id, "external_id", min_len=1, max_len=MAX_EXTERNAL_ID)
    if row.profile is not None:
        problems += localized_problems(row.profile, BUSINESS_TEXTS, locales)
    if row.external_id in taken:
        problems.append(FieldProblem("external_id", "appears twice in this import"))
    unknown = [k for k in row.category_keys if k not in by_key]
    if unknown:
        listed = ", ".join(repr(k) for k in unknown)
        problems.append(FieldProblem("category_keys", f"no category {listed} in this tenant"))
    # Sorted, as the repository hands them back: an unchanged row then compares equal.
    category_ids = tuple(sorted(by_key[k] for k in row.category_keys if k in by_key))
    problems += category_id_problems(category_ids)
    return problems, category_ids


async def import_businesses(
    rows: Sequence[ImportedBusiness],
    *,
    uow: DirectoryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> ImportReport:
    """Create or update businesses by external id, in one transaction (the CLI's batch), with
    the same rules as registering and editing one. Moderation state and teams stay as they are;
    unchanged rows are left alone. Rows with problems are refused, the others written."""
    now = clock.now()
    refused: dict[int, list[FieldProblem]] = {}
    ready: list[tuple[str, BusinessProfile]] = []
    async with uow:
        known = await uow.categories.list()
        by_key = {c.key: c.id for c in known}
        taken: set[str] = set()
        for index, row in enumerate(rows):
            problems, category_ids = _import_problems(row, by_key, taken, uow.locales)
            if row.profile is not None:
                taken.add(row.external_id)
            if problems:
                refused[index] = problems
            elif row.profile is not None:
                profile = in_locale_order(row.profile, BUSINESS_TEXTS)
                ready.append((row.external_id, replace(profile, category_ids=category_ids)))
        current = await uow.businesses.by_external_ids([external_id for external_id, _ in ready])
        new: list[Business] = []
        edits: list[tuple[Business, int]] = []
        for external_id, profile in ready:
            found = current.get(external_id)
            if found is None:
                new.append(
                    Business(
                        id=ids.new_id(),
                        tenant_id=uow.tenant_id,
                        profile=profile,
                        created_at=now,
                        updated_at=now,
                        external_id=external_id,
                    )
                )
            else:
                # Uploaded images are attached through the API, never by a file: kept.
                profile = replace(profile, image_ids=found.profile.image_ids)
                if found.profile != profile:
                    edits.append((found.edited(profile, now), found.version))
        await uow.businesses.add_many(new)
        if not await uow.businesses.update_many(edits):
            raise StaleVersion()
        names = {c.id: c.name for c in known}
        changed = [*new, *(business for business, _ in edits)]
        await uow.search_index.put_many([search_document(b, names, uow.locales) for b in changed])
        for business in new:
            uow.record(
                BusinessRegistered(
                    tenant_id=uow.tenant_id,
                    business_id=business.id,
                    external_id=business.external_id,
                )
            )
        for business, _ in edits:
            uow.record(
                BusinessEdited(
                    tenant_id=uow.tenant_id, business_id=business.id, version=business.version
                )
            )
        await uow.commit()
    return ImportReport(len(new), len(edits), len(ready) - len(changed), refused)
