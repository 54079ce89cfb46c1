"""Write an image's lock file: the packages it needs and everything they
need, at the versions pinned in the venv lock the tests ran against.

Run it with the python of the venv whose lock the image follows:
    .venvs/api/bin/python docker/lock_image.py api
    .venvs/rasa/bin/python docker/lock_image.py rasa
    .venvs/rasa/bin/python docker/lock_image.py actions
tests/deploy/test_images.py checks the result (offline): every module an
image's code imports is in its lock, and the pins match the venv's lock.
"""
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]

# What each image's own code needs (the base image may already have some;
# pip then installs nothing for them). Extras as in requirements/*.in.
IMAGES = {
    "api": ("requirements/api.lock", ["fastapi", "uvicorn[standard]", "sqlalchemy", "alembic", "pydantic",
                                      "pydantic-settings", "psycopg[binary]", "redis", "rq", "httpx", "jinja2",
                                      "python-multipart", "pyyaml", "holidays", "python-dateutil", "textstat",
                                      "twilio", "cryptography", "argon2-cffi",
                                      "prometheus-client", "lingua-language-detector"]),
    "rasa": ("requirements/rasa.lock", ["rasa", "rasa-sdk", "spacy", "google-re2", "scikit-learn", "numpy",
                                        "pyyaml"]),
    "actions": ("requirements/rasa.lock", ["rasa-sdk", "aiohttp", "pyyaml"]),
}


# pip freeze leaves these out of every lock; images and venvs have them.
UNPINNED = {"pip", "setuptools", "wheel"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    found = {}
    for line in lock.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[canonical(name.split("[")[0])] = line
    return found


def closure(roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [Requirement(root) for root in roots]
    while todo:
        requirement = todo.pop()
        name = canonical(requirement.name)
        extras = set(requirement.extras)
        key = name + "[" + ",".join(sorted(extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.requires(name) or []:
            needed = Requirement(text)
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras | {""}):
                todo.append(needed)
    return {key.split("[")[0] for key in seen}


def main() -> None:
    image = sys.argv[1]
    lock_name, roots = IMAGES[image]
    pinned = pins(REPO / lock_name)
    needed = closure(roots) - UNPINNED
    missing = sorted(needed - set(pinned))
    if missing:
        sys.exit(f"not pinned in {lock_name}: {', '.join(missing)}")
    lines = sorted((pinned[name] for name in needed), key=str.lower)
    out = REPO / "requirements" / "images" / f"{image}.lock"
    text = (f"# The {image} image's packages (docker/{image}.Dockerfile), at the versions of {lock_name}.\n"
            f"# Made by: docker/lock_image.py {image}\n" + "\n".join(lines) + "\n")
    if "--print" in sys.argv:
        print(text, end="")
        return
    out.write_text(text)
    print(f"{out.relative_to(REPO)}: {len(lines)} packages")


if __name__ == "__main__":
    main()
