"""The real clock and id generator."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIds:
    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()


class RandomSecrets:
    def new_secret(self, nbytes: int = 32) -> str:
        return secrets.token_urlsafe(nbytes)
