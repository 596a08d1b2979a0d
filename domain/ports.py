"""Ports shared by every bounded context."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

from domain.domain_events import DomainEvent


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the context without `commit()` rolls back, and with it every
    event recorded in it."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def record(self, event: DomainEvent) -> None:
        """Write `event` to the outbox with this transaction's commit (and only then)."""
        ...
