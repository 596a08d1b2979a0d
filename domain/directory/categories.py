"""The tenant's category taxonomy: two levels, managed by tenant admins, seeded from the
tenant file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from domain.directory.errors import CategoryInUse, CategoryKeyTaken, CategoryNotFound
from domain.directory.model import CATEGORY_TEXTS, Category, require_tenant_languages
from domain.directory.ports import DirectoryUnitOfWork
from domain.errors import FieldProblem, InvalidInput
from domain.identity.model import Principal, Role
from domain.identity.policies import require_member
from domain.languages import LocalizedText
from domain.ports import IdGenerator
from domain.tenancy.model import MAX_CATEGORIES, CategorySeed


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    children: tuple[Category, ...]


def as_tree(categories: list[Category]) -> list[CategoryNode]:
    ordered = sorted(categories, key=lambda c: (c.position, c.key))
    return [
        CategoryNode(top, tuple(c for c in ordered if c.parent_id == top.id))
        for top in ordered
        if top.parent_id is None
    ]


def _check_parent(parent: Category | None, parent_id: UUID | None) -> None:
    if parent_id is None:
        return
    if parent is None:
        raise CategoryNotFound("the parent category does not exist")
    if parent.parent_id is not None:
        raise InvalidInput([FieldProblem("parent_id", "categories have two levels only")])


async def list_categories(*, uow: DirectoryUnitOfWork) -> list[CategoryNode]:
    async with uow:
        return as_tree(await uow.categories.list())


@dataclass(frozen=True)
class CategoryInput:
    key: str
    name: LocalizedText
    parent_id: UUID | None = None
    position: int = 0


async def create_category(
    cmd: CategoryInput, principal: Principal, *, uow: DirectoryUnitOfWork, ids: IdGenerator
) -> Category:
    require_member(principal, Role.ADMIN)
    category = Category(ids.new_id(), uow.tenant_id, cmd.key, cmd.name, cmd.parent_id, cmd.position)
    require_tenant_languages(category, CATEGORY_TEXTS, uow.locales)
    async with uow:
        existing = await uow.categories.list()
        if len(existing) >= MAX_CATEGORIES:
            raise InvalidInput(
                [FieldProblem("key", f"a tenant has at most {MAX_CATEGORIES} categories")]
            )
        if any(c.key == cmd.key for c in existing):
            raise CategoryKeyTaken()
        _check_parent(next((c for c in existing if c.id == cmd.parent_id), None), cmd.parent_id)
        await uow.categories.add(category)
        await uow.commit()
    return category


async def update_category(
    category_id: UUID, cmd: CategoryInput, principal: Principal, *, uow: DirectoryUnitOfWork
) -> Category:
    require_member(principal, Role.ADMIN)
    async with uow:
        existing = await uow.categories.list()
        current = next((c for c in existing if c.id == category_id), None)
        if current is None:
            raise CategoryNotFound()
        if any(c.key == cmd.key and c.id != category_id for c in existing):
            raise CategoryKeyTaken()
        if cmd.parent_id == category_id:
            raise InvalidInput([FieldProblem("parent_id", "a category cannot be its own parent")])
        _check_parent(next((c for c in existing if c.id == cmd.parent_id), None), cmd.parent_id)
        if cmd.parent_id is not None and any(c.parent_id == category_id for c in existing):
            raise CategoryInUse("a category with sub-categories stays at the top level")
        updated = replace(
            current,
            key=cmd.key,
            name=cmd.name,
            parent_id=cmd.parent_id,
            position=cmd.position,
        )
        require_tenant_languages(updated, CATEGORY_TEXTS, uow.locales)
        await uow.categories.update(updated)
        await uow.commit()
    return updated


async def remove_category(
    category_id: UUID, principal: Principal, *, uow: DirectoryUnitOfWork
) -> None:
    """Businesses lose the category; a category with sub-categories must be emptied first."""
    require_member(principal, Role.ADMIN)
    async with uow:
        existing = await uow.categories.list()
        if not any(c.id == category_id for c in existing):
            raise CategoryNotFound()
        if any(c.parent_id == category_id for c in existing):
            raise CategoryInUse()
        await uow.categories.remove(category_id)
        await uow.commit()


async def seed_categories(
    seeds: tuple[CategorySeed, ...], *, uow: DirectoryUnitOfWork, ids: IdGenerator
) -> int:
    """Add the file's categories that the tenant lacks (by key) and rename changed ones (in
    every language the file names); categories admins added stay. Returns how many were added
    or changed. The tenant file's rules (TenantConfig) hold its names to the tenant's
    languages."""
    changed = 0
    async with uow:
        by_key = {c.key: c for c in await uow.categories.list()}
        for position, seed in enumerate(sorted(seeds, key=lambda s: s.parent is not None)):
            parent_id = by_key[seed.parent].id if seed.parent else None
            name = seed.names(uow.locales)
            current = by_key.get(seed.key)
            if current is None:
                category = Category(
                    ids.new_id(), uow.tenant_id, seed.key, name, parent_id, position
                )
                await uow.categories.add(category)
                by_key[seed.key] = category
                changed += 1
            elif (current.name.as_dict(), current.parent_id) != (name.as_dict(), parent_id):
                await uow.categories.update(replace(current, name=name, parent_id=parent_id))
                changed += 1
        await uow.commit()
    return changed
