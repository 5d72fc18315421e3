"""The server targets' ports and stores, live (issue 19, items 3 and 7), on ports 19400-19499.

One `make web` runs for the whole module, with a tracker store of its own. Beside it, `make serve`
and a second `make web` on its ports stop within seconds with one line that names the port and
says where this bot runs, and leave the running one's logs alone; `make shell` takes the next free
action-server port. Then a web chat through it, Ctrl-C (no warning, no traceback, no make error),
and the conversation is in the SQLite store and in `make report`. A port held by a plain socket
stops `serve`, `web`, `telegram`, `whatsapp`, `actions` and scripts/with_action_server.sh before
anything starts. The derived endpoints file keeps the project's stores."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pexpect
import pytest
import socketio
import yaml

from servers import MODEL, PROJECT
from test_web_browser import _group_alive, _wait_until_gone
from test_web_socketio import Chat

WEB_PORT, RASA_PORT, ACTIONS_PORT = 19480, 19405, 19455
PAGE = f"http://127.0.0.1:{WEB_PORT}/"
MAKE = ["make", "--no-print-directory", "-o", str(MODEL.relative_to(PROJECT))]
WEB_PORTS = [f"WEB_PORT={WEB_PORT}", f"RASA_PORT={RASA_PORT}", f"ACTIONS_PORT={ACTIONS_PORT}"]
NOISE = re.compile(r"warning|traceback|error|interrupt", re.I)
TARGET_ENV = {"TELEGRAM_TOKEN": "123:test", "TELEGRAM_SECRET_TOKEN": "test-secret",
              "WHATSAPP_ACCESS_TOKEN": "test", "WHATSAPP_APP_SECRET": "test",
              "WHATSAPP_VERIFY_TOKEN": "test", "WHATSAPP_PHONE_NUMBER_ID": "1"}


def environment(**extra: str) -> dict:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", **TARGET_ENV, **extra)


def run_make(*args: str, env: dict) -> tuple:
    """make ARGS; returns (exit status, output lines, seconds)."""
    started = time.monotonic()
    result = subprocess.run([*MAKE, *args], cwd=PROJECT, env=env, capture_output=True, text=True,
                            timeout=60)
    return (result.returncode, (result.stdout + result.stderr).splitlines(),
            time.monotonic() - started)


MAKE_OWN_LINE = re.compile(r"make(\[\d+\])?: \*\*\* ")


def own_lines(lines: list) -> list:
    """The lines besides make's own `make: *** [...] Error 1` (`make[1]: ***` under a parent make,
    as in `make test`)."""
    return [line for line in lines if not MAKE_OWN_LINE.match(line)]


def snapshot(paths: list) -> dict:
    """Size and modification time of each file (None when it does not exist)."""
    return {path: (path.stat().st_size, path.stat().st_mtime_ns) if path.exists() else None
            for path in paths}


def web_logs() -> list:
    return [PROJECT / "var" / "web" / f"{name}-{port}.log" for name, port in
            [("actions", ACTIONS_PORT), ("rasa", RASA_PORT), ("static", WEB_PORT)]] + \
           [PROJECT / "var" / f"action-server-{ACTIONS_PORT}.log"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("store") / "tracker.db"


@pytest.fixture(scope="module")
def make_web(store):
    """`make web` on this module's ports with its own tracker store; yields (process, log). The
    action server's first answer builds its indexes: on a busy machine it may take over the 3 s
    that Rasa waits by default."""
    log = store.parent / "make-web.log"
    with open(log, "w") as out:
        process = subprocess.Popen([*MAKE, "web", *WEB_PORTS], cwd=PROJECT,
                                   env=environment(TRACKER_DB=str(store), ACTION_TIMEOUT_S="60"),
                                   stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while f"Web chat: {PAGE}" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make web did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield process, log
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGTERM)
            if not _wait_until_gone(process, 30):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.mark.parametrize("args, port, holder", [
    (["serve", f"RASA_PORT={RASA_PORT}", "ACTIONS_PORT=19456"], RASA_PORT, "Rasa"),
    (["serve", "RASA_PORT=19406", f"ACTIONS_PORT={ACTIONS_PORT}"], ACTIONS_PORT, "action server"),
    (["web", *WEB_PORTS], WEB_PORT, "web chat page"),
    (["web", "WEB_PORT=19481", f"RASA_PORT={RASA_PORT}", "ACTIONS_PORT=19456"], RASA_PORT, "Rasa"),
])
def test_a_target_beside_a_running_bot_stops_at_once_and_says_where_it_runs(make_web, args, port,
                                                                          holder):
    before = snapshot(web_logs())
    status, lines, seconds = run_make(*args, env=environment())
    assert status != 0 and seconds < 10, (status, seconds, lines)
    assert len(own_lines(lines)) == 1, lines
    line = own_lines(lines)[0]
    assert f"Port {port} " in line and f"this bot's {holder}" in line, line
    assert f"http://127.0.0.1:{port}" in line and "`make web`" in line and str(PROJECT) in line
    assert "Traceback" not in "\n".join(lines)
    assert snapshot(web_logs()) == before  # the running one's logs are untouched
    assert make_web[0].poll() is None


def test_make_shell_beside_a_running_bot_takes_the_next_free_action_port(make_web, store):
    before = snapshot(web_logs())
    env = environment(TRACKER_DB=str(store.parent / "shell.db"), TERM="xterm")
    child = pexpect.spawn(MAKE[0], [*MAKE[1:], "shell", f"ACTIONS_PORT={ACTIONS_PORT}"],
                          cwd=str(PROJECT), env=env, encoding="utf-8", timeout=120)
    try:
        # with_action_server.sh starts scripts/shell.py once its action server answers
        child.expect("Memuat bot")
        health = subprocess.run(["curl", "-fs", "http://127.0.0.1:19456/health"],
                                capture_output=True, text=True, timeout=10)
        assert '"ok"' in health.stdout
        endpoints = yaml.safe_load((PROJECT / "var" / "endpoints" / "actions-19456.yml").read_text())
        assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:19456/webhook"
        # stopped while the model loads (test_shell.py has the shell's own Ctrl-C and Ctrl-D):
        # the shell and its action server end, make web's stays
        os.killpg(child.pid, signal.SIGTERM)
        child.expect(pexpect.EOF, timeout=30)
    finally:
        child.close(force=True)
    deadline = time.monotonic() + 20
    while subprocess.run(["curl", "-fs", "http://127.0.0.1:19456/health"],
                         capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "the shell's action server still runs"
        time.sleep(0.5)
    assert snapshot(web_logs()) == before
    own_log = (PROJECT / "var" / "action-server-19456.log").read_text()
    assert "Action endpoint is up and running on http://127.0.0.1:19456" in own_log
    assert "Traceback" not in own_log
    assert make_web[0].poll() is None


def test_a_web_chat_is_stored_and_reported_and_ctrl_c_stops_cleanly(make_web, store):
    process, log = make_web
    chat = Chat(f"http://127.0.0.1:{RASA_PORT}")
    try:
        chat.say("apa itu plkk", "Pusat Layanan Kecelakaan Kerja")
        chat.say("kantor bpjs terdekat dari sintang", "Kantor Cabang Sintang")
    finally:
        chat.close()

    # Ctrl-C while a page is still open: one client on a WebSocket, one long-polling
    open_page = Chat(f"http://127.0.0.1:{RASA_PORT}")
    polling = socketio.Client(reconnection=False)
    polling.connect(f"http://127.0.0.1:{RASA_PORT}", socketio_path="/socket.io",
                    transports=["polling"], wait_timeout=30)
    try:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        assert _wait_until_gone(process, 60), log.read_text()[-2000:]
    finally:
        open_page.client.disconnect()
        polling.disconnect()
    output = log.read_text()
    assert "Stopped." in output
    assert not NOISE.search(output), output[-3000:]  # no make error, warning or traceback
    for path in web_logs()[:3]:
        text = path.read_text()
        assert "Traceback" not in text and "Warning" not in text, path
        # engine.io's ping tasks are ended, not destroyed pending (an asyncio ERROR line)
        assert "Task was destroyed" not in text, (path, text[-2000:])

    conversation = f"web:{chat.session_id}"
    with sqlite3.connect(store) as db:
        texts = [row[0] for row in db.execute(
            "SELECT json_extract(data, '$.text') FROM events WHERE sender_id = ? AND "
            "type_name = 'user' ORDER BY id", (conversation,))]
    assert texts == ["apa itu plkk", "kantor bpjs terdekat dari sintang"]

    status, lines, _ = run_make("report", env=environment(TRACKER_DB=str(store)))
    assert status == 0, lines
    report = (PROJECT / "results" / "report.md").read_text(encoding="utf-8")
    # the web channel's row (conversations, messages), whatever the report's language
    assert re.search(r"(?mi)^\| [^|]*web[^|]* \| 1 \| 2 \|$", report), report
    assert "Kabupaten Sintang" in report, report


@pytest.fixture
def taken():
    """A plain socket listening on 127.0.0.1:19410; nothing of this bot's must touch its log."""
    log = PROJECT / "var" / "action-server-19410.log"
    log.unlink(missing_ok=True)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 19410))
        holder.listen()
        yield 19410
    assert not log.exists()


@pytest.mark.parametrize("args, name", [
    (["serve", "RASA_PORT=19410", "ACTIONS_PORT=19411"], "RASA_PORT"),
    (["serve", "RASA_PORT=19411", "ACTIONS_PORT=19410"], "ACTIONS_PORT"),
    (["web", "WEB_PORT=19412", "RASA_PORT=19411", "ACTIONS_PORT=19410"], "ACTIONS_PORT"),
    (["telegram", "TELEGRAM_PORT=19410", "ACTIONS_PORT=19411"], "TELEGRAM_PORT"),
    (["whatsapp", "WHATSAPP_PORT=19411", "WHATSAPP_ACTIONS_PORT=19410"], "WHATSAPP_ACTIONS_PORT"),
    (["actions", "ACTIONS_PORT=19410"], "ACTIONS_PORT"),
])
def test_a_taken_port_stops_a_target_at_once_with_one_line(taken, args, name):
    status, lines, seconds = run_make(*args, env=environment())
    assert status != 0 and seconds < 10, (status, seconds, lines)
    assert len(own_lines(lines)) == 1, lines
    assert re.fullmatch(rf"Port 19410 \({name}\) is in use by another program \(\S+, pid "
                        rf"{os.getpid()}\): stop it, or set another {name}\.", own_lines(lines)[0])


def test_with_action_server_checks_its_port_before_starting_anything(taken, tmp_path):
    marker = tmp_path / "ran"
    result = subprocess.run(["scripts/with_action_server.sh", "touch", str(marker)], cwd=PROJECT,
                            env=environment(ACTIONS_PORT="19410"), capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Port 19410 (ACTIONS_PORT) is in use by another program")
    assert not marker.exists()


def test_the_endpoints_of_another_action_port_keep_the_project_stores():
    result = subprocess.run([str(PROJECT / ".venv" / "bin" / "python"), "scripts/endpoints.py",
                             "19499"], cwd=PROJECT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    derived = yaml.safe_load((PROJECT / result.stdout.strip()).read_text(encoding="utf-8"))
    project = yaml.safe_load((PROJECT / "endpoints.yml").read_text(encoding="utf-8"))
    assert derived.pop("action_endpoint") == {"url": "http://127.0.0.1:19499/webhook"}
    project.pop("action_endpoint")
    assert derived == project and "tracker_store" in derived and "lock_store" in derived


@pytest.mark.parametrize("target", ["serve", "shell", "web", "telegram", "whatsapp"])
def test_no_target_gives_rasa_an_endpoints_file_of_its_own(target):
    result = subprocess.run([*MAKE, "-n", target], cwd=PROJECT, env=environment(),
                            capture_output=True, text=True, timeout=60)
    assert "scripts/with_action_server.sh" in result.stdout or "scripts/web.sh" in result.stdout
    assert "--endpoints" not in result.stdout and "endpoints.yml" not in result.stdout
