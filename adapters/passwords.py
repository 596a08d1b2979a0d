"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106's recommendation).

Each hash takes tens of milliseconds of CPU and 64 MiB: it runs on a small pool of threads of
its own (argon2-cffi releases the GIL), so the event loop keeps answering other requests while
logins hash, and a burst of logins queues for the pool instead of taking every core and all
memory at once."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


def default_hash_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Argon2Hasher:
    def __init__(self, hasher: PasswordHasher | None = None, *, threads: int = 0) -> None:
        self._hasher = hasher or PasswordHasher()
        self._threads = threads or default_hash_threads()
        self._pool: ThreadPoolExecutor | None = None
        self._dummy: str | None = None

    async def _off_loop(self, work: Any, *args: str) -> Any:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="argon2")
        return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)

    async def hash(self, password: str) -> str:
        return await self._off_loop(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._off_loop(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    async def spend_verify_time(self, password: str) -> None:
        if self._dummy is None:
            self._dummy = await self.hash("no account has this password; it only costs time")
        await self.verify(self._dummy, password)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
