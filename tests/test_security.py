"""Security: Rasa's HTTP API only with a token, `make serve` on loopback unless told otherwise,
Telegram's secret token required, and no secret committed to the repository (docs/security.md).

The API test runs the trained model on 127.0.0.1:18405 with `--enable-api --auth-token`, as
`RASA_API_TOKEN=... make serve` does."""

import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import requests

from servers import PROJECT, rasa_server

RASA_PORT = 18405
API_TOKEN = "test-api-token-5c1f"
API = f"http://127.0.0.1:{RASA_PORT}"


# --- Rasa's HTTP API ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api():
    with rasa_server(port=RASA_PORT, actions_port=18455,
                     extra_args=["--enable-api", "--auth-token", API_TOKEN]):
        yield API


@pytest.mark.parametrize("path", ["/status", "/conversations/someone/tracker", "/domain"])
def test_the_api_refuses_without_the_token(api, path):
    assert requests.get(f"{api}{path}", timeout=10).status_code == 401
    assert requests.get(f"{api}{path}", params={"token": "wrong"}, timeout=10).status_code == 401


def test_the_api_answers_with_the_token(api):
    response = requests.get(f"{api}/status", params={"token": API_TOKEN}, timeout=10)
    assert response.status_code == 200
    assert response.json()["model_file"] == "bpjstk-kalbar.tar.gz"


def test_the_api_parse_endpoint_is_cut_too(api):
    assert requests.post(f"{api}/model/parse", json={"text": "apa itu plkk"},
                         timeout=30).status_code == 401
    response = requests.post(f"{api}/model/parse", params={"token": API_TOKEN},
                             json={"text": "apa itu plkk? " * 200}, timeout=30)
    assert response.status_code == 200
    parsed = response.json()
    assert len(parsed["text"]) == 2000 and parsed["intent"]["name"] == "ask_plkk_definition"


# --- make serve --------------------------------------------------------------------------------

def make_serve(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`make -n serve ARGS` (prints the commands, runs nothing) with HOST and the token unset."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("HOST", "RASA_API_TOKEN", "ENABLE_API", "MAKEFLAGS")}
    return subprocess.run(["make", "--no-print-directory", "-n", "serve", *args], cwd=PROJECT,
                          env={**environment, **env}, capture_output=True, text=True, timeout=60)


def rasa_command(result: subprocess.CompletedProcess) -> str:
    """The `rasa run` command of `make -n serve`, its continuation lines joined."""
    text = result.stdout.replace("\\\n", " ")
    return next(line for line in text.splitlines() if " run --model " in line)


def test_make_serve_binds_to_loopback_and_has_no_api_by_default():
    result = make_serve()
    assert result.returncode == 0, result.stderr
    command = rasa_command(result)
    assert " -i 127.0.0.1 " in command
    assert "--enable-api" not in command and "--auth-token" not in command


def test_make_serve_binds_elsewhere_only_when_told():
    assert " -i 0.0.0.0 " in rasa_command(make_serve("HOST=0.0.0.0"))


def test_make_serve_enables_the_api_with_the_token_from_the_environment():
    result = make_serve(RASA_API_TOKEN="s3cret-from-env")
    command = rasa_command(result)
    assert '--enable-api --auth-token "$RASA_API_TOKEN"' in command
    assert "s3cret-from-env" not in result.stdout + result.stderr  # never printed


def test_make_serve_refuses_the_api_without_a_token():
    result = make_serve("ENABLE_API=1")
    assert result.returncode != 0 and result.stdout == ""
    assert "ENABLE_API=1 needs a token: set RASA_API_TOKEN" in result.stderr


# --- Telegram ----------------------------------------------------------------------------------

def test_telegram_updates_need_the_secret_token():
    """Also tested live in tests/test_telegram.py (a wrong or missing secret gets 403)."""
    from channels.telegram import TelegramInput

    assert TelegramInput(token="1:t").refusal(None)[0] == 403  # no secret configured: refused
    channel = TelegramInput(token="1:t", secret_token="the-secret")
    assert channel.refusal(None)[0] == 403 and channel.refusal("other")[0] == 403
    assert channel.refusal("the-secret") is None


# --- no secret in the repository ---------------------------------------------------------------

SECRET_PATTERNS: Dict[str, "re.Pattern[str]"] = {
    "Telegram bot token": re.compile(r"(?<![\w:-])\d{8,10}:[A-Za-z0-9_-]{35}(?![\w-])"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"(?i)aws_?secret_?access_?key\W{0,4}[:=]\s*['\"]?[A-Za-z0-9/+]{40}\b"),
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "URL with a password": re.compile(
        r"\b[a-z][a-z0-9+.-]*://[^/\s:@\"'$]+:(?P<value>[^/\s@\"'$<{]{3,})@"),
}
# `password=...`, `secret: ...`, `API_KEY = "..."`: a quoted value anywhere; an unquoted one in
# configuration files, and in documentation on a line of its own (in code it names a variable, in
# prose it is a word).
ASSIGNED_SECRET = re.compile(
    r"(?i)(?<![a-z])(?:password|passwd|pwd|secret|secret_key|secret_token|api_key|apikey|"
    r"auth_token|access_token|private_key)(?![a-z])[\"']?\s*[:=]\s*"
    r"(?:(?P<quote>[\"'])(?P<quoted>[^\"'\s]{6,})(?P=quote)|(?P<bare>[^\s\"',;)}]{6,}))")
CODE_SUFFIXES = (".py", ".js", ".sh")
DOC_SUFFIXES = (".md", ".txt", ".rst")
# Not a secret: a reference ($VAR, <...>, {...}), an environment variable's name, or a value that
# says what it is (test-token, file-secret, changeme...).
PLACEHOLDER = re.compile(r"^[$<{%]|^[A-Z][A-Z0-9_]+$|(?i:test|example|dummy|fake|placeholder|"
                         r"changeme|your[_-]|xxx|\*\*\*|\.\.\.|secret|token|password)")
NOT_SECRET_FILES = ("example", "sample")


def repository_files() -> List[Path]:
    """Every file git would commit: tracked, plus new files that are not ignored."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    return [PROJECT / name for name in sorted(set(listed.split("\0"))) if name
            and (PROJECT / name).is_file()]


def secrets_in(text: str, name: str) -> List[str]:
    """What looks like a secret in a file's text: ['<kind>: <file>:<line>', ...]."""
    def where(match: "re.Match[str]") -> str:
        return f"{name}:{text.count(chr(10), 0, match.start()) + 1}"

    found = [f"{kind}: {where(match)}" for kind, pattern in SECRET_PATTERNS.items()
             for match in pattern.finditer(text)
             if "value" not in pattern.groupindex or not PLACEHOLDER.search(match["value"])]
    if any(word in name.lower() for word in NOT_SECRET_FILES):
        return found
    for match in ASSIGNED_SECRET.finditer(text):
        value = match["quoted"]
        if match["bare"] and not name.endswith(CODE_SUFFIXES):
            line_start = text.rfind("\n", 0, match.start()) + 1
            own_line = re.fullmatch(r"\s*(?:export\s+|-\s+)?[\w.-]*",
                                    text[line_start:match.start()])
            value = match["bare"] if own_line or not name.endswith(DOC_SUFFIXES) else ""
        if value and not PLACEHOLDER.search(value):
            found.append(f"password or secret in the text: {where(match)}")
    return found


def test_no_secret_is_committed():
    files = repository_files()
    assert PROJECT / "Makefile" in files and len(files) > 50
    found = []
    for path in files:
        name = str(path.relative_to(PROJECT))
        if path.name == ".env" or path.name.startswith(".env.") and "example" not in path.name:
            found.append(f"environment file: {name}")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary (images, the model): not written by hand
        found += secrets_in(text, name)
    assert found == []


@pytest.mark.parametrize("kind, text", [
    ("Telegram bot token", "TELEGRAM_TOKEN=" + "1234567890" + ":" + "AAE" + "x7" * 16),
    ("AWS access key id", "key = " + "AKIA" + "ABCDEFGHIJKLMNOP"),
    ("AWS secret access key", "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG" + "b" * 19),
    ("private key", "-----BEGIN RSA " + "PRIVATE KEY-----"),
    ("private key", "-----BEGIN OPENSSH " + "PRIVATE KEY-----"),
    ("GitHub token", "gh" + "p_" + "a1" * 18),
    ("password or secret in the text", "password" + "=hunter2hunter2"),
    ("password or secret in the text", "db:\n  password" + ": s3cr3tvalue"),
    ("password or secret in the text", 'API_KEY = "' + "k9f8e7d6c5" + '"'),
    ("URL with a password", "postgresql://rasa:" + "pa55word" + "@db:5432/rasa"),
])
def test_the_scan_would_catch_a_secret(kind, text):
    assert secrets_in(text, "deploy/settings.yml") == [f"{kind}: deploy/settings.yml:"
                                                       f"{text.count(chr(10)) + 1}"]


@pytest.mark.parametrize("text", [
    'password=os.environ.get("REDIS_PASSWORD")', "TRACKER_DB_PASSWORD: ${TRACKER_DB_PASSWORD}",
    'SECRET = "test_secret-token"', 'TOKEN = "123456:test-token"', "password: <your password>",
    "auth_token: $RASA_API_TOKEN",
])
def test_the_scan_lets_references_and_test_values_pass(text):
    assert secrets_in(text, "settings.py") == []
