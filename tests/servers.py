"""Starts the action server and Rasa on loopback for live tests, and talks to Rasa's REST channel."""

import os
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests
import yaml

PROJECT = Path(__file__).resolve().parent.parent
RASA = str(PROJECT / ".venv" / "bin" / "rasa")
MODEL = PROJECT / "models" / "bpjstk-kalbar.tar.gz"
ACTIONS_PORT, RASA_PORT = 15055, 15005
LOGS = PROJECT / "results" / "live"


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not up after {seconds}s:\n{log.read_text()[-3000:]}")


def stop_process(process: Optional[subprocess.Popen], timeout: float) -> None:
    """Terminates a running process; kills it when it is still running after `timeout` seconds."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Server:
    """`rasa ARGS` as a background process on loopback; its output goes to results/live/NAME.log."""

    def __init__(self, name: str, args: List[str], health_url: str,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.name, self.args, self.health_url, self.env = name, args, health_url, env or {}
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Server":
        LOGS.mkdir(parents=True, exist_ok=True)
        log = LOGS / f"{self.name}.log"
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", SANIC_HOST="127.0.0.1", **self.env)
        with open(log, "w") as out:
            self.process = subprocess.Popen([RASA, *self.args], cwd=PROJECT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT)
        _wait_for(self.health_url, self.process, log)
        return self

    def stop(self) -> None:
        stop_process(self.process, timeout=20)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def action_server(facts_file: Optional[Path] = None, port: int = ACTIONS_PORT,
                  env: Optional[Dict[str, str]] = None) -> Server:
    """The action server on 127.0.0.1:port, with another facts file if given."""
    env = dict(env or {}, **({"FACTS_FILE": str(facts_file)} if facts_file else {}))
    return Server(f"actions-{port}", ["run", "actions", "--actions", "actions", "--port", str(port)],
                  f"http://127.0.0.1:{port}/health", env)


def rasa_server(port: int = RASA_PORT, actions_port: int = ACTIONS_PORT,
                credentials: str = "credentials.yml", extra_args: Optional[List[str]] = None,
                env: Optional[Dict[str, str]] = None, endpoints: Optional[str] = None) -> Server:
    """Rasa with the trained model on 127.0.0.1:port, its actions on 127.0.0.1:actions_port."""
    if endpoints is None:
        LOGS.mkdir(parents=True, exist_ok=True)
        endpoints_file = LOGS / f"endpoints-{actions_port}.yml"
        endpoints = yaml.safe_load((PROJECT / "endpoints.yml").read_text(encoding="utf-8"))
        endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
        endpoints_file.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
        endpoints = str(endpoints_file)
    database = LOGS / f"tracker-{port}.db"
    for stale in LOGS.glob(f"tracker-{port}.db*"):
        stale.unlink()
    env = dict({"TRACKER_DB": str(database)}, **(env or {}))
    return Server(f"rasa-{port}", ["run", "--model", str(MODEL), "-i", "127.0.0.1", "--port", str(port),
                                   "--credentials", credentials, "--endpoints", endpoints,
                                   *(extra_args or [])],
                  f"http://127.0.0.1:{port}/webhooks/rest/", env)


def send(sender: str, message: str, port: int = RASA_PORT) -> List[dict]:
    """Sends one message through the REST channel; returns the bot's messages."""
    response = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message}, timeout=60)
    response.raise_for_status()
    return response.json()


def say(sender: str, message: str, port: int = RASA_PORT) -> str:
    """The text of the bot's replies to one message, joined by newlines."""
    return "\n".join(m.get("text", "") for m in send(sender, message, port))
