"""Talk to the bot in a terminal (`make shell`).

Unlike `rasa shell`, which turns every message with buttons into a selection list that eats what
the user types next, this shell prints a message's buttons as numbered lines:

    Bot: Halo, selamat datang! ...
      1. Kantor terdekat
      2. Daftar kantor
    > 2

A number from 1 to the number of buttons of the bot's last message picks that button (its payload
is sent); anything else, other numbers included (a postal code), is sent exactly as typed.
Ctrl-D or Ctrl-C leaves (`make shell` then stops the action server too).

The model runs in this process (no HTTP server), with the tracker store, lock store and action
server of endpoints.yml, in a conversation `shell:<random>` of its own (channels/conversations.py).
Everything libraries print (deprecation warnings, TensorFlow, Rasa's log) goes to the log file,
var/shell.log by default; the screen shows only the conversation.

Usage: python scripts/shell.py [--model models/bpjstk-kalbar.tar.gz] [--endpoints endpoints.yml]
                               [--log var/shell.log]
"""

import argparse
import asyncio
import logging
import os
import sys
import uuid
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

PROMPT = "> "
HINT = ("Ketik pertanyaan Anda, atau nomor tombol untuk memilihnya. Ctrl-D untuk keluar.\n"
        "Type your question, or a button's number to pick it. Ctrl-D to leave.")
GOODBYE = "Sampai jumpa! / Goodbye!"
GREETING = "/greet"  # what the shell sends first: the bot greets with its menu


def quiet_libraries(log_path: Path) -> TextIO:
    """Sends everything written to the standard error (Python warnings, logging, TensorFlow's C++
    log lines) to `log_path`; returns the terminal's standard error, for a fatal error."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    terminal = os.fdopen(os.dup(2), "w", buffering=1)
    log = open(log_path, "a", buffering=1, encoding="utf-8")
    os.dup2(log.fileno(), 2)
    sys.stderr = log
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    logging.basicConfig(stream=log, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    return terminal


class Buttons:
    """The buttons of the bot's last message that had any."""

    def __init__(self) -> None:
        self.current: List[Dict[str, Any]] = []

    def pick(self, typed: str) -> Optional[Dict[str, Any]]:
        """The button a typed number picks, or None (the text is then sent as typed)."""
        text = typed.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.current):
            return self.current[int(text) - 1]
        return None


def show(messages: List[Dict[str, Any]], buttons: Buttons) -> None:
    """Prints the bot's messages, buttons as numbered lines."""
    offered: List[Dict[str, Any]] = []
    for message in messages:
        if message.get("text"):
            print("Bot: " + message["text"].strip().replace("\n", "\n     "))
        if message.get("image"):
            print("     " + str(message["image"]))
        for button in message.get("buttons") or message.get("quick_replies") or []:
            offered.append(button)
            print(f"  {len(offered)}. {button.get('title') or button.get('payload')}")
    buttons.current = offered
    sys.stdout.flush()


async def load(model: Path, endpoints_file: Path) -> Any:
    """Rasa's agent with the model and the endpoints (tracker store, lock store, actions)."""
    import rasa.utils.log_utils
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    rasa.utils.log_utils.configure_structlog(logging.INFO)  # into the log file
    agent = await load_agent(model_path=str(model),
                             endpoints=AvailableEndpoints.read_endpoints(str(endpoints_file)))
    if agent is None or not agent.is_ready():
        raise RuntimeError(f"cannot load the model {model}")
    return agent


async def ask(agent: Any, conversation: str, text: str) -> List[Dict[str, Any]]:
    """Sends one message; returns the bot's messages."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    output = CollectingOutputChannel()
    await agent.handle_message(UserMessage(text, output, conversation, input_channel="shell"))
    return output.messages


def converse(loop: asyncio.AbstractEventLoop, agent: Any, conversation: str) -> None:
    """The conversation: the greeting, then each line the user types, until Ctrl-D (EOFError) or
    Ctrl-C (KeyboardInterrupt)."""
    buttons = Buttons()
    show(loop.run_until_complete(ask(agent, conversation, GREETING)), buttons)
    while True:
        typed = input(PROMPT)
        button = buttons.pick(typed)
        if button is not None:
            print(f"     [{button.get('title') or button.get('payload')}]")
            text = str(button.get("payload") or button.get("title") or "")
        else:
            text = typed
        show(loop.run_until_complete(ask(agent, conversation, text)), buttons)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=PROJECT / "models" / "bpjstk-kalbar.tar.gz")
    parser.add_argument("--endpoints", type=Path, default=PROJECT / "endpoints.yml")
    parser.add_argument("--log", type=Path, default=PROJECT / "var" / "shell.log")
    args = parser.parse_args(argv)
    try:
        import readline  # noqa: F401 - line editing and history for input()
    except ImportError:
        pass
    terminal = quiet_libraries(args.log)
    print("Memuat bot... / Loading the bot...", flush=True)
    conversation = f"shell:{uuid.uuid4().hex}"
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        agent = loop.run_until_complete(load(args.model, args.endpoints))
        print(HINT, flush=True)
        converse(loop, agent, conversation)
    except (KeyboardInterrupt, EOFError):
        print("\n" + GOODBYE, flush=True)
        return 0
    except Exception as error:  # noqa: BLE001 - said in one line; the details are in the log
        logging.exception("the shell stopped")
        terminal.write(f"The shell stopped: {error} (details in {args.log})\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
