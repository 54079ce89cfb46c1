"""docker-compose.yml, checked on paper like the images: two api and two
Rasa replicas behind the proxy, every command runs code its image has,
secrets only from the environment, one scheduler, migrations once."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.test_images import IMAGES

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SECRET_NAME = re.compile(r"(KEY|TOKEN|PASSWORD|SECRET|ACCOUNT_SID)$")


def image_of(service: dict):
    dockerfile = service["build"]["dockerfile"]
    return IMAGES[Path(dockerfile).name.removesuffix(".Dockerfile")]


def test_every_built_service_runs_code_its_image_has():
    built = {name: s for name, s in SERVICES.items() if "build" in s}
    assert {"api", "rasa", "actions", "sms-worker", "scheduler", "migrate"} <= set(built)
    for name, service in built.items():
        image = image_of(service)
        command = service.get("command") or []
        words = " ".join(command).replace("&&", " ").split()
        for index, word in enumerate(words[:-1]):
            if word == "-m":
                module = words[index + 1]
                path = REPO / (module.replace(".", "/") + ".py")
                if not path.exists():
                    path = REPO / module.replace(".", "/") / "__main__.py"
                assert image.path_in_image(path) is not None, f"{name} runs {module}, not in its image"
        if "alembic" in words:
            assert image.path_in_image(REPO / "alembic.ini") is not None
            assert image.path_in_image(REPO / "api" / "migrations" / "env.py") is not None


def test_two_api_and_two_rasa_replicas_behind_the_proxy():
    assert SERVICES["api"]["deploy"]["replicas"] == 2
    assert SERVICES["rasa"]["deploy"]["replicas"] == 2
    published = {name for name, s in SERVICES.items() if s.get("ports")}
    assert published == {"proxy"}, published
    [mount] = SERVICES["proxy"]["volumes"]
    config_path = REPO / mount.split(":")[0]
    config = config_path.read_text()
    assert re.search(r"server-template api 2 api:8000", config)
    assert re.search(r"server-template rasa 2 rasa:5005", config)
    shared = COMPOSE["x-shared-env"]
    assert shared["RASA_URL"] == "http://proxy:5005"
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if haproxy is None:
        pytest.skip("haproxy is not installed: run scripts/ensure_tools.sh")
    done = subprocess.run([haproxy, "-c", "-f", str(config_path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_scheduler_and_migrations_once_before_the_api():
    crons = [name for name, s in SERVICES.items() if "--cron" in (s.get("command") or [])]
    assert crons == ["scheduler"] and "deploy" not in SERVICES["scheduler"]
    assert SERVICES["api"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "command" not in SERVICES["api"] and "alembic" not in " ".join(
        IMAGES["api"].runs + [(REPO / "docker" / "api.Dockerfile").read_text().split("CMD", 1)[1]])


def test_secrets_only_from_the_environment():
    for name, service in [("x-shared-env", {"environment": COMPOSE["x-shared-env"]}), *SERVICES.items()]:
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) and value:
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*|:-)?\}", str(value)), f"{name}: {key} is written in"
