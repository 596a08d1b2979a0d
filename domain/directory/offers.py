"""Use cases of offers: a business's time-limited offers, published by its team."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain.directory.errors import BusinessNotFound, OfferNotFound
from domain.directory.events import OfferChanged, OfferPublished, OfferWithdrawn
from domain.directory.model import OFFER_TEXTS, Offer, require_tenant_languages
from domain.directory.policies import require_business_editor
from domain.directory.ports import DirectoryUnitOfWork
from domain.errors import FieldProblem, InvalidInput
from domain.identity.model import Person, Principal
from domain.instants import instant_problem
from domain.languages import LocalizedText
from domain.ports import Clock, IdGenerator

MAX_VALIDITY_DAYS = 366


@dataclass(frozen=True)
class OfferInput:
    title: LocalizedText
    text: LocalizedText
    valid_from: datetime
    valid_until: datetime
    voucher_url: str | None = None

    def __post_init__(self) -> None:
        # Checked before any comparison: a naive or far-off time cannot even be compared.
        problems = [
            FieldProblem(name, reason)
            for name in ("valid_from", "valid_until")
            if (reason := instant_problem(getattr(self, name)))
        ]
        if problems:
            raise InvalidInput(problems)


def _check_window(cmd: OfferInput, now: datetime) -> None:
    if cmd.valid_until <= now:
        raise InvalidInput([FieldProblem("valid_until", "lies in the past")])
    if (cmd.valid_until - cmd.valid_from).days > MAX_VALIDITY_DAYS:
        raise InvalidInput([FieldProblem("valid_until", "an offer runs at most a year")])


async def _require_editor(
    uow: DirectoryUnitOfWork, business_id: UUID, principal: Principal
) -> None:
    business = await uow.businesses.get(business_id)
    if business is None:
        raise BusinessNotFound()
    role = (
        await uow.business_roles.role_of(business_id, principal.account_id)
        if isinstance(principal, Person)
        else None
    )
    require_business_editor(principal, role)


async def publish_offer(
    business_id: UUID,
    cmd: OfferInput,
    principal: Principal,
    *,
    uow: DirectoryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> Offer:
    now = clock.now()
    offer = Offer(
        id=ids.new_id(),
        tenant_id=uow.tenant_id,
        business_id=business_id,
        title=cmd.title,
        text=cmd.text,
        valid_from=cmd.valid_from,
        valid_until=cmd.valid_until,
        created_at=now,
        voucher_url=cmd.voucher_url,
    )
    require_tenant_languages(offer, OFFER_TEXTS, uow.locales)
    _check_window(cmd, now)
    async with uow:
        await _require_editor(uow, business_id, principal)
        await uow.offers.add(offer)
        uow.record(
            OfferPublished(tenant_id=uow.tenant_id, offer_id=offer.id, business_id=business_id)
        )
        await uow.commit()
    return offer


async def change_offer(
    offer_id: UUID, cmd: OfferInput, principal: Principal, *, uow: DirectoryUnitOfWork, clock: Clock
) -> Offer:
    async with uow:
        offer = await uow.offers.get(offer_id)
        if offer is None:
            raise OfferNotFound()
        await _require_editor(uow, offer.business_id, principal)
        changed = replace(
            offer,
            title=cmd.title,
            text=cmd.text,
            valid_from=cmd.valid_from,
            valid_until=cmd.valid_until,
            voucher_url=cmd.voucher_url,
        )
        require_tenant_languages(changed, OFFER_TEXTS, uow.locales)
        _check_window(cmd, clock.now())
        await uow.offers.update(changed)
        uow.record(
            OfferChanged(tenant_id=uow.tenant_id, offer_id=offer.id, business_id=offer.business_id)
        )
        await uow.commit()
    return changed


async def withdraw_offer(offer_id: UUID, principal: Principal, *, uow: DirectoryUnitOfWork) -> None:
    async with uow:
        offer = await uow.offers.get(offer_id)
        if offer is None:
            raise OfferNotFound()
        await _require_editor(uow, offer.business_id, principal)
        await uow.offers.remove(offer_id)
        uow.record(
            OfferWithdrawn(
                tenant_id=uow.tenant_id, offer_id=offer.id, business_id=offer.business_id
            )
        )
        await uow.commit()
