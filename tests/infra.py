"""Real PostgreSQL and Redis servers on loopback for tests, from the Debian packages `postgresql`
and `redis-server` (.ci/apt-packages.txt). No system service is used: each server runs from its
binaries in a temporary directory and is stopped and removed afterwards, also when a test fails.

When the binaries are missing, a test that needs them is skipped with the reason, unless the
environment variable CI is set: then it fails, so CI never passes by skipping.
"""

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from servers import stop_process

POSTGRES_PORT, REDIS_PORT = 18432, 18379
DB_USER, DB_PASSWORD, DB_NAME = "rasa", "rasa-test-password", "rasa"


def unavailable(reason: str) -> None:
    """Skips the test, or fails it when CI is set."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so this is a failure (the Debian packages postgresql "
                    "and redis-server come from .ci/apt-packages.txt via `make system-packages`)",
                    pytrace=False)
    pytest.skip(f"{reason}: install the Debian packages postgresql and redis-server "
                "(`make system-packages`) to run this test")


def _version_key(path: str) -> List[int]:
    return [int(part) for part in re.findall(r"\d+", path)]


def postgres_bin_dir() -> Optional[Path]:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb, pg_ctl and postgres."""
    candidates = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    candidates = [d for d in candidates if (d / "pg_ctl").exists() and (d / "postgres").exists()]
    return max(candidates, key=lambda d: _version_key(str(d)), default=None)


def redis_binary() -> Optional[str]:
    """The redis-server binary on the PATH or in /usr/bin, or None."""
    return shutil.which("redis-server") or next(iter(glob.glob("/usr/bin/redis-server*")), None)


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _check_port(port: int, what: str) -> None:
    if not port_is_free(port):
        pytest.fail(f"port {port} for the test {what} is in use (a stale test server?)",
                    pytrace=False)


def _as_postgres(command: List[str]) -> List[str]:
    """PostgreSQL refuses to run as root: as root, run the command as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Postgres:
    """A PostgreSQL server on 127.0.0.1:port in a temporary directory, with user DB_USER
    (password DB_PASSWORD) owning the database DB_NAME."""

    def __init__(self, port: int = POSTGRES_PORT) -> None:
        self.port = port
        self.bin_dir = postgres_bin_dir()
        self.root: Optional[Path] = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database."""
        return f"postgresql://{DB_USER}:{DB_PASSWORD}@127.0.0.1:{self.port}/{DB_NAME}"

    def env(self) -> dict:
        """The environment that points BoundedSQLTrackerStore (and scripts/purge.py) here."""
        return {"TRACKER_DB_DIALECT": "postgresql", "TRACKER_DB_HOST": "127.0.0.1",
                "TRACKER_DB_PORT": str(self.port), "TRACKER_DB": DB_NAME,
                "TRACKER_DB_USER": DB_USER, "TRACKER_DB_PASSWORD": DB_PASSWORD}

    def _run(self, *args: str, timeout: float = 90) -> None:
        command = _as_postgres([str(self.bin_dir / args[0]), *args[1:]])
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            log = self.root / "postgres.log" if self.root else None
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                               f"{result.stdout}{result.stderr}{tail}")

    def start(self) -> "Postgres":
        """initdb, start, create the database; waits at most about 90 s per step."""
        if self.bin_dir is None:
            unavailable("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                unavailable("there is no `postgres` user to run PostgreSQL as")
        _check_port(self.port, "PostgreSQL")
        self.root = Path(tempfile.mkdtemp(prefix="bpjstk-postgres-"))
        password_file = self.root / "password"
        password_file.write_text(DB_PASSWORD + "\n")
        if os.geteuid() == 0:
            for path in (self.root, password_file):
                shutil.chown(path, "postgres", "postgres")
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", DB_USER, f"--pwfile={password_file}",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                  "--locale=C")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "postgres.log"), "-w",
                  "-t", "60", "-o", options, "start")
        self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", DB_USER, "-d",
                  "postgres", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {DB_NAME}")
        return self

    def stop(self) -> None:
        """Fast shutdown (kill by the pid in postmaster.pid if that fails), then removes the
        directory."""
        if self.root is None:
            return
        data = self.root / "data"
        pid_file = data / "postmaster.pid"
        if pid_file.exists():
            try:
                self._run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop",
                          timeout=40)
            except (RuntimeError, subprocess.TimeoutExpired):
                if pid_file.exists():
                    with contextlib.suppress(OSError, ValueError, IndexError):
                        os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


class Redis:
    """A Redis server on 127.0.0.1:port that keeps nothing on disk."""

    def __init__(self, port: int = REDIS_PORT) -> None:
        self.port = port
        self.process: Optional[subprocess.Popen] = None
        self.root: Optional[Path] = None

    def start(self, seconds: float = 30) -> "Redis":
        """Starts redis-server and waits (at most `seconds`) until it answers PING."""
        binary = redis_binary()
        if binary is None:
            unavailable("Redis is not installed (no redis-server)")
        _check_port(self.port, "Redis")
        import redis

        self.root = Path(tempfile.mkdtemp(prefix="bpjstk-redis-"))
        log = open(self.root / "redis.log", "w")
        with log:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--save", "", "--appendonly", "no",
                 "--bind", "127.0.0.1", "--dir", str(self.root)],
                stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{(self.root / 'redis.log').read_text()}")
            try:
                if client.ping():
                    return self
            except redis.RedisError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"redis-server not up after {seconds}s")

    def stop(self) -> None:
        """Stops redis-server (kills it after 10 s) and removes its directory."""
        stop_process(self.process, timeout=10)
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
        self.process = self.root = None


@contextlib.contextmanager
def running(server):
    """Starts a Postgres or Redis and always stops it."""
    try:
        yield server.start()
    finally:
        server.stop()


@contextlib.contextmanager
def postgres_and_redis() -> Iterator[tuple]:
    """Both servers, checked for both binaries first so that a skip happens before any start."""
    if postgres_bin_dir() is None or redis_binary() is None:
        unavailable("PostgreSQL or Redis is not installed")
    with running(Postgres()) as postgres, running(Redis()) as redis_server:
        yield postgres, redis_server
