"""The container images, checked on paper (offline, no registry): each
Dockerfile installs from a lock file of its own, every module the code in
the image imports is in that lock (or the standard library, or code copied
in), and every file that code reads from the repository is copied in.

Module names are matched to packages with the venv the image follows
(`packages_distributions()`), and each image's lock is what
docker/lock_image.py makes from that venv's lock today.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
VENV_PYTHON = {"requirements/api.lock": REPO / ".venvs/api/bin/python",
               "requirements/rasa.lock": REPO / ".venvs/rasa/bin/python"}


def lock_tool():
    spec = importlib.util.spec_from_file_location("lock_image", REPO / "docker" / "lock_image.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Image:
    name: str
    base: str = ""
    workdir: PurePosixPath = PurePosixPath("/")
    copies: list[tuple[Path, PurePosixPath]] = field(default_factory=list)  # (repo path, image path)
    runs: list[str] = field(default_factory=list)
    locks_installed: list[str] = field(default_factory=list)

    def path_in_image(self, repo_path: Path) -> PurePosixPath | None:
        """Where a repository file ends up in the image, if it is copied."""
        for source, target in self.copies:
            if repo_path == source:
                return target
            if source.is_dir() and source in repo_path.parents:
                return target / repo_path.relative_to(source).as_posix()
        return None

    def python_files(self) -> list[Path]:
        files = []
        for source, _ in self.copies:
            files += sorted(source.rglob("*.py")) if source.is_dir() else [source] if source.suffix == ".py" else []
        return files


def parse_dockerfile(name: str) -> Image:
    image = Image(name)
    text = (REPO / "docker" / f"{name}.Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            image.base = rest.strip()
        elif instruction == "WORKDIR":
            image.workdir = image.workdir / rest.strip()
        elif instruction == "COPY":
            parts = [p for p in rest.split() if not p.startswith("--")]
            *sources, target = parts
            destination = image.workdir / target
            for source in sources:
                path = REPO / source
                assert path.exists(), f"{name}: COPY {source}: no such file in the repository"
                if len(sources) > 1 or target.endswith("/") and not path.is_dir():
                    image.copies.append((path, destination / path.name))
                else:
                    image.copies.append((path, destination))
        elif instruction == "RUN":
            image.runs.append(rest)
            for lock in re.findall(r"pip install [^&;]*-r\s+(\S+)", rest):
                image.locks_installed.append(lock)
    return image


IMAGES = {name: parse_dockerfile(name) for name in ("api", "rasa", "actions")}


def lock_names(lock: Path) -> set[str]:
    tool = lock_tool()
    return set(tool.pins(lock))


def venv_info(venv_python: Path) -> dict:
    if not venv_python.exists():
        pytest.skip(f"{venv_python.parent.parent.name} venv missing: run `make setup`")
    done = subprocess.run([str(venv_python), "-c", MODULES_OF_DISTS], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# {module: [distributions]} from top_level.txt, or from the files a
# distribution installed when it has none (Python 3.10 reads only the former).
MODULES_OF_DISTS = """
import importlib.metadata as m, json, sys
dists = {}
for dist in m.distributions():
    top = (dist.read_text("top_level.txt") or "").split()
    if not top:
        top = {str(f).split("/")[0].removesuffix(".py") for f in dist.files or []
               if not str(f).startswith("..") and (str(f).endswith(".py") or "/" in str(f))
               and ".dist-info" not in str(f).split("/")[0] and ".data" not in str(f).split("/")[0]}
    for name in top:
        dists.setdefault(name, []).append(dist.metadata["Name"])
print(json.dumps({"dists": dists, "stdlib": sorted(sys.stdlib_module_names)}))
"""


def _unused():
    code = ""
    done = subprocess.run([str(venv_python), "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def files_read(path: Path) -> set[Path]:
    """Repository paths the module builds from its own location, as in
    `Path(__file__).resolve().parent.parent / "data" / "x.yml"`, following
    module-level names (`REPO_ROOT / "data"`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    known: dict[str, Path] = {}

    def value(node: ast.AST) -> Path | str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return known.get(node.id)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "Path" and len(node.args) == 1:
                arg = node.args[0]
                if isinstance(arg, ast.Name) and arg.id == "__file__":
                    return path
            if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute"):
                return value(func.value)
            return None
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = value(node.value)
            return inner.parent if isinstance(inner, Path) else None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
            inner = value(node.value.value)
            return inner.parents[node.slice.value] if isinstance(inner, Path) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = value(node.left), value(node.right)
            if isinstance(left, Path) and isinstance(right, str):
                return left / right
        return None

    for node in tree.body:  # module-level names first, in order
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found = value(node.value)
            if isinstance(found, Path):
                known[node.targets[0].id] = found
    paths = set(known.values())
    inner = {id(node.left) for node in ast.walk(tree) if isinstance(node, ast.BinOp)}  # a / "b" in a / "b" / "c"
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and id(node) not in inner:
            found = value(node)
            if isinstance(found, Path):
                paths.add(found)
    # Only what is in the repository: build outputs (the spaCy pipeline, the
    # model) are made inside the image by its RUN steps, and `.env` (local
    # secrets written by `make`) is never baked in: settings come from the
    # environment.
    return {p for p in paths if REPO in p.parents and p.exists() and p.name not in LOCAL_ONLY}


LOCAL_ONLY = {".env"}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_each_image_installs_its_own_lock_and_it_is_up_to_date(name):
    image = IMAGES[name]
    own = f"requirements/images/{name}.lock"
    assert image.locks_installed == [own], f"{name} installs {image.locks_installed}, not {own}"
    assert image.path_in_image(REPO / own) is not None, f"{own} is not copied before it is installed"
    source_lock, _ = lock_tool().IMAGES[name]
    python = VENV_PYTHON[source_lock]
    if not python.exists():
        pytest.skip("venv missing: run `make setup`")
    done = subprocess.run([str(python), "docker/lock_image.py", name, "--print"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (REPO / own).read_text(), f"{own} is out of date: run docker/lock_image.py {name}"


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_every_module_the_image_code_imports_is_in_its_lock(name):
    image = IMAGES[name]
    source_lock, _ = lock_tool().IMAGES[name]
    info = venv_info(VENV_PYTHON[source_lock])
    locked = lock_names(REPO / f"requirements/images/{name}.lock")
    local = {source.name if source.is_dir() else source.stem for source, _ in image.copies}
    # A package copied in file by file (`COPY api/__init__.py api/crypto.py ./api/`) is local too.
    local |= {source.parent.name for source, _ in image.copies if source.name == "__init__.py"}
    canonical = lock_tool().canonical
    missing = []
    code = image.python_files()
    assert code, f"{name}: no Python code copied in"
    for path in code:
        for module in sorted(imported_modules(path)):
            if module in info["stdlib"] or module == "__future__" or module in local:
                continue
            dists = {canonical(d) for d in info["dists"].get(module, [])}
            if not dists:
                repo_package = REPO / module
                missing.append(f"{path.relative_to(REPO)} imports {module}" +
                               (", which is not copied in" if repo_package.exists() else ", from no package"))
            elif not dists & locked:
                missing.append(f"{path.relative_to(REPO)} imports {module} ({', '.join(sorted(dists))}), "
                               f"not in requirements/images/{name}.lock")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_every_file_the_image_code_reads_is_copied_in(name):
    image = IMAGES[name]
    missing = []
    for path in image.python_files():
        for read in sorted(files_read(path)):
            where = image.path_in_image(read)
            code_at = image.path_in_image(path)
            expected = image.workdir / read.relative_to(REPO).as_posix()
            if where is None:
                missing.append(f"{path.relative_to(REPO)} reads {read.relative_to(REPO)}, not copied in")
            elif code_at == image.workdir / path.relative_to(REPO).as_posix() and where != expected:
                missing.append(f"{read.relative_to(REPO)} is copied to {where}, but the code looks in {expected}")
    assert not missing, "\n".join(missing)


def test_the_action_server_image_can_run_the_actions():
    """The gap that started this: the actions import aiohttp and yaml and
    read data/yes_no_words.yml."""
    image = IMAGES["actions"]
    assert image.base == "rasa/rasa-sdk:3.6.2"
    locked = lock_names(REPO / "requirements/images/actions.lock")
    assert {"aiohttp", "pyyaml", "rasa-sdk"} <= locked
    assert image.path_in_image(REPO / "data" / "yes_no_words.yml") == PurePosixPath("/app/data/yes_no_words.yml")
