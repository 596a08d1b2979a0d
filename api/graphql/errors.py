"""Domain errors in GraphQL: typed `UserError` results in mutation payloads, and errors with
`extensions.code` in queries. Codes are the same stable codes as REST problem documents."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.request_context import current_request_id
from domain.errors import DomainError, InvalidInput

T = TypeVar("T")


@strawberry.type(description="A rule the mutation broke; `code` as in REST problem documents")
class UserError:
    code: str
    message: str
    field: str | None = None


def graphql_field(path: str) -> str:
    """A dotted field path in GraphQL's spelling: opening_hours.weekly -> openingHours.weekly."""
    return ".".join(_camel(part) for part in path.split("."))


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def user_errors(error: DomainError) -> list[UserError]:
    if isinstance(error, InvalidInput):
        return [
            UserError(code=error.code, message=p.reason, field=graphql_field(p.field))
            for p in error.problems
        ]
    return [UserError(code=error.code, message=str(error))]


async def or_graphql_error(work: Awaitable[T]) -> T:
    """Run a query's use case; a domain error becomes a GraphQL error with its code."""
    try:
        return await work
    except DomainError as error:
        raise GraphQLError(str(error), extensions={"code": error.code}) from None


# GraphQL's own refusals (graphql-core and strawberry's limits) carry no code; they get one
# by their kind, recognised by the message each rule writes.
_LIMITS = re.compile(
    r"exceeds maximum operation depth|aliases found\. Allowed|more than \d+ tokens"
)
_BAD_VALUES = re.compile(r"cannot represent|has invalid value|got invalid value|Expected value of")
INTERNAL_ERROR_MESSAGE = "Something went wrong on our side; the request id names it in our logs."
log = logging.getLogger("stadtkern.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """A fault in our code, as opposed to a bad document, a limit or a broken domain rule."""
    original = error.original_error
    # A resolver's own GraphQLError (a domain error given its code) is no fault either.
    return original is not None and not isinstance(original, DomainError | GraphQLError)


def code_of(error: GraphQLError) -> str:
    if error.extensions and error.extensions.get("code"):
        return str(error.extensions["code"])
    if isinstance(error.original_error, DomainError):
        return error.original_error.code
    if is_unexpected(error):
        return "internal-error"
    message = error.message
    if _LIMITS.search(message):
        return "graphql-limit-exceeded"
    if message.startswith("Syntax Error"):
        return "graphql-syntax-error"
    if _BAD_VALUES.search(message):
        return "invalid-input"
    return "graphql-invalid-document"


class ErrorCodes(SchemaExtension):
    """Every error of an answer carries `extensions.code` (the vocabulary of REST's problem
    documents plus GraphQL's own refusals); with `mask`, faults of ours say nothing more than
    that they happened."""

    def __init__(self, *, mask: bool) -> None:
        self.mask = mask

    def _coded(self, error: GraphQLError) -> GraphQLError:
        code = code_of(error)
        if code == "internal-error":
            log.error("graphql resolver failed", exc_info=error.original_error)
        masked = self.mask and code == "internal-error"
        return GraphQLError(
            INTERNAL_ERROR_MESSAGE if masked else error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None if masked else error.original_error,
            extensions={**(error.extensions or {}), "code": code}
            | ({"request_id": current_request_id()} if code == "internal-error" else {}),
        )

    def on_operation(self) -> Iterator[None]:
        yield
        result: Any = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [self._coded(e) for e in result.errors]
