"""The lock store, chosen by the environment: Redis when REDIS_HOST is set (several Rasa
instances share it), else in memory (one instance).

Environment: REDIS_HOST, REDIS_PORT (6379), REDIS_PASSWORD, REDIS_DB (1), REDIS_KEY_PREFIX;
Rasa's TICKET_LOCK_LIFETIME (60 s) is also the longest a message waits for its turn.

Messages of one conversation are handled one at a time, in the order they arrived, and the next
starts as soon as the one before ends. Rasa 3.6 instead polls the lock once a second and lets a
waiting ticket expire LOCK_LIFETIME seconds after it was issued: one conversation took about one
message a second, and of 100 messages sent at once 41 were dropped (`LockError`, answered `[]`).
Here, in memory, each conversation has a FIFO `asyncio.Lock` (no polling); in Redis, a waiting
ticket is polled every POLL_S seconds and its lifetime counts from when it is served, not issued.
A message that still cannot get its turn raises `LockError`, which rasa_runtime/resend.py answers.

Rasa 3.6's RedisLockStore changes a lock by reading it, changing it and writing it back: two
instances that take a ticket for the same conversation at the same moment both get the same ticket
and process two messages of one conversation at once (and a lock can be deleted under a waiting
ticket). AtomicRedisLockStore makes each of these changes one Redis transaction (WATCH/MULTI).
"""

import asyncio
import json
import os
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore,
                                  RedisLockStore)

Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]

POLL_S = (0.005, 0.05)  # Redis: first and longest pause between two looks at a waiting ticket


class QueuedInMemoryLockStore(InMemoryLockStore):
    """One Rasa process: a FIFO asyncio lock per conversation, dropped when nobody holds or waits
    for it. `lock()` waits at most `lock_lifetime` seconds, then raises LockError."""

    def __init__(self) -> None:
        super().__init__()
        self.queues: Dict[str, List[Any]] = {}  # conversation id -> [asyncio.Lock, holders+waiters]

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncIterator[None]:
        """Holds the conversation's lock for the `async with` block (FIFO among waiters)."""
        queue = self.queues.setdefault(conversation_id, [asyncio.Lock(), 0])
        queue[1] += 1
        try:
            try:
                await asyncio.wait_for(queue[0].acquire(), timeout=lock_lifetime)
            except asyncio.TimeoutError:
                raise LockError(f"waited {lock_lifetime} s for conversation '{conversation_id}'")
            try:
                yield None
            finally:
                queue[0].release()
        finally:
            queue[1] -= 1
            if not queue[1]:
                self.queues.pop(conversation_id, None)


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

    async def _acquire_lock(self, conversation_id: str, ticket: int,
                            wait_time_in_seconds: float) -> TicketLock:
        """Waits for `ticket`'s turn, looking every 5-50 ms and keeping the ticket alive while it
        waits; LockError after LOCK_LIFETIME seconds or when the ticket is gone."""
        deadline = time.monotonic() + LOCK_LIFETIME
        pause = POLL_S[0]
        while time.monotonic() < deadline:
            lock = self._change(conversation_id, lambda lock: self._renew(lock, ticket))
            if lock is None:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(pause)
            pause = min(pause * 2, POLL_S[1])
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    @staticmethod
    def _renew(lock: Optional[TicketLock], ticket: int) -> Tuple[Optional[TicketLock],
                                                                  Optional[TicketLock]]:
        """The lock with `ticket`'s lifetime restarted while it waits (None when `ticket` is
        gone), for `_change`."""
        if lock is None:
            return None, None
        lock.remove_expired_tickets()
        mine = next((t for t in lock.tickets if t.number == ticket), None)
        if mine is None:
            return lock, None
        if lock.is_locked(ticket):
            mine.expires = time.time() + LOCK_LIFETIME
        return lock, lock

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
    """Builds an AtomicRedisLockStore or a QueuedInMemoryLockStore; Rasa calls it like a lock store
    class."""

    def __new__(cls, host: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        redis_host = os.environ.get("REDIS_HOST")
        if not redis_host:
            return QueuedInMemoryLockStore()
        return AtomicRedisLockStore(
            host=redis_host, port=int(os.environ.get("REDIS_PORT", 6379)),
            db=int(os.environ.get("REDIS_DB", 1)), password=os.environ.get("REDIS_PASSWORD"),
            key_prefix=os.environ.get("REDIS_KEY_PREFIX"))
