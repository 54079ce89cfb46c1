"""The intents domain.yml declares (a taught question's name may not clash)."""

from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=2)
def _intents(path: str, mtime_ns: int) -> frozenset[str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return frozenset(str(i if isinstance(i, str) else next(iter(i))) for i in data.get("intents") or [])


def domain_intents(path: Path) -> set[str]:
    return set(_intents(str(path), path.stat().st_mtime_ns)) | {"nlu_fallback", "crisis"}
