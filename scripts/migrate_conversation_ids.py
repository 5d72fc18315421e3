"""Moves conversations stored before the channel namespaces into them.

Since issue 11 every conversation id starts with its channel: `telegram:<chat>`, `web:<session>`,
`rest:<sender>`, `shell:<...>` (channels/conversations.py). A conversation stored before that has
a bare id ("42", a web session's 32 hex digits, a REST sender) and would not be found again: this
script renames each one after the channel its first user message came from (the `input_channel`
Rasa stored with every message): telegram -> `telegram:`, socketio -> `web:`, rest -> `rest:`,
cmdline (rasa shell) -> `shell:`. A conversation without a user message, or from another channel,
goes to `rest:`. A conversation that several channels wrote into (the bug that the namespaces fix)
goes to the channel of its first user message. When the new id is already taken (the user wrote
again after the upgrade), the old conversation is left as it is and reported.

Run it once, best while Rasa is stopped, before or right after deploying the new version:

    .venv/bin/python scripts/migrate_conversation_ids.py --dry-run   # what would change
    .venv/bin/python scripts/migrate_conversation_ids.py

The database is the one Rasa uses, from the same environment variables as `make purge`
(rasa_runtime/tracker_store.py). Each conversation is renamed in one transaction; running the
script again changes nothing more.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "scripts"))

import sqlalchemy as sa  # noqa: E402

from channels.conversations import REST, SHELL, TELEGRAM, WEB, channel_of, conversation_id  # noqa: E402
from purge import engine_from_environment  # noqa: E402

# Rasa's input_channel of a message -> the namespace of its conversation
NAMESPACES = {"telegram": TELEGRAM, "socketio": WEB, "rest": REST, "cmdline": SHELL, "shell": SHELL}


def first_channel(connection: sa.engine.Connection, sender_id: str) -> Optional[str]:
    """The input_channel of the conversation's first user message, or None."""
    rows = connection.execute(sa.text(
        "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' ORDER BY id"),
        {"sender": sender_id})
    for (data,) in rows:
        try:
            channel = json.loads(data).get("input_channel")
        except (TypeError, ValueError):
            continue
        if channel:
            return channel
    return None


def plan(connection: sa.engine.Connection) -> List[Tuple[str, str]]:
    """(old id, new id) for every conversation that is not in a namespace yet."""
    senders = [row[0] for row in connection.execute(sa.text("SELECT DISTINCT sender_id FROM events"))]
    existing = set(senders)
    moves = []
    for sender in senders:
        if channel_of(sender) is not None:
            continue
        namespace = NAMESPACES.get(first_channel(connection, sender) or "", REST)
        moves.append((sender, conversation_id(namespace, sender)))
    return [(old, new) for old, new in moves if new not in existing] + \
        [(old, "") for old, new in moves if new in existing]


def migrate(engine: sa.engine.Engine, dry_run: bool = False) -> Dict[str, int]:
    """Renames the conversations; returns counts by namespace, and "taken" for those left."""
    counts: Counter = Counter()
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return {}
        moves = plan(connection)
    for old, new in moves:
        if not new:
            counts["taken"] += 1
            print(f"left as it is: {old!r} (its namespaced id is already in use)")
            continue
        counts[channel_of(new) or REST] += 1
        if not dry_run:
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE events SET sender_id = :new WHERE sender_id = :old"),
                                   {"new": new, "old": old})
    return dict(counts)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
    arguments = parser.parse_args(argv)
    engine = engine_from_environment()
    if engine is None:
        print("No tracker store yet: nothing to migrate.")
        return 0
    counts = migrate(engine, arguments.dry_run)
    moved = sum(n for kind, n in counts.items() if kind != "taken")
    verb = "would move" if arguments.dry_run else "moved"
    detail = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items()) if kind != "taken")
    print(f"{verb} {moved} conversation(s){' (' + detail + ')' if detail else ''}; "
          f"{counts.get('taken', 0)} left as they were.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
