"""Domain errors: one small hierarchy with stable machine codes and no HTTP status.

The API layer maps each code to a problem-details response in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a dotted path into the input, and why it is refused."""

    field: str
    reason: str
    source: str = ""  # the file or input the field came from, when there is one

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.field}: {self.reason}"


class DomainError(Exception):
    """Base of every rule violation the core reports. `code` is stable and public."""

    code = "domain-error"
    title = "The request breaks a rule"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail  # specifics beyond the title, when there are any
        super().__init__(detail or self.title)


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class FeatureOff(NotFound):
    """The tenant does not run the capability asked for (its tenant file's `features`)."""

    code = "feature-off"
    title = "This tenant does not offer this"


class NotAllowed(DomainError):
    code = "not-allowed"
    title = "Not allowed"


class Gone(DomainError):
    code = "gone"
    title = "No longer available"


class Unavailable(DomainError):
    """A service the operation needs is down; trying again later may work."""

    code = "unavailable"
    title = "Temporarily unavailable"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflicts with the current state"


class InvalidInput(DomainError):
    """Input that breaks one or more rules, each named by field."""

    code = "invalid-input"
    title = "Invalid input"

    def __init__(self, problems: list[FieldProblem], detail: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__(detail or "; ".join(str(p) for p in self.problems))


class StaleVersion(DomainError):
    """The caller edited a version that is no longer current (an If-Match that failed)."""

    code = "precondition-failed"
    title = "The resource changed since it was read"
