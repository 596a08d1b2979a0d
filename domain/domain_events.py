"""Domain events: plain records of what happened, named in the past tense.

Use cases record them on their unit of work (`uow.record(event)`); the unit of work writes
them to the outbox in the same transaction as the change, so an event exists exactly when
its change was committed. Everything that happens after a commit (mails, the change feed,
webhooks, live totals) reads them from there.

An event's fields are plain values (UUID, str, int, bool, datetime, enums, tuples of str):
its payload is JSON, and `event_from` turns a stored payload back into the dataclass."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import UUID

_EVENT_TYPES: dict[str, type[DomainEvent]] = {}


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Every event names its tenant: the outbox row carries it for row-level security."""

    event_type: ClassVar[str]  # "<context>.<what_happened>", stable: subscribers key on it
    # The field naming the campaign a public change is about: the outbox row carries it, so
    # the change feeds of the tenants that list the campaign read the row too.
    subject_field: ClassVar[str | None] = None
    tenant_id: UUID

    @property
    def subject_id(self) -> UUID | None:
        return getattr(self, self.subject_field) if self.subject_field else None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("event_type")
        if name is not None:
            if name in _EVENT_TYPES and _EVENT_TYPES[name].__qualname__ != cls.__qualname__:
                raise TypeError(f"two events are called {name!r}")
            _EVENT_TYPES[name] = cls

    def payload(self) -> dict[str, Any]:
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name != "tenant_id"
        }

    @classmethod
    def from_payload(cls, tenant_id: UUID, payload: dict[str, Any]) -> Self:
        hints = typing.get_type_hints(cls)
        values = {
            f.name: _typed(hints[f.name], payload[f.name])
            for f in dataclasses.fields(cls)
            if f.name != "tenant_id" and f.name in payload
        }
        return cls(tenant_id=tenant_id, **values)


def event_from(event_type: str, tenant_id: UUID, payload: dict[str, Any]) -> DomainEvent:
    """The event a stored row describes; KeyError for a type this code does not know."""
    return _EVENT_TYPES[event_type].from_payload(tenant_id, payload)


def known_event_types() -> list[str]:
    return sorted(_EVENT_TYPES)


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        (item, *_rest) = typing.get_args(hint)
        return tuple(_typed(item, v) for v in value)
    if hint is UUID:
        return UUID(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value
