"""Rate limits in Redis: fixed windows counted atomically by a Lua script, so the limits
hold across every API process that shares the Redis. If Redis is unreachable, requests are
let through and a warning is logged (availability over strictness; documented)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis.asyncio as redis
from redis.exceptions import RedisError

log = logging.getLogger("stadtkern.rate_limits")

# KEYS[1] counter; ARGV[1] seconds to keep it; ARGV[2] increment. Returns the count.
_HIT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int


class RedisRateLimiter:
    def __init__(self, client: redis.Redis, *, prefix: str = "sk:rl:") -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_HIT)

    async def _count(self, key: str, window: int, increment: int) -> tuple[int, int] | None:
        # The window number is part of the key, so a counter never outlives its window.
        now = int(time.time())
        bucket = now // window
        try:
            count = await self._script(
                keys=[f"{self._prefix}{key}:{window}:{bucket}"], args=[window, increment]
            )
        except (RedisError, OSError) as exc:
            log.warning("rate limit not checked: redis unreachable", extra={"reason": str(exc)})
            return None
        return int(count), window - now % window

    async def hit(self, key: str, *, limit: int, window: int) -> Decision:
        counted = await self._count(key, window, 1)
        if counted is None:
            return Decision(True, limit, limit, window, window)
        count, ttl = counted
        return Decision(count <= limit, limit, max(0, limit - count), ttl, window)

    async def add(self, key: str, increment: int, *, window: int) -> tuple[int, int]:
        """Move a counter by `increment`; (its count, seconds left). Unreachable Redis: 0."""
        counted = await self._count(key, window, increment)
        return counted if counted else (0, window)

    async def peek(self, key: str, *, window: int) -> tuple[int, int]:
        counted = await self._count(key, window, 0)
        return counted if counted else (0, window)


class RedisLoginThrottle:
    """Failed logins per account key over one hour (the LoginThrottle port)."""

    WINDOW = 3600

    def __init__(self, limiter: RedisRateLimiter) -> None:
        self._limiter = limiter

    async def failures(self, account_key: str) -> tuple[int, int]:
        return await self._limiter.peek(f"login-fail:{account_key}", window=self.WINDOW)

    async def begin_attempt(self, account_key: str) -> tuple[int, int]:
        return await self._limiter.add(f"login-fail:{account_key}", 1, window=self.WINDOW)

    async def attempt_succeeded(self, account_key: str) -> None:
        await self._limiter.add(f"login-fail:{account_key}", -1, window=self.WINDOW)
