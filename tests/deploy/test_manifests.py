"""The Kubernetes manifests (deploy/), checked offline as CI does: rendered
with kubectl's kustomize, then statically checked with checkov (its own
venv, .venvs/checkov) and our own checks (deploy/checks/). The same checks
must fail on a manifest with a probe or a limit taken out, or a secret
written in, so a green run means something.
"""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHECKOV = REPO / ".venvs" / "checkov" / "bin" / "checkov"
OVERLAY = REPO / "deploy" / "overlays" / "production"
BASE = REPO / "deploy" / "base"
WORKLOADS = {"Deployment", "Job", "StatefulSet", "DaemonSet"}


def render(path: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: run scripts/ensure_tools.sh (Debian's kubernetes-client)")
    done = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def production() -> list[dict]:
    return render(OVERLAY)


def named(objects: list[dict], kind: str, name: str) -> dict:
    [found] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def containers(workload: dict) -> list[dict]:
    return workload["spec"]["template"]["spec"]["containers"]


def run_checkov(folder: Path) -> dict[str, set[str]]:
    """{file name: failed check ids} for every file checkov read in `folder`."""
    if not CHECKOV.exists():
        pytest.skip("checkov's venv is missing: run `make setup` (it builds .venvs/checkov)")
    done = subprocess.run([str(CHECKOV), "--config-file", "deploy/checkov.yaml", "-d", str(folder), "-o", "json"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed: dict[str, set[str]] = {path.name: set() for path in folder.glob("*.yaml")}
    for report in reports:
        assert report["summary"]["parsing_errors"] == 0, report["summary"]
        for check in report["results"]["failed_checks"]:
            failed[Path(check["file_path"]).name].add(check["check_id"])
    return failed


def write_all(path: Path, objects: list[dict]) -> None:
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False))


def test_every_service_is_there_with_the_shape_a_county_needs(production):
    kinds = {(o["kind"], o["metadata"]["name"]) for o in production}
    for name in ("api", "rasa", "actions", "sms-workers", "scheduler"):
        assert ("Deployment", name) in kinds
    for name in ("api", "rasa", "actions", "sms-workers"):
        assert ("PodDisruptionBudget", name) in kinds, name
        assert named(production, "Deployment", name)["spec"]["replicas"] >= 2, name
    assert ("HorizontalPodAutoscaler", "api") in kinds
    assert ("Job", "migrate") in kinds
    # One scheduler, however many workers, and never two during an upgrade.
    scheduler = named(production, "Deployment", "scheduler")
    assert scheduler["spec"]["replicas"] == 1 and scheduler["spec"]["strategy"] == {"type": "Recreate"}
    # No replica migrates on start: only the Job does.
    for name in ("api", "sms-workers", "scheduler"):
        assert "alembic" not in " ".join(containers(named(production, "Deployment", name))[0].get("command", []))
    # PostgreSQL and Redis are outside (managed); no Secret is written here.
    assert not [o for o in production if o["kind"] in ("Secret", "StatefulSet")]
    assert named(production, "ConfigMap", "familyhub-settings")["data"]["REDIS_HOST"].endswith("council.example")


def test_rasa_is_the_official_image_sharing_redis_stores():
    dockerfile = (REPO / "docker" / "rasa.Dockerfile").read_text()
    assert "FROM rasa/rasa:3.6.21-full" in dockerfile
    endpoints = yaml.safe_load((REPO / "endpoints.yml").read_text())
    # Rasa's own Redis tracker store, or ours that encrypts it (bot/tracker_store.py, a RedisTrackerStore).
    assert endpoints["tracker_store"]["type"] in ("redis", "bot.tracker_store.EncryptedRedisTrackerStore")
    # Ours, a lock that holds across replicas (bot/lock_store.py), copied in with bot/.
    assert endpoints["lock_store"]["type"] == "bot.lock_store.ReplicaSafeRedisLockStore"


def test_only_the_api_is_reachable_from_outside(production):
    policies = {o["metadata"]["name"]: o["spec"] for o in production if o["kind"] == "NetworkPolicy"}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    allowed = {spec["podSelector"]["matchLabels"]["app.kubernetes.io/name"]: spec["ingress"]
               for spec in policies.values() if spec["podSelector"]}
    assert "from" not in allowed["api"][0]  # anyone (the ingress controller) may reach the api
    for inside in ("rasa", "actions"):
        sources = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in allowed[inside][0]["from"]}
        assert sources and sources <= {"api", "rasa", "sms-workers"}, (inside, sources)
    assert set(allowed) == {"api", "rasa", "actions"}  # workers and scheduler take nothing in
    services = [o for o in production if o["kind"] == "Service"]
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in services)


def test_checkov_passes_the_manifests_and_fails_broken_ones(production, tmp_path):
    write_all(tmp_path / "production.yaml", production)
    assert render(BASE)  # renders alone too (it has no namespace or image tags: only the overlay is deployed)

    no_probe = copy.deepcopy(production)
    del containers(named(no_probe, "Deployment", "api"))[0]["readinessProbe"]
    write_all(tmp_path / "no-probe.yaml", no_probe)

    no_limit = copy.deepcopy(production)
    del containers(named(no_limit, "Deployment", "rasa"))[0]["resources"]["limits"]
    write_all(tmp_path / "no-limit.yaml", no_limit)

    secret_in_env = copy.deepcopy(production)
    containers(named(secret_in_env, "Deployment", "actions"))[0].setdefault("env", []).append(
        {"name": "ACTIONS_API_TOKEN", "value": "not-a-real-token-but-written-in"})
    write_all(tmp_path / "secret-in-env.yaml", secret_in_env)

    secret_in_config = copy.deepcopy(production)
    named(secret_in_config, "ConfigMap", "familyhub-settings")["data"]["DATABASE_URL"] = (
        "postgresql+psycopg://familyhub:kX9vQ2mZr7LpT4wB@db.council.example/familyhub")
    write_all(tmp_path / "secret-in-config.yaml", secret_in_config)

    failed = run_checkov(tmp_path)
    assert failed["production.yaml"] == set(), failed
    assert "CKV_K8S_9" in failed["no-probe.yaml"]  # readiness probe
    assert {"CKV_K8S_11", "CKV_K8S_13"} <= failed["no-limit.yaml"]  # CPU and memory limits
    assert "CKV_FAMILYHUB_1" in failed["secret-in-env.yaml"]
    assert {"CKV_FAMILYHUB_2", "CKV_SECRET_4"} <= failed["secret-in-config.yaml"]
