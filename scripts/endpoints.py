"""The endpoints file for an action server on another port: endpoints.yml with only the port of
`action_endpoint.url` changed, so that every target that starts Rasa (`make serve`, `shell`, `web`,
`telegram`, `whatsapp`) keeps the project's tracker store and lock store (docs/production.md).

Usage: scripts/endpoints.py PORT    writes var/endpoints/actions-PORT.yml and prints its path
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

PROJECT = Path(__file__).resolve().parent.parent
SOURCE = PROJECT / "endpoints.yml"
OUT = PROJECT / "var" / "endpoints"


def endpoints_for(port: int) -> Path:
    """Writes (atomically) and returns var/endpoints/actions-PORT.yml."""
    endpoints = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    url = urlsplit(endpoints["action_endpoint"]["url"])
    endpoints["action_endpoint"]["url"] = url._replace(netloc=f"{url.hostname}:{port}").geturl()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"actions-{port}.yml"
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(f"# {SOURCE.name} with the action server on port {port} "
                     f"(scripts/endpoints.py)\n" + yaml.safe_dump(endpoints, sort_keys=False),
                     encoding="utf-8")
    draft.replace(path)
    return path


def main(argv: list) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    print(endpoints_for(int(argv[0])).relative_to(PROJECT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
