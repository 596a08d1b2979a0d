"""Idempotency-Key, as clients send it on the POSTs that create money (pledges, refunds): a
retry with the same key answers with the first result."""

from __future__ import annotations

import re

from domain.errors import FieldProblem, InvalidInput

_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces, as Stripe's


def check_idempotency_key(key: str | None) -> None:
    if key is not None and not _KEY.fullmatch(key):
        raise InvalidInput(
            [FieldProblem("Idempotency-Key", "must be 1-255 printable characters, no spaces")]
        )
