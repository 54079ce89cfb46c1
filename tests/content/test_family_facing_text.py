"""Family-facing words outside data/content/ pass the same checks: the
safe fallback responses in domain.yml (what Rasa says when the api cannot
be reached) and the prose in the demo borough (session descriptions,
parking, getting there), which the api sends by SMS too."""

import re
from pathlib import Path

import pytest
import yaml

from api.content.plain_language import check_text

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain.yml"
BOROUGH = ROOT / "data" / "demo" / "borough.yml"

# Rasa fills {slot} placeholders at run time; a hub name is about the
# longest thing a slot holds.
SLOT_STAND_IN = "Riverside Family Hub"


def load(path: Path) -> dict:
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} does not exist yet, so there is nothing to check")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def domain_texts() -> list[tuple[str, str]]:
    if not DOMAIN.exists():
        return []
    responses = (yaml.safe_load(DOMAIN.read_text(encoding="utf-8")) or {}).get("responses") or {}
    return [
        (f"{name}[{i}]", variation["text"])
        for name, variations in responses.items()
        for i, variation in enumerate(variations or [])
        if isinstance(variation, dict) and variation.get("text")
    ]


def borough_texts() -> list[tuple[str, str]]:
    if not BOROUGH.exists():
        return []
    data = yaml.safe_load(BOROUGH.read_text(encoding="utf-8")) or {}
    found = []
    for hub in data.get("hubs") or []:
        for field in ("parking", "getting_there"):
            if hub.get(field):
                found.append((f"hub {hub.get('slug')} {field}", hub[field]))
    for session in data.get("sessions") or []:
        if session.get("description"):
            found.append((f"session {session.get('key')} description", session["description"]))
    return found


def problems_in(text: str) -> list[str]:
    # Everything here can go out by SMS, so the SMS rules apply.
    return [f"{p.level}: {p.message}" for p in check_text(text, "sms")]


def test_domain_responses_pass_the_plain_language_checks():
    load(DOMAIN)
    texts = domain_texts()
    if not texts:
        pytest.skip("domain.yml has no responses with text yet")
    failures = {
        where: problems
        for where, text in texts
        if (problems := problems_in(re.sub(r"\{\w+\}", SLOT_STAND_IN, text)))
    }
    assert not failures, "\n".join(f"{where}:\n  " + "\n  ".join(p) for where, p in failures.items())


def test_borough_prose_passes_the_plain_language_checks():
    load(BOROUGH)
    texts = borough_texts()
    assert texts, "borough.yml has no parking, getting_there or session descriptions"
    failures = {where: problems for where, text in texts if (problems := problems_in(text))}
    assert not failures, "\n".join(f"{where}:\n  " + "\n  ".join(p) for where, p in failures.items())
