"""What happens to media, as recorded in the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.domain_events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MediaUploaded(DomainEvent):
    """The worker makes the variants."""

    event_type = "media.uploaded"
    media_id: UUID


@dataclass(frozen=True, kw_only=True)
class MediaDeleted(DomainEvent):
    """The row is gone; the worker removes these files (storage keys, no personal data)."""

    event_type = "media.deleted"
    media_id: UUID
    keys: tuple[str, ...]
