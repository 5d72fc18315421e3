"""`make shell` in a pseudo-terminal (pexpect): scripts/shell.py with the action server started by
scripts/with_action_server.sh, as `make shell` runs them (on a test port, the endpoints file derived
from endpoints.yml by the script, with a tracker store of its own). The greeting's menu comes as
numbered lines; typed text is answered as typed; a number picks a button; the commands answer;
Ctrl-D and Ctrl-C leave cleanly and stop the action server; nothing but the conversation is on the
screen."""

import io
import os
import re
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from servers import MODEL, PROJECT

ACTIONS_PORT = 19255
# a new line, perhaps terminal control sequences of readline, then the prompt
PROMPT = r"\r\n(?:\x1b\[[0-9;?]*[a-zA-Z])*> "
MENU = ["Kantor terdekat", "Daftar kantor", "Apa itu PLKK?", "Jumlah PLKK", "Aplikasi JMO",
        "BSU di Kalimantan Barat"]
# what must never be on the screen
NOISE = re.compile(r"warning|deprecat|tensorflow|traceback|sqlalchemy|error", re.I)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Shell:
    """scripts/with_action_server.sh python scripts/shell.py in a pseudo-terminal."""

    def __init__(self, tmp_path: Path) -> None:
        assert MODEL.exists(), "no trained model: run `make train` (make test does it)"
        assert not port_open(ACTIONS_PORT), f"port {ACTIONS_PORT} is in use"
        self.log = tmp_path / "shell.log"
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS",
                                                               "TF_CPP_MIN_LOG_LEVEL")}
        env.update(ACTIONS_PORT=str(ACTIONS_PORT), TRACKER_DB=str(tmp_path / "tracker.db"),
                   RASA_TELEMETRY_ENABLED="false", TERM="xterm")
        self.screen = io.StringIO()
        self.child = pexpect.spawn(
            str(PROJECT / "scripts" / "with_action_server.sh"),
            [str(PROJECT / ".venv" / "bin" / "python"), "scripts/shell.py", "--model", str(MODEL),
             "--log", str(self.log)],
            cwd=str(PROJECT), env=env, encoding="utf-8", timeout=240, dimensions=(50, 200))
        self.child.logfile_read = self.screen

    def reply(self, typed: str, seconds: float = 60) -> str:
        """Types a line; returns what the bot printed up to the next prompt."""
        self.child.sendline(typed)
        self.child.expect(PROMPT, timeout=seconds)
        return self.child.before

    def buttons(self, text: str) -> list:
        """The numbered lines of a reply: [(number, title)]."""
        return [(int(n), t.strip()) for n, t in re.findall(r"(?m)^  (\d+)\. (.+?)\r?$", text)]

    def close(self) -> None:
        """Leaves as a user does (Ctrl-D, then Ctrl-C), so that the launcher's EXIT trap stops the
        action server; kills only a shell that ignores both, and then its action server too (a
        killed launcher runs no trap: the next test would find the port in use)."""
        for leave in (self.child.sendeof, self.child.sendintr):
            if not self.child.isalive():
                return
            try:
                leave()
                self.child.expect(pexpect.EOF, timeout=20)
            except (pexpect.TIMEOUT, OSError):
                continue
        if self.child.isalive():
            self.child.terminate(force=True)
            subprocess.run(["pkill", "-f", f"actions --port {ACTIONS_PORT}"], check=False)


@pytest.fixture
def shell(tmp_path):
    started = Shell(tmp_path)
    yield started
    started.close()
    deadline = time.monotonic() + 20
    while port_open(ACTIONS_PORT) and time.monotonic() < deadline:
        time.sleep(0.5)


def wait_until_closed(port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while port_open(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return True


def test_menu_then_typed_text_then_a_number(shell):
    shell.child.expect(PROMPT)
    greeting = shell.child.before
    assert "Bot: Halo, selamat datang!" in greeting
    assert shell.buttons(greeting) == list(enumerate(MENU, start=1))
    assert port_open(ACTIONS_PORT)

    # typed text right after the menu is taken as typed (rasa shell picked a menu button here)
    typed = shell.reply("kantor terdekat dari sungai raya")
    assert 'bernama "Sungai Raya"' in typed, typed
    assert "Rp" not in typed and "BSU" not in typed
    choices = shell.buttons(typed)
    assert len(choices) >= 2, typed

    # a number picks a button of the last message: the first Sungai Raya
    picked = shell.reply("1")
    assert f"[{choices[0][1]}]" in picked
    assert re.search(r"Bot: .*(Kantor Cabang|Unit Layanan)", picked), picked

    # a number that is no button's is sent as typed: a postal code
    assert "Unit Layanan Entikong" in shell.reply("78557")

    # after a reply without buttons, "1" is a message of its own, not a stale button
    assert "[" + choices[0][1] + "]" not in shell.reply("1")

    # commands answer within 5 s, with the menu
    for command, expected in [("/restart", "Baik, percakapan dimulai dari awal."),
                              ("/back", "Kembali ke menu."),
                              ("/session_start", "Halo, selamat datang!"),
                              ("/foo", "Saya bisa membantu Anda")]:
        started = time.monotonic()
        answer = shell.reply(command, seconds=5)
        assert time.monotonic() - started < 5, command
        assert expected in answer and shell.buttons(answer)[0] == (1, MENU[0]), answer

    # Ctrl-D leaves cleanly and the action server stops
    shell.child.sendeof()
    shell.child.expect(pexpect.EOF, timeout=30)
    assert "Sampai jumpa!" in shell.child.before
    shell.child.close()
    assert shell.child.exitstatus == 0, shell.screen.getvalue()[-2000:]
    assert wait_until_closed(ACTIONS_PORT), "the action server still runs after Ctrl-D"

    screen = shell.screen.getvalue()
    assert not NOISE.search(screen), NOISE.search(screen).group(0) + ": " + screen[:3000]
    assert shell.log.stat().st_size > 0  # the libraries' output went to the log file


def test_ctrl_c_leaves_cleanly_and_stops_the_action_server(shell):
    shell.child.expect(PROMPT)
    shell.child.sendintr()
    shell.child.expect(pexpect.EOF, timeout=30)
    assert "Sampai jumpa!" in shell.child.before
    shell.child.close()
    assert shell.child.exitstatus == 0, shell.screen.getvalue()[-2000:]
    assert wait_until_closed(ACTIONS_PORT), "the action server still runs after Ctrl-C"
    screen = shell.screen.getvalue()
    assert "Traceback" not in screen and not NOISE.search(screen), screen[-2000:]


def test_personal_data_typed_in_the_shell_is_masked_before_it_is_stored(shell, tmp_path):
    shell.child.expect(PROMPT)
    answer = shell.reply("nik sy 6171012345670001, jht kpn bs cair?")
    assert "saya tidak memerlukan NIK" in answer.replace("\r\n", " ").replace("\n", " "), answer
    shell.child.sendeof()
    shell.child.expect(pexpect.EOF, timeout=30)
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        stored = [row[0] for row in db.execute("SELECT data FROM events")]
    assert any("[NIK]" in row for row in stored)
    assert not any("6171012345670001" in row for row in stored)


def test_make_shell_runs_this_shell():
    result = subprocess.run(["make", "-n", "shell"], cwd=PROJECT, capture_output=True, text=True,
                            timeout=60)
    assert "scripts/with_action_server.sh" in result.stdout
    assert "scripts/shell.py" in result.stdout and "rasa shell" not in result.stdout
