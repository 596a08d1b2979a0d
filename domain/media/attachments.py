"""Images shown by something else (a business now; campaigns, events and posts later): the
rules for attaching them, used by that capability's use cases in its own transaction.

A new image may be attached by its owner (or a moderator) when it is shown nowhere else and
has its alt text in every language of the tenant: a public image must be readable to people
who cannot see it. Images already attached stay through edits of other fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol
from uuid import UUID

from domain.domain_events import DomainEvent
from domain.errors import FieldProblem, InvalidInput
from domain.identity.model import PartnerKey, Principal
from domain.identity.policies import is_moderator
from domain.media.events import MediaDeleted
from domain.media.model import AttachedTo, Media, every_key


class AttachableMedia(Protocol):
    """What attaching needs of media's repository (SqlMediaRepository on the caller's
    session)."""

    async def get_many(
        self, media_ids: Sequence[UUID], *, for_update: bool = False
    ) -> list[Media]: ...

    async def attached_to(self, target: AttachedTo) -> list[Media]: ...

    async def set_attachment(
        self, media_ids: Sequence[UUID], target: AttachedTo | None
    ) -> None: ...

    async def remove(self, media_id: UUID) -> None: ...


async def show_images(
    media: AttachableMedia,
    target: AttachedTo,
    wanted: Sequence[UUID],
    principal: Principal,
    *,
    locales: Sequence[str],
    field: str = "image_ids",
) -> None:
    """Make `wanted` the images `target` shows: new ones are checked and attached, ones no
    longer wanted are released (they stay their owner's)."""
    current = {m.id for m in await media.attached_to(target)}
    new = [i for i in wanted if i not in current]
    found = {m.id: m for m in await media.get_many(new, for_update=True)}
    problems: list[FieldProblem] = []
    for position, media_id in enumerate(wanted):
        if media_id in current:
            continue
        where = f"{field}[{position}]"
        item = found.get(media_id)
        if item is None:
            problems.append(FieldProblem(where, "no such image in this tenant"))
        elif item.attached_to is not None:
            problems.append(FieldProblem(where, "is shown elsewhere already"))
        elif isinstance(principal, PartnerKey) or not (
            is_moderator(principal) or principal.account_id == item.owner_id
        ):
            problems.append(FieldProblem(where, "only its owner (or a moderator) may show it"))
        elif missing := item.alt.missing(locales):
            problems.append(FieldProblem(f"{where}.alt", f"is missing in {', '.join(missing)}"))
    if problems:
        raise InvalidInput(problems)
    await media.set_attachment(new, target)
    await media.set_attachment([i for i in current if i not in set(wanted)], None)


async def delete_images_of(
    media: AttachableMedia, target: AttachedTo, record: Callable[[DomainEvent], None]
) -> None:
    """`target` is deleted: its images go with it, their files through the worker."""
    for item in await media.attached_to(target):
        await media.remove(item.id)
        record(
            MediaDeleted(
                tenant_id=item.tenant_id, media_id=item.id, keys=every_key(item.tenant_id, item.id)
            )
        )
