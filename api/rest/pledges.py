"""/v1/pledges: a backer's pledges, confirming a card, and refunds (tenant admins)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.auth import SignedInPrincipal
from api.deps import ServicesDep
from api.funding_input import RefundIn
from api.problem_catalog import problems
from api.rest.campaigns import REFUSALS, Cursor, FundingTenant, IdempotencyKey, pledge_document
from api.rest.responses import json_document
from api.rest.schemas import funding as schemas
from domain.errors import FeatureOff, FieldProblem, InvalidInput, StaleVersion
from domain.funding import pledges, refunds
from domain.funding.errors import (
    CardNotReplaceable,
    IdempotencyKeyReused,
    PaymentNotConfirmed,
    PaymentsUnavailable,
    PledgeNotFound,
    RefundNotFound,
    RefundTooLarge,
    TransitionNotAllowed,
)

router = APIRouter(prefix="/v1/pledges", tags=["pledges"])


@router.get(
    "",
    response_model=schemas.PledgePage,
    responses=problems(FeatureOff, *REFUSALS),
    summary="Your pledges, newest first",
)
async def my_pledges(
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=pledges.MAX_PAGE)] = 20,
    cursor: Cursor = None,
) -> Response:
    ledgers = [(home, services.funding_uow(home)) for home in await services.ledgers(tenant)]
    items, next_cursor = await pledges.my_pledges_on(principal, ledgers, limit=limit, cursor=cursor)
    return json_document(
        {
            "items": [pledge_document(p, principal, home) for home, p in items],
            "next_cursor": next_cursor,
        }
    )


@router.get(
    "/{pledge_id}",
    response_model=schemas.PledgeOut,
    responses=problems(FeatureOff, PledgeNotFound),
    summary="One pledge, with how to pay it (its backer, moderators)",
)
async def get_pledge(
    pledge_id: UUID, principal: SignedInPrincipal, tenant: FundingTenant, services: ServicesDep
) -> Response:
    home = await services.pledge_home(tenant, pledge_id, principal)
    pledge = await pledges.view_pledge(pledge_id, principal, uow=services.funding_uow(home))
    response = json_document(pledge_document(pledge, principal, home))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(
    "/{pledge_id}/confirm",
    response_model=schemas.PledgeOut,
    responses=problems(
        FeatureOff, PledgeNotFound, PaymentNotConfirmed, PaymentsUnavailable, StaleVersion
    ),
    summary="After the backer's app confirmed the card (Stripe.js): the pledge is secured "
    "(keep-it-all: charged at once). Stripe's webhook does the same; either may come first",
)
async def confirm_pledge(
    pledge_id: UUID, principal: SignedInPrincipal, tenant: FundingTenant, services: ServicesDep
) -> Response:
    home = await services.pledge_home(tenant, pledge_id, principal)
    uow = services.funding_uow(home)
    gateways = services.payment_gateways(home)
    pledge = await pledges.confirm_pledge(
        pledge_id, principal, uow=uow, gateways=gateways, clock=services.clock, ids=services.ids
    )
    return json_document(pledge_document(pledge, principal, home))


@router.post(
    "/{pledge_id}/card",
    response_model=schemas.PledgeOut,
    responses=problems(
        FeatureOff, PledgeNotFound, CardNotReplaceable, PaymentsUnavailable, StaleVersion
    ),
    summary="After a declined charge, save another card (the backer): answers a new "
    "`payment.client_secret` to confirm in the app; then POST .../confirm charges it",
)
async def new_card(
    pledge_id: UUID, principal: SignedInPrincipal, tenant: FundingTenant, services: ServicesDep
) -> Response:
    home = await services.pledge_home(tenant, pledge_id, principal)
    pledge = await pledges.new_card(
        pledge_id,
        principal,
        uow=services.funding_uow(home),
        gateways=services.payment_gateways(home),
        clock=services.clock,
    )
    return json_document(pledge_document(pledge, principal, home))


@router.get(
    "/{pledge_id}/refunds",
    response_model=list[schemas.RefundOut],
    responses=problems(FeatureOff, PledgeNotFound, *REFUSALS),
    summary="A pledge's refunds, oldest first (tenant admins)",
)
async def list_refunds(
    pledge_id: UUID, principal: SignedInPrincipal, tenant: FundingTenant, services: ServicesDep
) -> list[schemas.RefundOut]:
    found = await refunds.refunds_of(pledge_id, principal, uow=services.funding_uow(tenant))
    return [schemas.refund_out(r) for r in found]


@router.post(
    "/{pledge_id}/refunds",
    status_code=201,
    response_model=schemas.RefundOut,
    responses=problems(
        FeatureOff,
        PledgeNotFound,
        *REFUSALS,
        RefundTooLarge,
        IdempotencyKeyReused,
        PaymentsUnavailable,
        StaleVersion,
    ),
    summary="Refund a captured pledge, wholly or in part (tenant admins). Refunds never "
    "exceed what was captured; `pending` until the provider confirms",
)
async def refund_pledge(
    pledge_id: UUID,
    body: RefundIn,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if body.amount.currency != tenant.config.currency:
        raise InvalidInput([FieldProblem("amount.currency", f"must be {tenant.config.currency}")])
    made = await refunds.refund_pledge(
        refunds.RefundInput(pledge_id, body.amount.amount, body.reason),
        principal,
        idempotency_key=idempotency_key,
        uow=services.funding_uow(tenant),
        gateways=services.payment_gateways(tenant),
        clock=services.clock,
        ids=services.ids,
    )
    response = json_document(schemas.refund_out(made).model_dump(mode="json"))
    response.status_code = 201
    return response


refunds_router = APIRouter(prefix="/v1/refunds", tags=["pledges"])


@refunds_router.get(
    "/to-pay-back",
    response_model=list[schemas.RefundOut],
    responses=problems(FeatureOff, *REFUSALS),
    summary="Bank refunds still to transfer back to the account the money came from, "
    "oldest first (tenant admins)",
)
async def refunds_to_pay_back(
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[schemas.RefundOut]:
    found = await refunds.refunds_to_pay_back(
        principal, uow=services.funding_uow(tenant), limit=limit
    )
    return [schemas.refund_out(r) for r in found]


@refunds_router.post(
    "/{refund_id}/paid",
    response_model=schemas.RefundOut,
    responses=problems(FeatureOff, RefundNotFound, *REFUSALS, TransitionNotAllowed),
    summary="A bank refund was transferred back: it has succeeded (tenant admins)",
)
async def mark_refund_paid(
    refund_id: UUID, principal: SignedInPrincipal, tenant: FundingTenant, services: ServicesDep
) -> schemas.RefundOut:
    done = await refunds.mark_refund_paid(refund_id, principal, uow=services.funding_uow(tenant))
    return schemas.refund_out(done)
