"""What `make run` (scripts/env.sh) and docker-compose set up around the
services: secrets readable by their owner only, a look-up key that survives
key rotation, no telemetry, a Redis with a password that keeps nothing on
disk."""
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def source_env(workdir: Path, *names: str) -> dict[str, str]:
    """Source scripts/env.sh in `workdir` (as `make run` does in the repo); these variables."""
    script = f'source "{REPO}/scripts/env.sh" >/dev/null && ' + " && ".join(f'echo "{n}=${{{n}}}"' for n in names)
    out = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin"}).stdout
    return dict(line.split("=", 1) for line in out.splitlines())


def test_env_keeps_secrets_private_and_turns_telemetry_off(tmp_path):
    values = source_env(tmp_path, "RASA_TELEMETRY_ENABLED", "LOOKUP_HASH_KEY", "DATA_ENCRYPTION_KEY")
    assert values["RASA_TELEMETRY_ENABLED"] == "false"
    assert len(values["LOOKUP_HASH_KEY"]) >= 32 and values["LOOKUP_HASH_KEY"] != values["DATA_ENCRYPTION_KEY"]
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_a_fresh_checkout_is_the_demo_and_an_existing_site_is_not(tmp_path):
    fresh = source_env(tmp_path, "DEMO_MODE", "DEMO_STAFF_PASSWORD")
    assert fresh["DEMO_MODE"] == "true" and len(fresh["DEMO_STAFF_PASSWORD"]) >= 32
    site = tmp_path / "site"
    site.mkdir()
    (site / ".env").write_text("DATA_ENCRYPTION_KEY=a-real-key\n")
    values = source_env(site, "DEMO_MODE", "DEMO_STAFF_PASSWORD")
    assert values == {"DEMO_MODE": "", "DEMO_STAFF_PASSWORD": ""}  # no demo accounts made or reset


def test_an_older_env_keeps_its_look_up_hashes(tmp_path):
    # Made before LOOKUP_HASH_KEY: its hashes were made with the first DATA_ENCRYPTION_KEY.
    (tmp_path / ".env").write_text("DATA_ENCRYPTION_KEY=first-secret,older-secret\n")
    (tmp_path / ".env").chmod(0o644)
    values = source_env(tmp_path, "LOOKUP_HASH_KEY")
    assert values["LOOKUP_HASH_KEY"] == "first-secret"
    assert (tmp_path / ".env").stat().st_mode & 0o777 == 0o600


def test_docker_compose_redis_has_a_password_keeps_nothing_on_disk_and_rasa_sends_no_telemetry():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    redis = compose["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--requirepass" in command and "--save ''" in command and "--appendonly no" in command
    rasa_env = compose["services"]["rasa"]["environment"]
    assert rasa_env["RASA_TELEMETRY_ENABLED"] == "false"
    assert rasa_env["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    assert "DATA_ENCRYPTION_KEY" in rasa_env  # the tracker store encrypts with it
