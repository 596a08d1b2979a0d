"""Use cases of businesses: register, edit, moderate, claim, and the team behind one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from domain.directory.errors import (
    AlreadyOnTeam,
    BusinessNotFound,
    CategoryNotFound,
    ClaimDecided,
    ClaimNotFound,
    ClaimPending,
    ExternalIdTaken,
    LastOwner,
)
from domain.directory.events import (
    BusinessClaimDecided,
    BusinessClaimFiled,
    BusinessDeleted,
    BusinessEdited,
    BusinessModerated,
    BusinessRegistered,
    BusinessTeamChanged,
)
from domain.directory.model import (
    BUSINESS_TEXTS,
    Business,
    BusinessClaim,
    BusinessProfile,
    ClaimStatus,
    require_tenant_languages,
    text_problems,
)
from domain.directory.pins import BUSINESS
from domain.directory.policies import (
    is_moderator,
    may_see_hidden,
    require_business_editor,
    require_business_owner,
    require_registrant,
)
from domain.directory.ports import DirectoryUnitOfWork
from domain.discovery.model import SearchDocument
from domain.errors import FieldProblem, InvalidInput, StaleVersion
from domain.identity.model import BusinessRole, PartnerKey, Person, Principal, Role
from domain.identity.policies import require_member
from domain.languages import LocalizedText
from domain.media.attachments import delete_images_of, show_images
from domain.media.model import AttachedTo, Media
from domain.ports import Clock, IdGenerator

MAX_EXTERNAL_ID = 100


@dataclass(frozen=True)
class BusinessView:
    business: Business
    caller_role: BusinessRole | None  # the caller's role on the business, if any
    images: tuple[Media, ...] = ()  # the uploaded images it shows, in its order


async def _business_seen_by(
    uow: DirectoryUnitOfWork, business_id: UUID, principal: Principal
) -> tuple[Business, BusinessRole | None]:
    """The business and the caller's role on it; hidden ones exist only for moderators and
    the business's own team."""
    business = await uow.businesses.get(business_id)
    if business is None:
        raise BusinessNotFound()
    role = await _caller_role(uow, business_id, principal)
    if business.hidden and not may_see_hidden(principal, role):
        raise BusinessNotFound()
    return business, role


def _showing(business: Business) -> AttachedTo:
    return AttachedTo(BUSINESS, business.id)


async def _images(uow: DirectoryUnitOfWork, business: Business) -> tuple[Media, ...]:
    """In the order the profile names them; one deleted meanwhile is left out."""
    found = {m.id: m for m in await uow.media.get_many(business.profile.image_ids)}
    return tuple(found[i] for i in business.profile.image_ids if i in found)


async def _category_names(
    uow: DirectoryUnitOfWork, profile: BusinessProfile
) -> dict[UUID, LocalizedText]:
    """The tenant's category names; CategoryNotFound if the profile names an unknown one."""
    names = {c.id: c.name for c in await uow.categories.list()}
    missing = [i for i in profile.category_ids if i not in names]
    if missing:
        raise CategoryNotFound(f"unknown category {missing[0]}")
    return names


async def _caller_role(uow: DirectoryUnitOfWork, business_id: UUID, principal: Principal):  # type: ignore[no-untyped-def]
    if isinstance(principal, Person):
        return await uow.business_roles.role_of(business_id, principal.account_id)
    return None


def search_document(
    business: Business, category_names: Mapping[UUID, LocalizedText], locales: Sequence[str]
) -> SearchDocument:
    """The business as search holds it: in each of the tenant's languages (`locales`), its
    description in that language, its city and its categories' names in that language."""
    p = business.profile

    def text_in(locale: str) -> str:
        names = (category_names[i].get(locale) for i in p.category_ids if i in category_names)
        return " ".join(filter(None, [p.description.get(locale), p.address.city, *names]))

    texts = {locale: text_in(locale) for locale in locales}
    return SearchDocument(
        kind=BUSINESS,
        item_id=business.id,
        title=p.name,
        texts=LocalizedText.of(texts),
        category_ids=p.category_ids,
        visible=not business.hidden,
    )


def _check_external_id(external_id: str | None) -> None:
    if external_id is not None:
        problems = text_problems(external_id, "external_id", min_len=1, max_len=MAX_EXTERNAL_ID)
        if problems:
            raise InvalidInput(problems)


@dataclass(frozen=True)
class RegisterBusiness:
    profile: BusinessProfile
    external_id: str | None = None


async def register_business(
    cmd: RegisterBusiness,
    principal: Principal,
    *,
    uow: DirectoryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> BusinessView:
    """A member registering becomes the owner; moderators and partner keys list businesses
    without one (the owner may claim it later). Answers with the business as its registrant
    sees it."""
    require_registrant(principal)
    _check_external_id(cmd.external_id)
    require_tenant_languages(cmd.profile, BUSINESS_TEXTS, uow.locales)
    now = clock.now()
    business = Business(
        id=ids.new_id(),
        tenant_id=uow.tenant_id,
        profile=cmd.profile,
        created_at=now,
        updated_at=now,
        external_id=cmd.external_id,
    )
    async with uow:
        names = await _category_names(uow, cmd.profile)
        if cmd.external_id and await uow.businesses.get_by_external_id(cmd.external_id):
            raise ExternalIdTaken()
        await uow.businesses.add(business)
        role = None
        if isinstance(principal, Person) and not is_moderator(principal):
            role = BusinessRole.OWNER
            await uow.business_roles.set_role(business.id, principal.account_id, role, now)
        await show_images(
            uow.media, _showing(business), cmd.profile.image_ids, principal, locales=uow.locales
        )
        images = await _images(uow, business)
        await uow.search_index.put(search_document(business, names, uow.locales))
        uow.record(
            BusinessRegistered(
                tenant_id=uow.tenant_id, business_id=business.id, external_id=cmd.external_id
            )
        )
        await uow.commit()
    return BusinessView(business, role, images)


async def view_business(
    business_id: UUID, principal: Principal, *, uow: DirectoryUnitOfWork
) -> BusinessView:
    """Hidden businesses exist only for moderators and the business's own team."""
    async with uow:
        business = await uow.businesses.get(business_id)
        if business is None:
            raise BusinessNotFound()
        role = await _caller_role(uow, business_id, principal)
        images = await _images(uow, business)
    if business.hidden and not may_see_hidden(principal, role):
        raise BusinessNotFound()
    return BusinessView(business, role, images)


# How an edit changes the stored profile (an API's patch), applied to the profile as read in
# the edit's own transaction.
ProfileChange = Callable[[BusinessProfile], BusinessProfile]


async def edit_business(
    business_id: UUID,
    change: ProfileChange,
    principal: Principal,
    *,
    expected_version: int | None,
    uow: DirectoryUnitOfWork,
    clock: Clock,
) -> BusinessView:
    """Answers with the business as its editor now sees it. Without `expected_version`, the
    edit applies to the version it reads."""
    async with uow:
        business, role = await _business_seen_by(uow, business_id, principal)
        require_business_editor(principal, role)
        version = business.version if expected_version is None else expected_version
        if version != business.version:
            raise StaleVersion()
        shown = await _images(uow, business)
        # Images deleted since drop out of the profile the edit starts from.
        stored = replace(business.profile, image_ids=tuple(m.id for m in shown))
        profile = change(stored)
        # Only the texts this edit changes: a locale the tenant has since dropped does not
        # block edits of other fields.
        changed_texts = {
            name: limits
            for name, limits in BUSINESS_TEXTS.items()
            if getattr(profile, name) != getattr(business.profile, name)
        }
        require_tenant_languages(profile, changed_texts, uow.locales)
        names = await _category_names(uow, profile)
        edited = business.edited(profile, clock.now())
        if not await uow.businesses.update(edited, expected_version=version):
            raise StaleVersion()
        images = shown
        if profile.image_ids != stored.image_ids:
            await show_images(
                uow.media, _showing(edited), profile.image_ids, principal, locales=uow.locales
            )
            images = await _images(uow, edited)
        await uow.search_index.put(search_document(edited, names, uow.locales))
        uow.record(
            BusinessEdited(tenant_id=uow.tenant_id, business_id=edited.id, version=edited.version)
        )
        await uow.commit()
    return BusinessView(edited, role, images)


@dataclass(frozen=True)
class Moderation:
    verified: bool
    hidden: bool
    reason: str = ""


async def moderate_business(
    business_id: UUID,
    moderation: Moderation,
    principal: Principal,
    *,
    uow: DirectoryUnitOfWork,
    clock: Clock,
) -> BusinessView:
    """Moderators verify a listing as genuine, or hide it (with a reason its team sees).
    Answers with the business as the moderator now sees it."""
    require_member(principal, Role.MODERATOR)
    async with uow:
        business = await uow.businesses.get(business_id)
        if business is None:
            raise BusinessNotFound()
        role = await _caller_role(uow, business_id, principal)  # the moderator's, if any
        moderated = business.moderated(
            verified=moderation.verified,
            hidden=moderation.hidden,
            reason=moderation.reason,
            at=clock.now(),
        )
        if not await uow.businesses.update(moderated, expected_version=business.version):
            raise StaleVersion()
        names = await _category_names(uow, moderated.profile)
        images = await _images(uow, moderated)
        await uow.search_index.put(search_document(moderated, names, uow.locales))
        uow.record(
            BusinessModerated(
                tenant_id=uow.tenant_id,
                business_id=moderated.id,
                version=moderated.version,
                verified=moderated.verified,
                hidden=moderated.hidden,
            )
        )
        await uow.commit()
    return BusinessView(moderated, role, images)


async def delete_business(
    business_id: UUID, principal: Principal, *, uow: DirectoryUnitOfWork
) -> None:
    """Its owners and the tenant's moderators delete a listing, with its offers, team,
    claims and images (their files through the worker)."""
    async with uow:
        business, role = await _business_seen_by(uow, business_id, principal)
        if not is_moderator(principal):
            require_business_owner(principal, role)
        await delete_images_of(uow.media, _showing(business), uow.record)
        await uow.search_index.remove(BUSINESS, business_id)
        await uow.businesses.remove(business_id)
        uow.record(
            BusinessDeleted(
                tenant_id=uow.tenant_id,
                business_id=business_id,
                external_id=business.external_id,
            )
        )
        await uow.commit()


async def claim_business(
    business_id: UUID,
    message: str,
    principal: Principal,
    *,
    uow: DirectoryUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
) -> BusinessClaim:
    """The owner of a listed business asks to manage it; a moderator decides."""
    person = require_member(principal)
    problems = text_problems(message, "message", min_len=0, max_len=1000)
    if problems:
        raise InvalidInput(problems)
    async with uow:
        business = await uow.businesses.get(business_id)
        if business is None or business.hidden:
            raise BusinessNotFound()
        if await uow.business_roles.role_of(business_id, person.account_id):
            raise AlreadyOnTeam()
        if await uow.claims.pending_of(business_id, person.account_id):
            raise ClaimPending()
        claim = BusinessClaim(
            id=ids.new_id(),
            tenant_id=uow.tenant_id,
            business_id=business_id,
            account_id=person.account_id,
            message=message.strip(),
            created_at=clock.now(),
        )
        await uow.claims.add(claim)
        uow.record(
            BusinessClaimFiled(tenant_id=uow.tenant_id, claim_id=claim.id, business_id=business_id)
        )
        await uow.commit()
    return claim


async def list_claims(
    status: ClaimStatus | None, principal: Principal, *, uow: DirectoryUnitOfWork
) -> list[BusinessClaim]:
    require_member(principal, Role.MODERATOR)
    async with uow:
        return await uow.claims.list(status)


async def decide_claim(
    claim_id: UUID,
    approve: bool,
    principal: Principal,
    *,
    uow: DirectoryUnitOfWork,
    clock: Clock,
) -> BusinessClaim:
    """Approving makes the claimant an owner of the business."""
    moderator = require_member(principal, Role.MODERATOR)
    now = clock.now()
    async with uow:
        claim = await uow.claims.get(claim_id)
        if claim is None:
            raise ClaimNotFound()
        if claim.status is not ClaimStatus.PENDING:
            raise ClaimDecided()
        decided = claim.decided(approve, moderator.account_id, now)
        await uow.claims.update(decided)
        if approve:
            await uow.business_roles.set_role(
                claim.business_id, claim.account_id, BusinessRole.OWNER, now
            )
        uow.record(
            BusinessClaimDecided(
                tenant_id=uow.tenant_id,
                claim_id=claim.id,
                business_id=claim.business_id,
                approved=approve,
            )
        )
        await uow.commit()
    return decided


async def view_team(
    business_id: UUID, principal: Principal, *, uow: DirectoryUnitOfWork
) -> list[tuple[UUID, str, BusinessRole]]:
    async with uow:
        if await uow.businesses.get(business_id) is None:
            raise BusinessNotFound()
        require_business_editor(principal, await _caller_role(uow, business_id, principal))
        if isinstance(principal, PartnerKey):
            raise BusinessNotFound()  # keys see businesses, never the people behind them
        return await uow.business_roles.team(business_id)


async def set_team_role(
    business_id: UUID,
    account_id: UUID,
    role: BusinessRole | None,
    principal: Principal,
    *,
    uow: DirectoryUnitOfWork,
    clock: Clock,
) -> None:
    """Owners (or tenant admins) add, change or remove (role None) team members. Only members
    of the tenant join a team; the last owner stays."""
    async with uow:
        if await uow.businesses.get(business_id) is None:
            raise BusinessNotFound()
        require_business_owner(principal, await _caller_role(uow, business_id, principal))
        current = await uow.business_roles.role_of(business_id, account_id)
        if role is not None and await uow.members.get(account_id) is None:
            raise InvalidInput([FieldProblem("account_id", "is not a member of this tenant")])
        losing_owner = current is BusinessRole.OWNER and role is not BusinessRole.OWNER
        if losing_owner and await uow.business_roles.count_owners(business_id) <= 1:
            raise LastOwner()
        if role is None:
            if current is None:
                raise InvalidInput([FieldProblem("account_id", "has no role on this business")])
            await uow.business_roles.remove(business_id, account_id)
        else:
            await uow.business_roles.set_role(business_id, account_id, role, clock.now())
        uow.record(
            BusinessTeamChanged(
                tenant_id=uow.tenant_id,
                business_id=business_id,
                account_id=account_id,
                role=role.value if role else None,
            )
        )
        await uow.commit()
