"""Horizontal scaling as in production: two Rasa instances (18005, 18006) share one PostgreSQL
tracker store (18432) and one Redis lock store (18379); one stateless action server (18055).
Real servers on loopback (tests/infra.py); the trained model is needed.

- one conversation alternates between the instances and keeps its context;
- the instances share the Redis lock: a message waits while another holds its conversation's
  lock, and two messages sent at the same moment to both instances are processed one after the
  other;
- 16 conversations run concurrently over both instances for 30 s while one instance is stopped
  and restarted: every message gets one answer, PostgreSQL holds every turn once and in order, and
  the conversations continue on the restarted instance.
"""

import asyncio
import contextlib
import json
import threading
import time
import uuid
from typing import Dict, List, Optional, Tuple

import pytest
import requests
import sqlalchemy

from infra import postgres_and_redis
from rasa_runtime.lock_store import AtomicRedisLockStore
from servers import MODEL, action_server, rasa_server, say

ACTIONS_PORT, PORT_A, PORT_B = 18055, 18005, 18006
PORTS = (PORT_A, PORT_B)
LOAD_SECONDS, CONVERSATIONS = 30, 16

# (message, text the reply must contain); each follow-up needs the context of the message before
SCRIPT = [("apa itu plkk", "Pusat Layanan Kecelakaan Kerja"),
          ("di kalbar ada berapa?", "79 fasilitas kesehatan"),
          ("kantor bpjs terdekat dari anjongan", "Unit Layanan Mempawah"),
          ("kalau di ketapang?", "Kantor Cabang Ketapang")]
# a follow-up that is right after each message of the script
FOLLOW_UP = {0: SCRIPT[1], 1: SCRIPT[1], 2: SCRIPT[3], 3: SCRIPT[3]}


class Cluster:
    """The running servers of this module."""

    def __init__(self, postgres, redis_server, rasa: Dict[int, object]) -> None:
        self.postgres, self.redis, self.rasa = postgres, redis_server, rasa
        self.engine = sqlalchemy.create_engine(postgres.url)

    def history(self, sender_id: str) -> List[Tuple[str, Optional[str]]]:
        """(type_name, text or name) of every stored event of the conversation of a REST sender
        (stored as rest:<sender>), in order."""
        with self.engine.connect() as connection:
            rows = connection.execute(sqlalchemy.text(
                "SELECT type_name, data FROM events WHERE sender_id = :sender ORDER BY id"),
                {"sender": f"rest:{sender_id}"}).fetchall()
        events = [(type_name, json.loads(data)) for type_name, data in rows]
        return [(type_name, data.get("text") or data.get("name")) for type_name, data in events]


@pytest.fixture(scope="module")
def cluster():
    """PostgreSQL, Redis, the action server and two Rasa instances; all stopped at the end."""
    assert MODEL.exists(), "no trained model: run `make train` (make test does it)"
    with postgres_and_redis() as (postgres, redis_server), contextlib.ExitStack() as stack:
        env = dict(postgres.env(), REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis_server.port))
        stack.enter_context(action_server(port=ACTIONS_PORT))
        rasa = {}
        for port in PORTS:  # one after the other: both create the tables at start
            rasa[port] = rasa_server(port=port, actions_port=ACTIONS_PORT, env=env)
            stack.callback(rasa[port].stop)
            rasa[port].start()
        cluster = Cluster(postgres, redis_server, rasa)
        stack.callback(cluster.engine.dispose)
        yield cluster


def check_history(cluster: Cluster, sender_id: str, sent: List[str]) -> None:
    """The stored conversation: one session, the user messages in the order sent (each once), and
    each followed by one answer: bot messages, then one action_listen, before the next message."""
    events = cluster.history(sender_id)
    assert [text for kind, text in events if kind == "user"] == sent, sender_id
    starts = [i for i, (kind, _) in enumerate(events) if kind == "session_started"]
    assert len(starts) == 1, (f"{sender_id}: {len(starts)} sessions, the later ones after "
                              f"{[events[max(i - 4, 0):i] for i in starts[1:]]}")
    user_positions = [i for i, (kind, _) in enumerate(events) if kind == "user"]
    for start, end in zip(user_positions, user_positions[1:] + [len(events)]):
        turn = events[start:end]
        assert sum(kind == "bot" for kind, _ in turn) >= 1, f"{sender_id}: no answer: {turn}"
        assert turn.count(("action", "action_listen")) == 1 and turn[-1] == (
            "action", "action_listen"), f"{sender_id}: not one answer: {turn}"


def post(port: int, sender: str, message: str) -> List[dict]:
    """One REST message; the bot's messages (a non-2xx status raises)."""
    response = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message}, timeout=90)
    response.raise_for_status()
    return response.json()


def text_of(messages: List[dict]) -> str:
    """The texts of the bot's messages, joined by newlines."""
    return "\n".join(m.get("text", "") for m in messages)


def test_atomic_redis_tickets_are_unique_and_exclusive(cluster):
    """Rasa's RedisLockStore can give two instances the same ticket (read, change, write back);
    ours never does, and only one holder at a time gets the lock."""
    stores = [AtomicRedisLockStore(host="127.0.0.1", port=cluster.redis.port, key_prefix="unit")
              for _ in range(4)]
    tickets: List[int] = []

    def take_tickets(store):
        for _ in range(100):
            tickets.append(store.issue_ticket("tickets"))

    threads = [threading.Thread(target=take_tickets, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(tickets) == 400 and len(set(tickets)) == 400

    holders, most, errors = [0], [0], []

    async def hold(store):
        for _ in range(10):
            async with store.lock("exclusive", wait_time_in_seconds=0.005):
                holders[0] += 1
                most[0] = max(most[0], holders[0])
                await asyncio.sleep(0.002)
                holders[0] -= 1

    def run(store):
        try:
            asyncio.run(hold(store))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and most[0] == 1


def test_one_conversation_alternates_between_instances(cluster):
    sender = f"alternate-{uuid.uuid4().hex[:8]}"
    for number, (message, expected) in enumerate(SCRIPT):
        assert expected in say(sender, message, port=PORTS[number % 2]), message
    check_history(cluster, sender, [message for message, _ in SCRIPT])


def test_a_held_lock_makes_both_instances_wait(cluster):
    """The test itself holds the conversation's lock in Redis: neither instance answers until it
    is released, then both answer, one after the other."""
    store = AtomicRedisLockStore(host="127.0.0.1", port=cluster.redis.port)
    sender = f"held-{uuid.uuid4().hex[:8]}"
    ticket = store.issue_ticket(f"rest:{sender}", lock_lifetime=60)  # the REST conversation
    replies: Dict[int, str] = {}
    messages = {PORT_A: SCRIPT[0][0], PORT_B: SCRIPT[2][0]}

    def ask(port):
        replies[port] = text_of(post(port, sender, messages[port]))

    threads = [threading.Thread(target=ask, args=(port,)) for port in PORTS]
    try:
        for thread in threads:
            thread.start()
            time.sleep(0.3)  # port A takes the first ticket after ours
        time.sleep(3)
        assert replies == {} and cluster.history(sender) == []
    finally:
        store.cleanup(f"rest:{sender}", ticket)
    for thread in threads:
        thread.join(timeout=60)
    assert SCRIPT[0][1] in replies[PORT_A] and SCRIPT[2][1] in replies[PORT_B]
    check_history(cluster, sender, [messages[PORT_A], messages[PORT_B]])


def test_simultaneous_messages_to_both_instances_are_processed_one_after_the_other(cluster):
    """Two messages of a new conversation sent at the same moment, one to each instance: both
    answered, one session, the two turns stored one after the other, not interleaved."""
    for _ in range(5):
        sender = f"same-moment-{uuid.uuid4().hex[:8]}"
        start = threading.Barrier(2, timeout=30)
        replies: Dict[int, str] = {}
        messages = {PORT_A: SCRIPT[0][0], PORT_B: SCRIPT[2][0]}

        def ask(port):
            start.wait()
            replies[port] = text_of(post(port, sender, messages[port]))

        threads = [threading.Thread(target=ask, args=(port,)) for port in PORTS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        assert SCRIPT[0][1] in replies[PORT_A] and SCRIPT[2][1] in replies[PORT_B]
        events = cluster.history(sender)
        users = [text for kind, text in events if kind == "user"]
        assert sorted(users) == sorted(messages.values())
        check_history(cluster, sender, users)
        # the first turn ended (the bot listened) before the second message was read
        second = [i for i, (kind, _) in enumerate(events) if kind == "user"][1]
        assert events[second - 1] == ("action", "action_listen"), events


def test_60_messages_of_one_sender_at_once_over_both_instances_are_all_answered(cluster):
    """Rasa's Redis lock polled once a second and let a waiting ticket expire a minute after it
    was issued: the messages after the first sixty or so got `[]`. Ours looks every 5-50 ms and
    keeps a waiting ticket alive: every message answered, one at a time."""
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    start, replies = threading.Barrier(60, timeout=60), {}

    def ask(number: int) -> None:
        start.wait()
        replies[number] = text_of(post(PORTS[number % 2], sender, SCRIPT[0][0]))

    threads = [threading.Thread(target=ask, args=(number,)) for number in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(replies) == list(range(60))
    assert all(SCRIPT[0][1] in reply for reply in replies.values()), replies
    check_history(cluster, sender, [SCRIPT[0][0]] * 60)


class LoadClient:
    """One conversation of the load: sends the script in a loop, alternating instances like a
    load balancer; an instance that refuses the connection is skipped (the message was not
    received), as a proxy's health check would."""

    def __init__(self, number: int, down: set) -> None:
        self.sender = f"load-{number}-{uuid.uuid4().hex[:6]}"
        self.number, self.down = number, down
        self.sent: List[str] = []
        self.position = (number % 2) * 2  # half start with PLKK, half with offices
        self.answered_by: List[Tuple[float, int]] = []
        self.failures: List[str] = []

    def send(self, message: str, expected: str, prefer: int, deadline: float) -> None:
        """Sends one message to the preferred instance, else the other; records failures."""
        while time.monotonic() < deadline:
            for port in (prefer, PORTS[1 - PORTS.index(prefer)]):
                if port in self.down:
                    continue
                try:
                    messages = post(port, self.sender, message)
                except requests.ConnectionError:
                    continue
                except requests.RequestException as error:
                    self.failures.append(f"{message!r} on {port}: {error}")
                    return
                self.sent.append(message)
                self.answered_by.append((time.monotonic(), port))
                if not messages or expected not in text_of(messages):
                    self.failures.append(f"{message!r} on {port}: {text_of(messages)!r}")
                return
            time.sleep(0.2)
        self.failures.append(f"{message!r}: no instance answered")

    def run(self, until: float) -> None:
        """Talks until `until` (monotonic time)."""
        while time.monotonic() < until and not self.failures:
            message, expected = SCRIPT[self.position % len(SCRIPT)]
            self.send(message, expected, PORTS[(self.number + len(self.sent)) % 2], until + 60)
            self.position += 1


def test_load_over_both_instances_with_one_stopped_and_restarted(cluster):
    down: set = set()
    clients = [LoadClient(number, down) for number in range(CONVERSATIONS)]
    began = time.monotonic()
    until = began + LOAD_SECONDS
    threads = [threading.Thread(target=client.run, args=(until,)) for client in clients]
    for thread in threads:
        thread.start()
    restarted: Dict[str, float] = {}
    try:
        time.sleep(LOAD_SECONDS / 4)
        cluster.rasa[PORT_B].stop()  # mid-load: SIGTERM, in-flight requests finish
        down.add(PORT_B)
        stopped_at = time.monotonic()
        time.sleep(3)
        cluster.rasa[PORT_B].start()  # waits until it answers again
        down.discard(PORT_B)
        restarted["at"] = time.monotonic()
    finally:
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS + 120)
    failures = [failure for client in clients for failure in client.failures]
    assert not failures, failures[:10]
    total = sum(len(client.sent) for client in clients)
    answered = [(at, port) for client in clients for at, port in client.answered_by]
    while_down = [port for at, port in answered if stopped_at < at < restarted["at"]]
    assert while_down and set(while_down) == {PORT_A}, "the other instance kept answering"
    assert any(port == PORT_B and at < stopped_at for at, port in answered)
    print(f"\n{total} messages in {time.monotonic() - began:.0f} s, {len(while_down)} while "
          f"{PORT_B} was down, restart took {restarted['at'] - stopped_at:.0f} s")

    # every conversation continues where it was, on the restarted instance
    for client in clients:
        message, expected = FOLLOW_UP[(client.position - 1) % len(SCRIPT)]
        assert expected in say(client.sender, message, port=PORT_B), client.sender
        client.sent.append(message)
    for client in clients:
        check_history(cluster, client.sender, client.sent)
