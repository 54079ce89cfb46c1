"""Start the whole front door (Rasa, actions, api) on free loopback ports.

Used by the conversation tests and by bench/. Each service runs as its own
process from its own venv, with the trained model, real Redis and a fresh
SQLite database, exactly as `make run` starts them.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.ports import unused_port

REPO = Path(__file__).resolve().parents[2]
RASA_BIN = REPO / ".venvs" / "rasa" / "bin" / "rasa"
MODEL = REPO / "models" / "current.tar.gz"


@dataclass
class Stack:
    workdir: Path
    env: dict
    processes: dict = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return self.env["API_URL"]

    @property
    def rasa_url(self) -> str:
        return self.env["RASA_URL"]

    def command(self, name: str) -> list[str]:
        env = self.env
        return {
            "rasa": [str(RASA_BIN), "run", "--enable-api", "--auth-token", env["RASA_TOKEN"],
                     "-i", "127.0.0.1", "-p", env["RASA_PORT"], "-m", str(MODEL),
                     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            "actions": [str(RASA_BIN), "run", "actions", "--actions", "actions",
                        "-p", env["ACTIONS_PORT"]],
            "api": [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                    "--port", env["API_PORT"], "--no-access-log", "--timeout-graceful-shutdown", "5"],
        }[name]

    def start(self, name: str) -> None:
        log = open(self.workdir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            self.command(name), cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def wait_until_healthy(self, timeout: float = 240, path: str = "/health") -> None:
        """Until the api answers 200 at `path` (by default: every part is up)."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} stopped at start-up:\n{self.log_tail(name)}")
            try:
                last = httpx.get(f"{self.api_url}{path}", timeout=5)
                if last.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        tails = "\n".join(self.log_tail(n) for n in self.processes)
        raise RuntimeError(f"the stack did not become healthy: {last and last.text}\n{tails}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return f"--- {name} ---\n" + "\n".join(text.splitlines()[-lines:])


def stack_env(workdir: Path, redis_db: int, **overrides: str) -> dict:
    ports = {name: str(unused_port()) for name in ("API_PORT", "RASA_PORT", "ACTIONS_PORT")}
    env = dict(os.environ)
    env.update(ports)
    env.update({
        # Read by the actions and by Rasa's NLG endpoint (endpoints.yml `nlg:`),
        # both with ACTIONS_API_TOKEN: every response's words come from the api.
        "API_URL": f"http://127.0.0.1:{ports['API_PORT']}",
        "RASA_URL": f"http://127.0.0.1:{ports['RASA_PORT']}",
        "ACTIONS_URL": f"http://127.0.0.1:{ports['ACTIONS_PORT']}",
        "DATABASE_URL": f"sqlite:///{workdir / 'familyhub.db'}",
        # Models that go live (api/teaching/): kept with the stack, not in the repository's var/.
        "MODEL_STORE": str(workdir / "models"),
        "REDIS_HOST": env.get("REDIS_HOST", "127.0.0.1"),
        "REDIS_PORT": env.get("REDIS_PORT", "6379"),
        "REDIS_PASSWORD": env.get("REDIS_PASSWORD", ""),
        "REDIS_DB": str(redis_db),
        "RASA_TOKEN": secrets.token_hex(16),
        "ACTIONS_API_TOKEN": secrets.token_hex(16),
        "PSEUDONYM_KEY": secrets.token_hex(16),
        "DEMO_MODE": "true",
        "DEMO_STAFF_PASSWORD": secrets.token_urlsafe(12),
        "DATA_ENCRYPTION_KEY": secrets.token_hex(32),
        "CONVERSATION_QUIET_SECONDS": "86400",
        "CONVERSATION_EXPIRY_SECONDS": "3600",
        "SANIC_HOST": "127.0.0.1",
        "RASA_TELEMETRY_ENABLED": "false",
        # Every test's family chats from 127.0.0.1: no per-address limit here
        # (tests/api/test_limits.py checks it).
        "CHAT_MAX_PER_MINUTE_PER_ADDRESS": "1000000",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    })
    env.update(overrides)
    return env


def prepare_database(env: dict) -> None:
    for args in (["-m", "alembic", "upgrade", "head"], ["-m", "api.seed"]):
        subprocess.run([sys.executable, *args], cwd=REPO, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def start_stack(workdir: Path, redis_db: int, **overrides: str) -> Stack:
    if not MODEL.exists():
        raise RuntimeError("No trained model: run `make test` (it trains one) first.")
    env = stack_env(workdir, redis_db, **overrides)
    prepare_database(env)
    stack = Stack(workdir=workdir, env=env)
    for name in ("rasa", "actions", "api"):
        stack.start(name)
    try:
        stack.wait_until_healthy()
    except Exception:
        stack.stop_all()
        raise
    return stack
