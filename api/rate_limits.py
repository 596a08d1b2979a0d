"""Counting requests against limits, and the 429 answer with RateLimit headers."""

from __future__ import annotations

from typing import Protocol

from fastapi import Request

from api.services import Services
from domain.identity.errors import TooManyAttempts

MINUTE = 60


class Decision(Protocol):
    """A rate limiter's answer to one request (Services.rate_limiter counts them)."""

    @property
    def allowed(self) -> bool: ...

    @property
    def limit(self) -> int: ...

    @property
    def remaining(self) -> int: ...

    @property
    def reset_seconds(self) -> int: ...

    @property
    def window_seconds(self) -> int: ...


class RateLimited(TooManyAttempts):
    code = "rate-limited"
    title = "Too many requests"

    def __init__(self, decision: Decision, policy: str) -> None:
        self.headers = rate_limit_headers(decision, policy)
        super().__init__(
            decision.reset_seconds,
            f"the {policy} limit is {decision.limit} requests per {decision.window_seconds} s",
        )


def rate_limit_headers(decision: Decision, policy: str) -> dict[str, str]:
    """IETF RateLimit and RateLimit-Policy fields (draft-ietf-httpapi-ratelimit-headers)."""
    return {
        "RateLimit": f'"{policy}";r={decision.remaining};t={decision.reset_seconds}',
        "RateLimit-Policy": f'"{policy}";q={decision.limit};w={decision.window_seconds}',
    }


async def enforce_rate_limit(
    request: Request, services: Services, *, key: str, limit: int, window: int, policy: str
) -> None:
    """Count this request; the answer carries RateLimit headers, and 429 past the limit."""
    decision = await services.rate_limiter.hit(key, limit=limit, window=window)
    request.state.rate_limit = rate_limit_headers(decision, policy)
    if not decision.allowed:
        raise RateLimited(decision, policy)
