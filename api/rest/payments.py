"""/v1/payments: the Stripe webhook, and bank transfers an admin saw arrive."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.auth import SignedInPrincipal
from api.deps import CurrentTenant, ServicesDep
from api.funding_input import TransfersReceivedIn
from api.problem_catalog import problems
from api.rest.campaigns import REFUSALS, FundingTenant, funding_tenant
from api.rest.schemas import funding as schemas
from domain.errors import FeatureOff, FieldProblem, InvalidInput, StaleVersion
from domain.funding import pledges
from domain.funding.errors import WebhookRefused
from domain.funding.payment_events import apply_payment_event
from domain.funding.transfers import MAX_REFERENCES, references_in

router = APIRouter(prefix="/v1/payments", tags=["payments"])
MAX_CSV_BYTES = 1_000_000  # the API's body limit applies first


@router.post(
    "/stripe/webhook",
    responses=problems(FeatureOff, WebhookRefused, StaleVersion),
    summary="Stripe's webhook (set its URL per tenant host). Verified with the tenant's "
    "signing secret; each event applied once, in any order",
    openapi_extra={
        "security": [{}],
        "parameters": [
            {
                "name": "Stripe-Signature",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "maxLength": 2000},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    },
)
async def stripe_webhook(
    request: Request, tenant: CurrentTenant, services: ServicesDep
) -> dict[str, bool]:
    # Unsigned is refused first, as Stripe's own answer would be: nothing else is looked at.
    signature = request.headers.get("stripe-signature")
    if not signature:
        raise WebhookRefused("no Stripe-Signature header")
    await funding_tenant(tenant)
    webhooks = services.payment_gateways(tenant).stripe_webhooks()
    event = webhooks.verify(await request.body(), signature)
    changed = await apply_payment_event(
        event, uow=services.funding_uow(tenant), clock=services.clock
    )
    return {"received": True, "changed": changed}


def _csv_cells(text: str) -> list[str]:
    try:
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    except csv.Error as error:
        raise InvalidInput([FieldProblem("body", f"is not CSV: {error}")]) from None


@router.post(
    "/bank-transfers/received",
    response_model=schemas.TransfersReceivedOut,
    responses=problems(FeatureOff, *REFUSALS, StaleVersion),
    summary="Mark bank transfers received (tenant admins): a JSON list of references, or a "
    "bank statement as text/csv, whose references are found in any column",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": TransfersReceivedIn.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def transfers_received(
    request: Request,
    principal: SignedInPrincipal,
    tenant: FundingTenant,
    services: ServicesDep,
) -> schemas.TransfersReceivedOut:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if kind == "text/csv":
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = body.decode("latin-1")  # German banks still export ISO-8859-1
        references = references_in(_csv_cells(text))
        if not references:
            raise InvalidInput([FieldProblem("body", "names no transfer reference")])
        references = references[:MAX_REFERENCES]
    else:
        try:
            references = TransfersReceivedIn.model_validate_json(body).references
        except ValidationError as error:
            # As FastAPI's own body checks answer: 400 for broken JSON, 422 for the rest.
            found = [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
            raise RequestValidationError(found) from None
    report = await pledges.mark_transfers_received(
        references, principal, uow=services.funding_uow(tenant), clock=services.clock
    )
    return schemas.TransfersReceivedOut(
        received=report.received,
        late=report.late,
        already=report.already,
        unknown=report.unknown,
    )
