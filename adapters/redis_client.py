"""Redis: a real server by URL, or the in-process stand-in for the embedded default."""

from __future__ import annotations

import asyncio

import fakeredis
import redis.asyncio as redis


def connect_redis(url: str) -> redis.Redis:
    """A client for `url`; an empty URL gives fakeredis (one process's memory only)."""
    if not url:
        return fakeredis.FakeAsyncRedis()
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


async def redis_reachable(client: redis.Redis, *, within: float = 2.0) -> bool:
    try:
        async with asyncio.timeout(within):
            return bool(await client.ping())
    except Exception:
        return False
