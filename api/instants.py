"""Instants in request bodies: RFC 3339 with an offset, within the domain's sane range."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

from domain.instants import EARLIEST, LATEST, instant_problem


def _sane(value: datetime) -> datetime:
    problem = instant_problem(value)
    if problem:
        raise ValueError(problem)
    return value.astimezone(UTC)


Instant = Annotated[
    AwareDatetime,
    AfterValidator(_sane),
    Field(
        description=f"RFC 3339 with an offset (`2026-12-01T10:00:00+01:00` or `...Z`), "
        f"from {EARLIEST.year} to {LATEST.year - 1}",
        examples=["2026-12-01T10:00:00+01:00"],
    ),
]
