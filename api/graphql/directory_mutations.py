"""GraphQL mutations of the directory: registering and editing businesses, moderation,
claims, teams, categories and offers. Inputs are checked by the models REST uses too
(api/directory_input.py); broken rules come back as typed errors in the payload."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.directory_input import (
    BusinessCreateIn,
    BusinessPatchIn,
    CategoryNameIn,
    OfferChangeIn,
    OfferIn,
    offer_input,
    patched,
    profile_from,
    text_of,
)
from api.graphql.context import Info
from api.graphql.directory_inputs import (
    TRANSLATIONS,
    BusinessInput,
    BusinessPatchInput,
    checked,
    with_translations,
)
from api.graphql.directory_queries import require_directory
from api.graphql.directory_types import BusinessDetail, BusinessRoleEnum, detail_from
from api.graphql.errors import UserError, user_errors
from api.graphql.languages import LocalizedTextInput
from domain.directory import businesses, categories, offers
from domain.errors import DomainError
from domain.languages import LocalizedText


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
    return BusinessPayload(business=detail_from(view, info))


Translations = Annotated[
    list[LocalizedTextInput] | None, strawberry.argument(description=TRANSLATIONS)
]


def _offer_fields(
    title: str | None,
    title_translations: list[LocalizedTextInput] | None,
    text: str,
    text_translations: list[LocalizedTextInput] | None,
    valid_from: datetime,
    valid_until: datetime,
    voucher_url: str | None,
) -> dict[str, object]:
    """An offer's arguments, for the input model that checks them (as REST's body is)."""
    fields = {
        "title": title,
        "title_translations": _entries(title_translations),
        "text": text,
        "text_translations": _entries(text_translations),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "voucher_url": voucher_url,
    }
    return {k: v for k, v in with_translations(fields).items() if v is not None}


def _entries(given: list[LocalizedTextInput] | None) -> list[dict[str, str | None]] | None:
    if given is None:
        return None
    return [{"locale": e.locale, "text": e.text} for e in given]


def _category_name(
    name: str | None, name_translations: list[LocalizedTextInput] | None, writing: str
) -> LocalizedText:
    """A category's name as given, checked as REST's body is."""
    given = with_translations({"name": name, "name_translations": _entries(name_translations)})
    return text_of(checked(CategoryNameIn, given).name, writing)


@strawberry.type
class DirectoryMutation:
    @strawberry.mutation(description="Register a business (members become its owner)")
    async def register_business(self, info: Info, input: BusinessInput) -> BusinessPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            fields = checked(BusinessCreateIn, input)
            profile = profile_from(fields, c.language.writing)
            return await businesses.register_business(
                businesses.RegisterBusiness(profile, fields.external_id),
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
                lambda profile: patched(profile, changes, c.language.writing),
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
        self,
        info: Info,
        key: str,
        name: str | None = None,
        parent_id: UUID | None = None,
        name_translations: Translations = None,
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            written = _category_name(name, name_translations, c.language.writing)
            return await categories.create_category(
                categories.CategoryInput(key, written, parent_id),
                principal,
                uow=c.directory_uow(),
                ids=c.services.ids,
            )

        return await _payload(info, work)

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

    @strawberry.mutation(
        description="Rename or move a category (tenant admins); its name in the languages given"
    )
    async def update_category(
        self,
        info: Info,
        id: UUID,
        key: str,
        name: str | None = None,
        parent_id: UUID | None = None,
        position: int = 0,
        name_translations: Translations = None,
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            written = _category_name(name, name_translations, c.language.writing)
            return await categories.update_category(
                id,
                categories.CategoryInput(key, written, parent_id, position),
                principal,
                uow=c.directory_uow(),
            )

        return await _payload(info, work)

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
        valid_from: datetime,
        valid_until: datetime,
        title: str | None = None,
        text: str = "",
        voucher_url: str | None = None,
        title_translations: Translations = None,
        text_translations: Translations = None,
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            fields = _offer_fields(
                title,
                title_translations,
                text,
                text_translations,
                valid_from,
                valid_until,
                voucher_url,
            )
            written = checked(OfferIn, {"business_id": business_id, **fields})
            return await offers.publish_offer(
                business_id,
                offer_input(written, c.language.writing),
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
        valid_from: datetime,
        valid_until: datetime,
        title: str | None = None,
        text: str = "",
        voucher_url: str | None = None,
        title_translations: Translations = None,
        text_translations: Translations = None,
    ) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            fields = _offer_fields(
                title,
                title_translations,
                text,
                text_translations,
                valid_from,
                valid_until,
                voucher_url,
            )
            return await offers.change_offer(
                id,
                offer_input(checked(OfferChangeIn, fields), c.language.writing),
                principal,
                uow=c.directory_uow(),
                clock=c.services.clock,
            )

        return await _payload(info, work)

    @strawberry.mutation(
        description="Delete a business with its offers, team, claims and images (owners, "
        "moderators)"
    )
    async def delete_business(self, info: Info, id: UUID) -> DirectoryPayload:
        c = info.context

        async def work(principal):  # type: ignore[no-untyped-def]
            require_directory(info)
            await businesses.delete_business(id, principal, uow=c.directory_uow())

        return await _payload(info, work)

    @strawberry.mutation(description="Withdraw an offer before it runs out (the business's team)")
    async def withdraw_offer(self, info: Info, id: UUID) -> DirectoryPayload:
        c = info.context
        return await _payload(
            info, lambda principal: offers.withdraw_offer(id, principal, uow=c.directory_uow())
        )
