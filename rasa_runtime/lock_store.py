"""The lock store, chosen by the environment: Redis when REDIS_HOST is set (several Rasa
instances share it), else in memory (one instance).

Environment: REDIS_HOST, REDIS_PORT (6379), REDIS_PASSWORD, REDIS_DB (1), REDIS_KEY_PREFIX.

Rasa 3.6's RedisLockStore changes a lock by reading it, changing it and writing it back: two
instances that take a ticket for the same conversation at the same moment both get the same ticket
and process two messages of one conversation at once (and a lock can be deleted under a waiting
ticket). AtomicRedisLockStore makes each of these changes one Redis transaction (WATCH/MULTI).
"""

import json
import os
from typing import Any, Callable, Optional, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore,
                                  RedisLockStore)

Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket operations are atomic across processes."""

    def _change(self, conversation_id: str, change: Change) -> Any:
        """Applies `change` (lock or None -> new lock or None to delete, result) atomically."""
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> Any:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            return result

        return self.red.transaction(attempt, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for the conversation's lock (created if missing)."""
        def take(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, take)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    def update_lock(self, conversation_id: str) -> None:
        """Removes expired tickets."""
        def expire(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the ticket."""
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the ticket, and the lock when no other ticket waits, in one step."""
        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return (lock if lock and lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)


class EnvironmentLockStore:
    """Builds an AtomicRedisLockStore or an InMemoryLockStore; Rasa calls it like a lock store
    class."""

    def __new__(cls, host: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        redis_host = os.environ.get("REDIS_HOST")
        if not redis_host:
            return InMemoryLockStore()
        return AtomicRedisLockStore(
            host=redis_host, port=int(os.environ.get("REDIS_PORT", 6379)),
            db=int(os.environ.get("REDIS_DB", 1)), password=os.environ.get("REDIS_PASSWORD"),
            key_prefix=os.environ.get("REDIS_KEY_PREFIX"))
