"""Tells Telegram where the bot's webhook is: setWebhook with TELEGRAM_WEBHOOK_URL and
TELEGRAM_SECRET_TOKEN (the same settings as channels/telegram.py, from the environment).

Rasa never does this at start, so it starts offline; run this once after deploying, or after the
URL or the secret changes.

Usage: python scripts/telegram_set_webhook.py [--info | --delete] [--drop-pending-updates]
"""

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from channels.telegram import settings  # noqa: E402

# Ports Telegram delivers webhooks to, over HTTPS.
WEBHOOK_PORTS = {443, 80, 88, 8443}
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
ALLOWED_UPDATES = ["message", "callback_query"]


def problems(values: dict) -> list:
    """What is missing or wrong in the settings for setWebhook."""
    found = []
    if not values["token"]:
        found.append("TELEGRAM_TOKEN is not set")
    url = values["webhook_url"]
    if not url:
        found.append("TELEGRAM_WEBHOOK_URL is not set")
    else:
        parts = urlsplit(url)
        if parts.scheme != "https":
            found.append("TELEGRAM_WEBHOOK_URL must start with https://")
        elif (parts.port or 443) not in WEBHOOK_PORTS:
            found.append(f"TELEGRAM_WEBHOOK_URL: Telegram only uses ports {sorted(WEBHOOK_PORTS)}")
    if not SECRET_TOKEN.fullmatch(values["secret_token"] or ""):
        found.append("TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    return found


def call(values: dict, method: str, **params) -> dict:
    """Calls a Bot API method; returns Telegram's reply."""
    url = f"{values['api_url']}/bot{values['token']}/{method}"
    try:
        return requests.post(url, json=params, timeout=30).json()
    except (requests.RequestException, ValueError) as error:
        detail = str(error).replace(values["token"], "<token>")
        return {"ok": False, "description": f"{type(error).__name__}: {detail}"}


def main() -> int:
    """Sets, shows or deletes the webhook; 0 when Telegram says ok."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--info", action="store_true", help="show the current webhook")
    action.add_argument("--delete", action="store_true", help="remove the webhook")
    parser.add_argument("--drop-pending-updates", action="store_true",
                        help="discard the updates Telegram has not delivered yet")
    args = parser.parse_args()
    values = settings()
    if args.info or args.delete:
        found = [] if values["token"] else ["TELEGRAM_TOKEN is not set"]
    else:
        found = problems(values)
    if found:
        print("\n".join(f"error: {p}" for p in found), file=sys.stderr)
        return 2
    if args.info:
        reply = call(values, "getWebhookInfo")
    elif args.delete:
        reply = call(values, "deleteWebhook", drop_pending_updates=args.drop_pending_updates)
    else:
        reply = call(values, "setWebhook", url=values["webhook_url"],
                     secret_token=values["secret_token"], allowed_updates=ALLOWED_UPDATES,
                     drop_pending_updates=args.drop_pending_updates)
    if not reply.get("ok"):
        print(f"error: {reply.get('description')}", file=sys.stderr)
        return 1
    print(json.dumps(reply.get("result"), indent=2) if args.info else reply.get("description") or "ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
