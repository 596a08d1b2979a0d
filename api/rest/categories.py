"""/v1/categories: the tenant's two-level taxonomy (tenant admins manage it)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.auth import SignedInPrincipal
from api.deps import ServicesDep
from api.problems import error_responses
from api.rest.directory_mapping import DirectoryTenant
from api.rest.schemas import directory as schemas
from api.rest.tenancy import TENANT_ERRORS
from domain.directory import categories

router = APIRouter(prefix="/v1/categories", tags=["categories"])
WRITE_ERRORS = TENANT_ERRORS | error_responses(401, 403, 404, 409, 422)


def _input(body: schemas.CategoryIn) -> categories.CategoryInput:
    return categories.CategoryInput(body.key, body.name, body.parent_id, body.position)


@router.get(
    "",
    response_model=list[schemas.CategoryTreeOut],
    responses=TENANT_ERRORS,
    summary="The category tree: top-level categories with their children",
)
async def list_categories(
    tenant: DirectoryTenant, services: ServicesDep
) -> list[schemas.CategoryTreeOut]:
    tree = await categories.list_categories(uow=services.directory_uow(tenant))
    return [
        schemas.CategoryTreeOut(
            **schemas.CategoryOut.model_validate(node.category).model_dump(),
            children=[schemas.CategoryOut.model_validate(c) for c in node.children],
        )
        for node in tree
    ]


@router.post(
    "",
    status_code=201,
    response_model=schemas.CategoryOut,
    responses=WRITE_ERRORS,
    summary="Add a category",
)
async def create(
    body: schemas.CategoryIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
) -> schemas.CategoryOut:
    made = await categories.create_category(
        _input(body), principal, uow=services.directory_uow(tenant), ids=services.ids
    )
    return schemas.CategoryOut.model_validate(made)


@router.put(
    "/{category_id}",
    response_model=schemas.CategoryOut,
    responses=WRITE_ERRORS,
    summary="Change a category",
)
async def update(
    category_id: UUID,
    body: schemas.CategoryIn,
    principal: SignedInPrincipal,
    tenant: DirectoryTenant,
    services: ServicesDep,
) -> schemas.CategoryOut:
    changed = await categories.update_category(
        category_id, _input(body), principal, uow=services.directory_uow(tenant)
    )
    return schemas.CategoryOut.model_validate(changed)


@router.delete(
    "/{category_id}",
    status_code=204,
    response_class=Response,
    responses=WRITE_ERRORS,
    summary="Remove a category (businesses lose it; sub-categories must go first)",
)
async def remove(
    category_id: UUID, principal: SignedInPrincipal, tenant: DirectoryTenant, services: ServicesDep
) -> Response:
    await categories.remove_category(category_id, principal, uow=services.directory_uow(tenant))
    return Response(status_code=204)
