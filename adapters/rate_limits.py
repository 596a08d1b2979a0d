"""Rate limits in Redis: fixed windows counted atomically by a Lua script, so the limits
hold across every API process that shares the Redis. If Redis is unreachable, requests are
let through and a warning is logged (availability over strictness; documented)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis.asyncio as redis
from redis.exceptions import RedisError

from domain.identity.ports import LoginAttempt

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

    def counter(self, key: str, window: int) -> tuple[str, int]:
        """The Redis key of the current window's counter, and seconds until the window ends.
        The window number is part of the key, so a counter never outlives its window."""
        now = int(time.time())
        return f"{self._prefix}{key}:{window}:{now // window}", window - now % window

    async def _count(self, key: str, window: int, increment: int) -> tuple[int, int] | None:
        counter, resets_in = self.counter(key, window)
        count = await self.move(counter, window, increment)
        return None if count is None else (count, resets_in)

    async def move(self, counter: str, window: int, increment: int) -> int | None:
        """Move one window's counter (a key from `counter`); None if Redis is unreachable."""
        try:
            return int(await self._script(keys=[counter], args=[window, increment]))
        except (RedisError, OSError) as exc:
            log.warning("rate limit not checked: redis unreachable", extra={"reason": str(exc)})
            return None

    async def hit(self, key: str, *, limit: int, window: int) -> Decision:
        counted = await self._count(key, window, 1)
        if counted is None:
            return Decision(True, limit, limit, window, window)
        count, ttl = counted
        return Decision(count <= limit, limit, max(0, limit - count), ttl, window)

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

    async def begin_attempt(self, account_key: str) -> LoginAttempt:
        counter, resets_in = self._limiter.counter(f"login-fail:{account_key}", self.WINDOW)
        count = await self._limiter.move(counter, self.WINDOW, 1)
        return LoginAttempt(count or 0, resets_in, counter)

    async def attempt_succeeded(self, attempt: LoginAttempt) -> None:
        await self._limiter.move(attempt.counter, self.WINDOW, -1)
