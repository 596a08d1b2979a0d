"""/v1/categories: the tenant's two-level taxonomy (tenant admins manage it)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.auth import SignedInPrincipal
from api.deps import ServicesDep
from api.directory_input import text_of
from api.languages import Language, RequestLanguage
from api.problem_catalog import problems
from api.rest.directory_mapping import DirectoryTenant, category_detail_out, category_out
from api.rest.schemas import directory as schemas
from domain.directory import categories
from domain.directory.errors import CategoryInUse, CategoryKeyTaken, CategoryNotFound, FeatureOff
from domain.identity.errors import AccountRequired, RoleRequired

router = APIRouter(prefix="/v1/categories", tags=["categories"])
ADMIN_REFUSALS = (FeatureOff, AccountRequired, RoleRequired)


def _input(body: schemas.CategoryIn, language: Language) -> categories.CategoryInput:
    name = text_of(body.name, language.writing)
    return categories.CategoryInput(body.key, name, body.parent_id, body.position)


@router.get(
    "",
    response_model=list[schemas.CategoryTreeOut],
    responses=problems(FeatureOff),
    summary="The category tree: top-level categories with their children",
)
async def list_categories(
    tenant: DirectoryTenant, services: ServicesDep, language: RequestLanguage
) -> list[schemas.CategoryTreeOut]:
    tree = await categories.list_categories(uow=services.directory_uow(tenant))
    return [
        schemas.CategoryTreeOut(
            **category_out(node.category, language).model_dump(),
            children=[category_out(c, language) for c in node.children],
        )
        for node in tree
    ]


@router.post(
    "",
    status_code=201,
    response_model=schemas.CategoryDetailOut,
    responses=problems(*ADMIN_REFUSALS, CategoryKeyTaken, CategoryNotFound),
    summary="Add a category",
)
async def create_category(
    body: schemas.CategoryIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> schemas.CategoryDetailOut:
    made = await categories.create_category(
        _input(body, language), principal, uow=services.directory_uow(tenant), ids=services.ids
    )
    return category_detail_out(made, language)


@router.put(
    "/{category_id}",
    response_model=schemas.CategoryDetailOut,
    responses=problems(*ADMIN_REFUSALS, CategoryNotFound, CategoryKeyTaken, CategoryInUse),
    summary="Change a category (all of it: its name in the languages given)",
)
async def update_category(
    category_id: UUID,
    body: schemas.CategoryIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
    language: RequestLanguage,
) -> schemas.CategoryDetailOut:
    changed = await categories.update_category(
        category_id, _input(body, language), principal, uow=services.directory_uow(tenant)
    )
    return category_detail_out(changed, language)


@router.delete(
    "/{category_id}",
    status_code=204,
    response_class=Response,
    responses=problems(*ADMIN_REFUSALS, CategoryNotFound, CategoryInUse),
    summary="Remove a category (businesses lose it; sub-categories must go first)",
)
async def remove_category(
    category_id: UUID, principal: SignedInPrincipal, tenant: DirectoryTenant, services: ServicesDep
) -> Response:
    await categories.remove_category(category_id, principal, uow=services.directory_uow(tenant))
    return Response(status_code=204)
