"""Deletes old conversations from the tracker store: every event of each conversation whose last
event is older than N days. Whole conversations go, never a part of one; a conversation with a
recent message is kept entirely.

Usage: scripts/purge.py --days N [--dry-run]      (or: make purge DAYS=N)

The database is the one Rasa uses, configured by the same environment variables
(rasa_runtime/tracker_store.py): SQLite var/tracker.db (or TRACKER_DB) by default, PostgreSQL with
TRACKER_DB_DIALECT=postgresql, TRACKER_DB_HOST, TRACKER_DB_PORT, TRACKER_DB, TRACKER_DB_USER and
TRACKER_DB_PASSWORD. Safe to run while Rasa runs; the deletion is one transaction.

Every purge (not a dry run) is recorded in the table `purge_log` of the same database, in the same
transaction: when it ran, its cutoff and how many conversations and events it deleted (no
conversation id), so that `make report` can say what the purges have already removed.
"""

import argparse
import contextlib
import io
import os
import sys
import time
import warnings
from pathlib import Path
from typing import List, Optional

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sqlalchemy as sa  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent

# one row per purge: when (epoch seconds), the cutoff (epoch seconds), what it deleted
PURGE_LOG = sa.Table("purge_log", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("purged_at", sa.Float, nullable=False),
                     sa.Column("cutoff", sa.Float, nullable=False),
                     sa.Column("conversations", sa.Integer, nullable=False),
                     sa.Column("events", sa.Integer, nullable=False))

# conversations whose newest event is older than the cutoff
OLD_CONVERSATIONS = ("SELECT sender_id FROM events GROUP BY sender_id "
                     "HAVING MAX(timestamp) < :cutoff")


def parse_arguments(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """--days N (required, at least 1) and --dry-run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, required=True,
                        help="delete conversations whose last message is older than this")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    arguments = parser.parse_args(argv)
    if arguments.days < 1:
        parser.error("--days must be at least 1")
    return arguments


def engine_from_environment() -> Optional[sa.engine.Engine]:
    """An engine for the tracker store Rasa uses; None when the SQLite file does not exist."""
    sys.path.insert(0, str(PROJECT))
    # imported here, after the arguments are checked: importing Rasa takes seconds and prints
    # warnings of its dependencies, which a cron job should not mail
    with contextlib.redirect_stderr(io.StringIO()):
        from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
        from rasa_runtime.tracker_store import _database_settings

    settings = _database_settings()
    if settings["dialect"] == "sqlite" and not Path(settings["db"]).exists():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Rasa builds the URL the SQLAlchemy 1.3 way
        url = SQLTrackerStore.get_db_url(**settings)
    engine = sa.create_engine(url, **create_engine_kwargs(url))
    if settings["dialect"] == "sqlite":
        # overwrite deleted rows in the file instead of only marking them free
        sa.event.listen(engine, "connect",
                        lambda connection, _: connection.execute("PRAGMA secure_delete=ON"))
    return engine


def purge(engine: sa.engine.Engine, days: int, dry_run: bool = False) -> tuple:
    """Deletes (or with dry_run only counts) the old conversations; returns (conversations,
    events)."""
    cutoff = time.time() - days * 86400
    with engine.begin() as connection:
        if not sa.inspect(connection).has_table("events"):
            return 0, 0
        conversations = connection.execute(
            sa.text(f"SELECT COUNT(*) FROM ({OLD_CONVERSATIONS}) AS old"),
            {"cutoff": cutoff}).scalar()
        condition = f"WHERE sender_id IN ({OLD_CONVERSATIONS})"
        if dry_run:
            events = connection.execute(sa.text(f"SELECT COUNT(*) FROM events {condition}"),
                                        {"cutoff": cutoff}).scalar()
        else:
            events = connection.execute(sa.text(f"DELETE FROM events {condition}"),
                                        {"cutoff": cutoff}).rowcount
            PURGE_LOG.create(connection, checkfirst=True)
            connection.execute(PURGE_LOG.insert().values(
                purged_at=time.time(), cutoff=cutoff, conversations=conversations, events=events))
    return conversations, events


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the purge and prints what it deleted."""
    arguments = parse_arguments(argv)
    engine = engine_from_environment()
    if engine is None:
        print("No tracker store yet: nothing to delete.")
        return 0
    try:
        conversations, events = purge(engine, arguments.days, arguments.dry_run)
    finally:
        engine.dispose()
    verb = "Would delete" if arguments.dry_run else "Deleted"
    where = engine.url.render_as_string(hide_password=True)
    print(f"{verb} {conversations} conversation(s), {events} event(s), whose last message is "
          f"older than {arguments.days} day(s) ({where}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
