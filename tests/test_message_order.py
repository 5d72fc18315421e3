"""Messages of one conversation are handled one at a time, in the order they arrived, without a
one-second poll (rasa_runtime/lock_store.py), and a message Rasa cannot handle gets "please send
that again" instead of silence (rasa_runtime/resend.py). The live side, 100 messages of one sender
at once, is in tests/test_bad_input.py (in memory) and tests/test_scaling.py (Redis)."""

import asyncio
from typing import Any, List

import pytest
from rasa.core import lock_store as rasa_lock_store
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockError

from rasa_runtime import resend
from rasa_runtime.lock_store import EnvironmentLockStore, QueuedInMemoryLockStore

SEND_AGAIN_ID = "Mohon maaf, pesan Anda belum sempat kami proses. Silakan kirim sekali lagi."
SEND_AGAIN_EN = "Sorry, I could not process your message just now. Please send it again."


@pytest.fixture
def no_polling(monkeypatch):
    """Rasa's lock store polls the lock once a second in `_acquire_lock`: using it fails the test."""
    async def poll(*args: Any) -> None:
        raise AssertionError("the lock was polled")

    monkeypatch.setattr(rasa_lock_store.LockStore, "_acquire_lock", poll)


def test_without_redis_the_lock_store_is_the_queued_one(monkeypatch):
    monkeypatch.delenv("REDIS_HOST", raising=False)
    assert isinstance(EnvironmentLockStore(), QueuedInMemoryLockStore)


def test_one_at_a_time_in_arrival_order_without_polling(no_polling):
    store, order, inside, most = QueuedInMemoryLockStore(), [], [0], [0]

    async def handle(number: int) -> None:
        async with store.lock("rest:one"):
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            order.append(number)
            await asyncio.sleep(0)  # a turn that gives the loop away
            inside[0] -= 1

    async def arrive() -> None:
        await asyncio.gather(*(handle(number) for number in range(100)))

    asyncio.run(arrive())
    assert order == list(range(100)) and most[0] == 1
    assert store.queues == {}  # nothing kept once the conversation is idle


def test_two_conversations_do_not_wait_for_each_other():
    store, order = QueuedInMemoryLockStore(), []

    async def slow() -> None:
        async with store.lock("rest:slow"):
            await asyncio.sleep(0.2)
            order.append("slow")

    async def quick() -> None:
        await asyncio.sleep(0.01)
        async with store.lock("rest:quick"):
            order.append("quick")

    async def both() -> None:
        await asyncio.gather(slow(), quick())

    asyncio.run(both())
    assert order == ["quick", "slow"]


def test_a_message_that_never_gets_its_turn_raises_lock_error():
    store, errors = QueuedInMemoryLockStore(), []

    async def holder(release: asyncio.Event) -> None:
        async with store.lock("rest:stuck"):
            await release.wait()

    async def waiter() -> None:
        try:
            async with store.lock("rest:stuck", lock_lifetime=0.05):
                pass
        except LockError as error:
            errors.append(error)

    async def run() -> None:
        release = asyncio.Event()
        task = asyncio.ensure_future(holder(release))
        await asyncio.sleep(0)
        await waiter()
        release.set()
        await task

    asyncio.run(run())
    assert len(errors) == 1 and store.queues == {}


class FailingAgent:
    """Stands in for Agent: handle_message is Rasa's wrapped one, failing like a lost lock turn."""

    async def handle(self, message: UserMessage) -> List[Any]:
        raise LockError("Could not acquire lock for conversation_id 'rest:x'.")


@pytest.mark.parametrize("text, expected", [
    ("apa itu plkk", SEND_AGAIN_ID), ("what is the JMO app", SEND_AGAIN_EN), ("", SEND_AGAIN_ID),
])
def test_a_message_that_cannot_be_handled_is_asked_again_in_its_language(text, expected, caplog):
    collector = CollectingOutputChannel()
    guarded = resend.guarded(FailingAgent.handle)
    result = asyncio.run(guarded(FailingAgent(), UserMessage(text, collector, "rest:x")))
    assert result is None
    assert [m["text"] for m in collector.messages] == [expected]
    assert "message of rest:x not handled (LockError" in caplog.text


def test_a_handled_message_passes_through():
    async def handle(agent: Any, message: UserMessage) -> List[str]:
        return ["answered"]

    collector = CollectingOutputChannel()
    assert asyncio.run(resend.guarded(handle)(None, UserMessage("x", collector, "s"))) == ["answered"]
    assert collector.messages == []


def test_registering_twice_wraps_once():
    resend.register()
    handle = Agent.handle_message
    resend.register()
    assert Agent.handle_message is handle and getattr(handle, resend.MARK)
