"""Constraint violations turned into domain errors, by constraint name, in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from domain.directory.errors import CategoryKeyTaken, ExternalIdTaken
from domain.errors import Conflict
from domain.funding.errors import IdempotencyKeyTaken, PaymentReferenceTaken
from domain.identity.errors import EmailTaken
from domain.tenancy.errors import HostnameTaken, SlugTaken

# Substrings that identify a constraint in PostgreSQL's and SQLite's messages. Most stand for
# domain errors; funding's two are for the repository's caller (who draws again, or reads the
# request that stored the key first).
_CONSTRAINTS: list[tuple[tuple[str, ...], type[Exception]]] = [
    (("tenant_hostnames_pkey", "tenant_hostnames.hostname"), HostnameTaken),
    (("tenants_slug_key", "tenants.slug"), SlugTaken),
    (("accounts_email_key", "accounts.email"), EmailTaken),
    (
        ("businesses_external_id_key", "businesses.tenant_id, businesses.external_id"),
        ExternalIdTaken,
    ),
    (("categories_key_key", "categories.tenant_id, categories.key"), CategoryKeyTaken),
    (
        ("pledges_payment_reference_key", "pledges.provider, pledges.payment_reference"),
        PaymentReferenceTaken,
    ),
    (
        ("idempotency_keys_pkey", "idempotency_keys.tenant_id, idempotency_keys.scope"),
        IdempotencyKeyTaken,
    ),
]


def domain_error_for(exc: IntegrityError) -> Exception:
    message = str(exc.orig)
    for needles, error in _CONSTRAINTS:
        if any(needle in message for needle in needles):
            return error()
    return Conflict("the change conflicts with stored data")


@contextmanager
def constraint_errors() -> Iterator[None]:
    """Report a constraint broken inside the block as the domain error it stands for."""
    try:
        yield
    except IntegrityError as exc:
        raise domain_error_for(exc) from exc
