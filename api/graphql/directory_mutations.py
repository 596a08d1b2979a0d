"""GraphQL mutations of the directory: registering and editing businesses, moderation,
claims, teams, categories and offers. Inputs are checked by the models REST uses too
(api/directory_input.py); broken rules come back as typed errors in the payload."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.directory_input import (
    BusinessCreateIn,
    BusinessPatchIn,
    OfferChangeIn,
    OfferIn,
    offer_input,
    patched,
    profile_from,
)
from api.graphql.context import Info
from api.graphql.directory_inputs import BusinessInput, BusinessPatchInput, checked
from api.graphql.directory_queries import require_directory
from api.graphql.directory_types import BusinessDetail, BusinessRoleEnum, detail_from
from api.graphql.errors import UserError, user_errors
from domain.directory import businesses, categories, offers
from domain.errors import DomainError


@strawberry.type
class DirectoryPayload:
    ok: bool = False
    id: UUID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(info: Info, work) -> DirectoryPayload:  # type: ignore[no-untyped-def]
    """Run `work(principal)`; a bad credential or a broken rule becomes the payload's errors."""
    try:
        made = await work(await info.context.principal())
    except DomainError as error:
        return DirectoryPayload(errors=user_errors(error))
    return DirectoryPayload(ok=True, id=getattr(made, "id", None))


@strawberry.type
class BusinessPayload:
    business: BusinessDetail | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _business_payload(info: Info, work) -> BusinessPayload:  # type: ignore[no-untyped-def]
    """Run `work(principal)`, which answers with the business as it now is (a BusinessView);
    a bad credential or a broken rule becomes the payload's errors."""
    try:
        require_directory(info)
        view = await work(await info.context.principal())
    except DomainError as error:
        return BusinessPayload(errors=user_errors(error))
    return BusinessPayload(business=detail_from(view.business, view.caller_role, info))


def _offer_fields(
    title: str, text: str, valid_from: datetime, valid_until: datetime, voucher_url: str | None
) -> dict[str, object]:
    """An offer's arguments, for the input model that checks them (as REST's body is)."""
    return {
        "title": title,
        "text": text,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "voucher_url": voucher_url,
    }


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Register a business (members become its owner)")
    async def register_business(self, info: Info, input: BusinessInput) -> BusinessPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            fields = checked(BusinessCreateIn, input)
            return await businesses.register_business(
                businesses.RegisterBusiness(profile_from(fields), fields.external_id),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
                ids=c.services.ids,
            )

        return await _business_payload(info, work)

    @strawberry.mutation(
        description="Edit a business (owners, staff, moderators). With expectedVersion (the "
        "version you read) an edit made meanwhile by someone else fails with precondition-failed."
    )
    async def update_business(
        self,
        info: Info,
        id: UUID,
        patch: BusinessPatchInput,
        expected_version: int | None = None,
    ) -> BusinessPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            changes = checked(BusinessPatchIn, patch)
            return await businesses.edit_business(
                id,
                lambda profile: patched(profile, changes),
                principal,
                expected_version=expected_version,
                uow=c.directory_uow(),
                clock=c.services.clock,
            )

        return await _business_payload(info, work)

    @strawberry.mutation(description="Verify or hide a business (moderators)")
    async def moderate_business(
        self, info: Info, id: UUID, verified: bool, hidden: bool, reason: str = ""
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            view = await businesses.moderate_business(
                id,
                businesses.Moderation(verified, hidden, reason),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
            )
            return view.business

        return await _payload(info, work)

    @strawberry.mutation(description="Claim a listed business as its owner")
    async def claim_business(self, info: Info, id: UUID, message: str = "") -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: businesses.claim_business(
                id,
                message,
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
                ids=c.services.ids,
            ),
        )

    @strawberry.mutation(description="Approve or reject a claim (moderators)")
    async def decide_claim(self, info: Info, id: UUID, approve: bool) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: businesses.decide_claim(
                id, approve, principal, uow=c.directory_uow(), clock=c.services.clock
            ),
        )

    @strawberry.mutation(description="Add a category (tenant admins)")
    async def create_category(
        self, info: Info, key: str, name: str, parent_id: UUID | None = None
    ) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: categories.create_category(
                categories.CategoryInput(key, name, parent_id),
                principal,
                uow=c.directory_uow(),
                ids=c.services.ids,
            ),
        )

    @strawberry.mutation(
        description="Give a member of the tenant a role on a business, or take it away with "
        "role null (owners, tenant admins)"
    )
    async def set_business_team_role(
        self,
        info: Info,
        business_id: UUID,
        account_id: UUID,
        role: BusinessRoleEnum | None,  # type: ignore[valid-type]
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            require_directory(info)
            await businesses.set_team_role(
                business_id,
                account_id,
                role,
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
            )

        return await _payload(info, work)

    @strawberry.mutation(description="Rename or move a category (tenant admins)")
    async def update_category(
        self,
        info: Info,
        id: UUID,
        key: str,
        name: str,
        parent_id: UUID | None = None,
        position: int = 0,
    ) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: categories.update_category(
                id,
                categories.CategoryInput(key, name, parent_id, position),
                principal,
                uow=c.directory_uow(),
            ),
        )

    @strawberry.mutation(description="Remove an empty category (tenant admins)")
    async def remove_category(self, info: Info, id: UUID) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info,
            lambda principal: categories.remove_category(id, principal, uow=c.directory_uow()),
        )

    @strawberry.mutation(description="Publish an offer (the business's team)")
    async def publish_offer(
        self,
        info: Info,
        business_id: UUID,
        title: str,
        valid_from: datetime,
        valid_until: datetime,
        text: str = "",
        voucher_url: str | None = None,
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            fields = _offer_fields(title, text, valid_from, valid_until, voucher_url)
            return await offers.publish_offer(
                business_id,
                offer_input(checked(OfferIn, {"business_id": business_id, **fields})),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
                ids=c.services.ids,
            )

        return await _payload(info, work)

    @strawberry.mutation(description="Change an offer (the business's team)")
    async def change_offer(
        self,
        info: Info,
        id: UUID,
        title: str,
        valid_from: datetime,
        valid_until: datetime,
        text: str = "",
        voucher_url: str | None = None,
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            fields = _offer_fields(title, text, valid_from, valid_until, voucher_url)
            return await offers.change_offer(
                id,
                offer_input(checked(OfferChangeIn, fields)),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
            )

        return await _payload(info, work)

    @strawberry.mutation(description="Withdraw an offer before it runs out (the business's team)")
    async def withdraw_offer(self, info: Info, id: UUID) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info, lambda principal: offers.withdraw_offer(id, principal, uow=c.directory_uow())
        )
