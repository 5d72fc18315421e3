"""deploy/: what can be checked without Docker or Kubernetes. The compose file, the Dockerfiles,
the Caddyfile and the manifests in deploy/kubernetes.md must agree with each other and with the
code: services, images, ports, every file they copy or mount, the environment variables that
rasa_runtime and the channels read, and no secret in a tracked file."""

import json
import re
import subprocess
from typing import Dict, List

import pytest
import yaml

from channels.telegram import ENVIRONMENT as TELEGRAM_ENVIRONMENT
from channels.whatsapp import ENVIRONMENT as WHATSAPP_ENVIRONMENT
from servers import PROJECT

DEPLOY = PROJECT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
RASA_SERVICES = ("rasa1", "rasa2")
SECRET = re.compile(r"PASSWORD|TOKEN|SECRET")
PLACEHOLDER = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def code_environment() -> set:
    """Environment variables read by rasa_runtime/*.py, plus the Telegram and WhatsApp
    channels'."""
    names = set(TELEGRAM_ENVIRONMENT.values()) | set(WHATSAPP_ENVIRONMENT.values())
    for source in (PROJECT / "rasa_runtime").glob("*.py"):
        names |= set(re.findall(r"os\.environ\.get\(\s*\"(\w+)\"", source.read_text()))
    return names


def endpoints_environment() -> set:
    """The ${VAR}s of deploy/endpoints.yml (Rasa substitutes them)."""
    text = (DEPLOY / "endpoints.yml").read_text(encoding="utf-8")
    return set(PLACEHOLDER.findall(re.sub(r"(?m)^\s*#.*$", "", text)))


def dockerfile(name: str) -> List[tuple]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / name).read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def instruction(name: str, keyword: str) -> List[str]:
    """The arguments of every `keyword` instruction of a Dockerfile."""
    return [args for key, args in dockerfile(name) if key.upper() == keyword]


def caddy_routes() -> Dict[str, List[str]]:
    """Caddyfile: path matcher of each `handle` block -> upstreams of its reverse_proxy."""
    text = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    return {path: upstreams.split() for path, upstreams in
            re.findall(r"handle (\S+) \{\s*reverse_proxy ([^{\n]+)\{", text)}


def kubernetes_documents() -> List[dict]:
    """The YAML manifests in deploy/kubernetes.md."""
    text = (DEPLOY / "kubernetes.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    return [doc for block in blocks for doc in yaml.safe_load_all(re.sub(r"(?m)^   ", "", block))
            if doc]


def git_ignored(path: str) -> bool:
    return subprocess.run(["git", "check-ignore", "-q", path], cwd=PROJECT).returncode == 0


def test_compose_has_the_services_with_images_or_builds():
    assert set(SERVICES) == {*RASA_SERVICES, "actions", "postgres", "redis", "proxy"}
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["proxy"]["image"].startswith("caddy:2")
    assert SERVICES["rasa1"] == SERVICES["rasa2"]
    for name, dockerfile_name in [("rasa1", "Dockerfile.rasa"), ("actions", "Dockerfile.actions")]:
        build = SERVICES[name]["build"]
        assert (DEPLOY / build["context"]).resolve() == PROJECT
        assert build["dockerfile"] == f"deploy/{dockerfile_name}"
        assert (PROJECT / build["dockerfile"]).is_file()
    published = [port for service in SERVICES.values() for port in service.get("ports", [])]
    assert published == SERVICES["proxy"]["ports"] == ["80:80", "443:443"]  # only the proxy


def test_every_service_a_service_depends_on_exists():
    for name, service in SERVICES.items():
        assert set(service.get("depends_on", [])) <= set(SERVICES), name


def test_rasa_environment_is_what_the_code_reads():
    env = SERVICES["rasa1"]["environment"]
    assert set(env) <= code_environment() | endpoints_environment()
    assert endpoints_environment() <= set(env)
    assert env["TRACKER_DB_DIALECT"] == "postgresql"
    assert env["TRACKER_DB_HOST"] in SERVICES and env["REDIS_HOST"] in SERVICES
    assert SERVICES[env["TRACKER_DB_HOST"]]["expose"] == [env["TRACKER_DB_PORT"]]
    assert SERVICES[env["REDIS_HOST"]]["expose"] == [env["REDIS_PORT"]]
    postgres = SERVICES["postgres"]["environment"]
    for rasa_name, postgres_name in [("TRACKER_DB", "POSTGRES_DB"),
                                     ("TRACKER_DB_USER", "POSTGRES_USER"),
                                     ("TRACKER_DB_PASSWORD", "POSTGRES_PASSWORD")]:
        assert env[rasa_name] == postgres[postgres_name]
    action_url = re.fullmatch(r"http://(\w+):(\d+)/webhook", env["ACTION_SERVER_URL"])
    assert action_url and action_url[1] in SERVICES
    assert SERVICES[action_url[1]]["expose"] == [action_url[2]]


def test_deploy_endpoints_match_the_project_endpoints():
    project = yaml.safe_load((PROJECT / "endpoints.yml").read_text(encoding="utf-8"))
    deploy = yaml.safe_load((DEPLOY / "endpoints.yml").read_text(encoding="utf-8"))
    assert deploy["tracker_store"] == project["tracker_store"]
    assert deploy["lock_store"] == project["lock_store"]
    assert deploy["action_endpoint"]["url"] == "${ACTION_SERVER_URL}"


@pytest.mark.parametrize("name", ["Dockerfile.rasa", "Dockerfile.actions"])
def test_dockerfile_copies_only_files_that_exist_and_are_not_ignored(name):
    assert instruction(name, "FROM") == ["python:3.10-slim"]
    ignored = [line.strip() for line in (DEPLOY / f"{name}.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for args in instruction(name, "COPY"):
        *sources, _target = args.split()
        for source in sources:
            assert (PROJECT / source).exists(), f"{name}: COPY {source}: no such file"
            assert not git_ignored(source.rstrip("/")), f"{name}: COPY {source} is ignored by git"
            assert not any(source.startswith(entry) for entry in ignored), f"{name}: {source}"


@pytest.mark.parametrize("name, port", [("Dockerfile.rasa", "5005"),
                                        ("Dockerfile.actions", "5055")])
def test_dockerfile_exposes_the_port_it_serves(name, port):
    assert instruction(name, "EXPOSE") == [port]
    command = json.loads(instruction(name, "CMD")[0])
    assert command[command.index("--port") + 1] == port


def test_rasa_image_serves_the_model_it_trains_with_the_deploy_endpoints():
    train = next(args for args in instruction("Dockerfile.rasa", "RUN") if "rasa train" in args)
    name = re.search(r"--fixed-model-name (\S+)", train)[1]
    out = re.search(r"--out (\S+)", train)[1]
    command = json.loads(instruction("Dockerfile.rasa", "CMD")[0])
    assert command[command.index("--model") + 1] == f"{out}/{name}.tar.gz"
    assert "--enable-api" not in command
    endpoints = command[command.index("--endpoints") + 1]
    assert f"deploy/endpoints.yml {endpoints}" in instruction("Dockerfile.rasa", "COPY")
    assert "credentials.yml" in instruction("Dockerfile.rasa", "COPY")[1]


def test_actions_image_has_what_the_actions_read():
    copied = " ".join(instruction("Dockerfile.actions", "COPY"))
    for needed in ("actions/", "data/facts.yml", "data/gazetteer/", "data/knowledge/", "data/nlu/"):
        assert needed in copied


@pytest.mark.parametrize("name", ["requirements-rasa.txt", "requirements-actions.txt"])
def test_image_requirements_are_pinned_like_the_project(name):
    pins = re.findall(r"(?m)^([\w.-]+)==(\S+)", (PROJECT / "constraints.txt").read_text())
    constraints = {package.lower(): version for package, version in pins}
    for package, version in re.findall(r"(?m)^([\w.-]+)==(\S+)", (DEPLOY / name).read_text()):
        assert constraints.get(package.lower()) == version, f"{name}: {package}"


def test_compose_mounts_exist():
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), volume
            else:
                assert source in COMPOSE["volumes"], volume


def test_caddy_routes_the_channels_to_both_rasa_instances():
    routes = caddy_routes()
    assert set(routes) == {"/webhooks/telegram/*", "/webhooks/whatsapp/*", "/socket.io/*",
                           "/webhooks/rest/*"}
    dockerfile_port = instruction("Dockerfile.rasa", "EXPOSE")[0]
    for upstreams in routes.values():
        assert upstreams == [f"{service}:{dockerfile_port}" for service in RASA_SERVICES]
        for service in RASA_SERVICES:
            assert SERVICES[service]["expose"] == [dockerfile_port]
    credentials = yaml.safe_load((PROJECT / "credentials.yml").read_text(encoding="utf-8"))
    assert {"channels.rest.RestInput", "channels.socketio.PersistentSocketIOInput",
            "channels.telegram.TelegramInput", "channels.whatsapp.WhatsAppInput"} <= set(credentials)
    text = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert "{$DOMAIN}" in text and "DOMAIN" in SERVICES["proxy"]["environment"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["proxy"]["volumes"]


def test_no_secret_in_tracked_files():
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    for service in SERVICES.values():
        for key, value in (service.get("environment") or {}).items():
            if SECRET.search(key):
                assert PLACEHOLDER.fullmatch(str(value)), f"{key} must be a ${{VAR}} placeholder"
    example = dict(re.findall(r"(?m)^(\w+)=(.*)$", (DEPLOY / ".env.example").read_text()))
    assert set(PLACEHOLDER.findall(text)) <= set(example), "every ${VAR} is in .env.example"
    assert all(not value for key, value in example.items() if SECRET.search(key))
    assert git_ignored("deploy/.env")


def test_kubernetes_manifests_agree_with_the_images():
    documents = {(doc["kind"], doc["metadata"]["name"]): doc for doc in kubernetes_documents()}
    rasa = documents[("Deployment", "rasa")]["spec"]
    assert rasa["replicas"] == 2
    container = rasa["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 5005}]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert set(env) <= code_environment() | endpoints_environment()
    assert env["TRACKER_DB_DIALECT"] == "postgresql"
    assert env["ACTION_SERVER_URL"] == "http://actions:5055/webhook"
    actions = documents[("Deployment", "actions")]["spec"]["template"]["spec"]["containers"][0]
    assert actions["ports"] == [{"containerPort": 5055}]
    assert documents[("Service", "actions")]["spec"]["ports"][0]["port"] == 5055
    assert documents[("Service", "rasa")]["spec"]["ports"][0]["targetPort"] == 5005
    ingress = documents[("Ingress", "rasa")]["spec"]
    paths = {path["path"] for rule in ingress["rules"] for path in rule["http"]["paths"]}
    assert paths == {"/webhooks/telegram/", "/webhooks/whatsapp/", "/socket.io/", "/webhooks/rest/"}
    assert ingress["tls"]
    guide = (DEPLOY / "kubernetes.md").read_text(encoding="utf-8")
    assert "kubectl create secret" in guide and "replicas: 2" in guide
