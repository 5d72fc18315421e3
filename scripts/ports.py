"""The ports of the servers that `make serve`, `shell`, `web`, `telegram`, `whatsapp` and `actions`
start, checked before anything is loaded.

    scripts/ports.py check RASA_PORT=5005 ACTIONS_PORT=5055

exits 0 when every port is free, else 1 with one line naming the first port in use and who holds
it; when that is this bot (Rasa, the action server or the web chat's page, run from a checkout of
this project), the line says where it runs: its address, process and the `make` target and
directory that started it.

    scripts/ports.py free 5055

prints the first free port from 5055 up (`make shell` runs its action server there).

Only the standard library: it runs before `make install`.
"""

import errno
import os
import socket
import sys
from pathlib import Path
from typing import List, Optional

TARGETS = ("serve", "shell", "web", "telegram", "whatsapp", "actions")


def in_use(port: int) -> bool:
    """Whether a server could not listen on `port`: something listens on it, on any address."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def listener(port: int) -> Optional[int]:
    """The id of the process listening on `port`, when it can be seen (/proc, same user)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc") if inodes else []):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes
                   for fd in os.listdir(f"/proc/{pid}/fd")):
                return int(pid)
        except OSError:
            continue
    return None


def command_line(pid: int) -> List[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def server_kind(args: List[str]) -> Optional[str]:
    """Which of this bot's servers a command line runs, or None."""
    words = [Path(arg).name for arg in args]
    if "web_server.py" in words:
        return "web chat page"
    if any(word in ("rasa", "run_rasa.py") for word in words) and "run" in words:
        return "action server" if "actions" in words[words.index("run") + 1:][:1] else "Rasa"
    return None


def started_by(pid: int) -> str:
    """`make TARGET` when a make of a server target started the process, else its command."""
    ancestor = pid
    for _ in range(8):
        ancestor = parent(ancestor)
        args = command_line(ancestor)
        if ancestor <= 1 or not args:
            break
        if Path(args[0]).name == "make":
            goals = [arg for arg in args[1:] if arg in TARGETS]
            return f"`make {' '.join(goals)}`" if goals else "`make`"
    args = command_line(pid)
    if args and Path(args[0]).name.startswith("python"):
        args = args[1:]
    return "`" + " ".join(Path(arg).name for arg in args[:4]) + " ...`"


def holder(port: int) -> str:
    """Who holds the port, in words."""
    pid = listener(port)
    if pid is None:
        return "another program"
    args = command_line(pid)
    kind = server_kind(args)
    try:
        directory = Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        directory = None
    if kind and directory and (directory / "domain.yml").exists() and (directory / "actions").is_dir():
        return (f"this bot's {kind}, running at http://127.0.0.1:{port} (pid {pid}, started by "
                f"{started_by(pid)} in {directory})")
    name = Path(args[0]).name if args else "?"
    return f"another program ({name}, pid {pid})"


def check(assignments: List[str]) -> int:
    for assignment in assignments:
        name, _, value = assignment.rpartition("=")
        port = int(value)
        if in_use(port):
            print(f"Port {port} ({name or 'port'}) is in use by {holder(port)}: stop it, or set "
                  f"another {name or 'port'}.", file=sys.stderr)
            return 1
    return 0


def free(start: int) -> int:
    for port in range(start, min(start + 200, 65536)):
        if not in_use(port):
            print(port)
            return 0
    print(f"No free port from {start} to {start + 199}.", file=sys.stderr)
    return 1


def main(argv: List[str]) -> int:
    if len(argv) >= 2 and argv[0] == "check":
        return check(argv[1:])
    if len(argv) == 2 and argv[0] == "free":
        return free(int(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
