"""Domain errors in GraphQL: typed `UserError` results in mutation payloads, and errors with
`extensions.code` in queries. Codes are the same stable codes as REST problem documents."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, InvalidInput

T = TypeVar("T")


@strawberry.type(description="A rule the mutation broke; `code` as in REST problem documents")
class UserError:
    code: str
    message: str
    field: str | None = None


def user_errors(error: DomainError) -> list[UserError]:
    if isinstance(error, InvalidInput):
        return [UserError(code=error.code, message=p.reason, field=p.field) for p in error.problems]
    return [UserError(code=error.code, message=str(error))]


async def or_graphql_error(work: Awaitable[T]) -> T:
    """Run a query's use case; a domain error becomes a GraphQL error with its code."""
    try:
        return await work
    except DomainError as error:
        raise GraphQLError(str(error), extensions={"code": error.code}) from None
