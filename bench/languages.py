"""How well the api tells which language a family writes in (api/languages/).

    .venvs/api/bin/python -m bench.languages

Prints, for each language, how many messages were known for that language,
left unsure (the conversation keeps its language) or taken for another, on
messages the detector never saw: each language's crisis examples and everyday
messages (data/safety/languages/), and every English training example
(data/nlu/), where a wrong answer would switch an English family's
answers. Then the time a message takes.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import yaml

from api.languages.service import detected_language, switched_on
from api.settings import REPO_ROOT, Settings

SAFETY = REPO_ROOT / "data" / "safety" / "languages"
ENTITY = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def language_messages() -> dict[str, list[str]]:
    messages: dict[str, list[str]] = {}
    for path in sorted(SAFETY.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        examples = [example for rules in data["rules"].values() for rule in rules for example in rule["examples"]]
        messages[data["language"]] = examples + list(data.get("everyday") or [])
    return messages


def english_messages(nlu_dir: Path = REPO_ROOT / "data" / "nlu") -> list[str]:
    texts = []
    for path in sorted(nlu_dir.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    texts.append(ENTITY.sub(r"\1", line.strip()[2:]))
    return texts


def main() -> None:
    settings = Settings()
    languages = switched_on(settings)
    every = {"en": english_messages(), **language_messages()}
    print(f"Language detection (lingua), sure at {settings.language_min_confidence}:")
    print(f"{'language':<12}{'messages':>9}{'right':>8}{'unsure':>8}{'wrong':>7}  taken for")
    started, total = time.perf_counter(), 0
    for code, texts in every.items():
        found = Counter(detected_language(text, languages, settings.language_min_confidence) for text in texts)
        total += len(texts)
        wrong = {other: count for other, count in found.items() if other not in (code, None)}
        print(f"{languages[code].name:<12}{len(texts):>9}{found[code]:>8}{found[None]:>8}{sum(wrong.values()):>7}"
              f"  {', '.join(f'{k} {v}' for k, v in sorted(wrong.items())) or '-'}")
    took = (time.perf_counter() - started) / total * 1000
    print(f"{took:.2f} ms a message on average ({total} messages, the first loads the models)")


if __name__ == "__main__":
    main()
