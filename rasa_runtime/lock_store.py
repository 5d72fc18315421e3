"""The lock store, chosen by the environment: Redis when REDIS_HOST is set (several Rasa
instances share it), else in memory (one instance).

Environment: REDIS_HOST, REDIS_PORT (6379), REDIS_PASSWORD, REDIS_DB (1), REDIS_KEY_PREFIX.
"""

import os
from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore


class EnvironmentLockStore:
    """Builds a RedisLockStore or an InMemoryLockStore; Rasa calls it like a lock store class."""

    def __new__(cls, host: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        redis_host = os.environ.get("REDIS_HOST")
        if not redis_host:
            return InMemoryLockStore()
        return RedisLockStore(
            host=redis_host, port=int(os.environ.get("REDIS_PORT", 6379)),
            db=int(os.environ.get("REDIS_DB", 1)), password=os.environ.get("REDIS_PASSWORD"),
            key_prefix=os.environ.get("REDIS_KEY_PREFIX"))
