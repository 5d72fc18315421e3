"""A SQL tracker store that keeps every event of every conversation, but gives Rasa only the
recent part of a conversation, so the cost of a turn does not grow with the conversation.

Rasa rebuilds the tracker of a conversation on every message by replaying all its events, and its
policies walk the whole history again: turn 300 of one conversation costs many times turn 10. Here
`retrieve` loads at most `max_events` recent events of the current session (cut at the start of a
turn) plus the slot values set before them; `save` appends only the events added since. The full
history stays in the database (`retrieve_full_tracker`, the HTTP API, exports, `make purge`).

Configuration comes from the environment, so one endpoints.yml serves development and production:
- TRACKER_DB_DIALECT: `sqlite` (default, file TRACKER_DB, default var/tracker.db) or `postgresql`
- TRACKER_DB_HOST, TRACKER_DB_PORT, TRACKER_DB (database name), TRACKER_DB_USER,
  TRACKER_DB_PASSWORD for PostgreSQL
- TRACKER_MAX_EVENTS: how many recent events prediction sees (default 60, about ten turns)
"""

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

import sqlalchemy
import sqlalchemy.orm
import sqlalchemy.pool
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_MAX_EVENTS = 60
STORED = "_stored_events"  # attribute on a tracker: how many of its events are in the database


def _database_settings() -> Dict[str, Any]:
    dialect = os.environ.get("TRACKER_DB_DIALECT", "sqlite")
    if dialect == "sqlite":
        path = Path(os.environ.get("TRACKER_DB", PROJECT / "var" / "tracker.db"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return {"dialect": "sqlite", "db": str(path)}
    return {
        "dialect": dialect,
        "host": os.environ.get("TRACKER_DB_HOST", "127.0.0.1"),
        "port": os.environ.get("TRACKER_DB_PORT", "5432"),
        "db": os.environ.get("TRACKER_DB", "rasa"),
        "username": os.environ.get("TRACKER_DB_USER"),
        "password": os.environ.get("TRACKER_DB_PASSWORD"),
    }


class BoundedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that loads only the recent events of a conversation for prediction."""

    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 max_events: Optional[int] = None, **kwargs: Any) -> None:
        settings = _database_settings()
        kwargs = {k: v for k, v in kwargs.items() if k not in settings}
        self.max_events = int(max_events or os.environ.get("TRACKER_MAX_EVENTS", DEFAULT_MAX_EVENTS))
        super().__init__(domain=domain, **settings, **kwargs)
        if settings["dialect"] == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool): keep them open
            self.engine = sqlalchemy.create_engine(self.engine.url, poolclass=sqlalchemy.pool.QueuePool,
                                                   connect_args={"check_same_thread": False})
            sqlalchemy.event.listen(self.engine, "connect", _fast_sqlite)
            self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The current session's recent events, with the slots set before them.

        One query reads the conversation's last `max_events` events; when the session started
        among them, they are cut there (the session's start is looked up in a second query only
        when it lies further back, and the slots set before are restored then)."""
        event = self.SQLEvent
        with self.session_scope() as session:
            # columns, not ORM objects: a tenth of a turn less
            rows = (session.query(event.id, event.type_name, event.data)
                    .filter(event.sender_id == sender_id)
                    .order_by(event.id.desc()).limit(self.max_events).all())[::-1]
            starts = [index for index, row in enumerate(rows) if row.type_name == "session_started"]
            if starts:
                rows = rows[starts[-1]:]
            if not rows or not self.domain:
                return None
            events = [json.loads(row.data) for row in rows]
            if len(rows) == self.max_events:
                started = (session.query(sqlalchemy.func.max(event.timestamp))
                           .filter(event.sender_id == sender_id, event.type_name == "session_started")
                           .scalar())
                in_session = [event.sender_id == sender_id]
                if started is not None:
                    in_session.append(event.timestamp >= started)
                start = _first_turn_start(events)
                events = self._slots_before(session, in_session, rows[start].id) + events[start:]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, STORED, len(tracker.events))
        return tracker

    def _slots_before(self, session: Any, in_session: List[Any], first_id: int) -> List[Dict[str, Any]]:
        """SlotSet events restoring each slot's last value before event `first_id`: the latest
        event of each slot (its name is stored as `action_name`) after the last reset."""
        event = self.SQLEvent
        reset = (session.query(sqlalchemy.func.max(event.id))
                 .filter(*in_session, event.id < first_id,
                         event.type_name.in_(["reset_slots", "restart"]))
                 .scalar()) or 0
        latest = (session.query(sqlalchemy.func.max(event.id))
                  .filter(*in_session, event.id < first_id, event.id > reset, event.type_name == "slot")
                  .group_by(event.action_name))
        rows = session.query(event.data).filter(event.id.in_(latest.scalar_subquery())).all()
        return [SlotSet(data["name"], data.get("value")).as_dict()
                for data in (json.loads(row.data) for row in rows)]

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends the events added since the tracker was loaded (all of them for a new one)."""
        stored = getattr(tracker, STORED, None)
        if stored is None:
            await super().save(tracker)
        else:
            await self.stream_events(tracker)
            rows = []
            for event in list(tracker.events)[stored:]:
                data = event.as_dict()
                rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                             "timestamp": data.get("timestamp"),
                             "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                             "action_name": data.get("name"), "data": json.dumps(data)})
            if rows:  # one INSERT of all the new rows, without the ORM's unit of work
                with self.session_scope() as session:
                    session.execute(self.SQLEvent.__table__.insert(), rows)
                    session.commit()
        setattr(tracker, STORED, len(tracker.events))


def _fast_sqlite(connection: Any, _record: Any) -> None:
    """Write-ahead log, and no fsync per commit: a crash may lose the last turns, not the file."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _first_turn_start(events: List[Dict[str, Any]]) -> int:
    """Index of the first `action_listen` (a turn starts after it), or 0."""
    for index, event in enumerate(events):
        if event.get("event") == ActionExecuted.type_name and event.get("name") == "action_listen":
            return index
    return 0
