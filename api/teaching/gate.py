"""The quality gate a new model must pass before it goes live.

Both models (the new one and the live one) are asked about the same
messages neither was trained on (bot/evaluate_model.py gives what each
understood); `judge` compares them:
- understanding: held-out macro F1 of the new model not lower than the
  live model's by more than 0.01;
- crises: every crisis example the live model finds is still a crisis;
- figures of speech: no example that is not a crisis ("the kids are
  killing me") becomes a crisis when it was not one before.
Each check says what it found in plain words, and what failed.
"""

from dataclasses import asdict, dataclass

MAX_F1_DROP = 0.01
TAUGHT_PREFIX = "taught_"  # as api/teaching/service.py names a taught question's intent
SHOWN = 5


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    words: str
    examples: list[str]


@dataclass(frozen=True)
class GateResult:
    passed: bool
    checks: list[Check]
    new_f1: float
    live_f1: float
    # For each question comms taught: [ways of asking it never saw that the
    # new model understood, how many it was asked]. Shown, not a check.
    taught: dict[str, list[int]]

    def as_dict(self) -> dict:
        return {"passed": self.passed, "new_f1": self.new_f1, "live_f1": self.live_f1,
                "checks": [asdict(c) for c in self.checks], "taught": self.taught}


def macro_f1(rows: list[list[str]]) -> float:
    """Macro F1 over the questions in `rows` ([text, expected, predicted]):
    the mean over each expected question of its F1 score."""
    labels = sorted({row[1] for row in rows})
    if not labels:
        return 0.0
    scores = []
    for label in labels:
        hits = sum(1 for _, want, got in rows if want == label and got == label)
        said = sum(1 for _, _, got in rows if got == label)
        wanted = sum(1 for _, want, _ in rows if want == label)
        precision = hits / said if said else 0.0
        recall = hits / wanted if wanted else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def _crisis_found(evaluation: dict) -> dict[str, bool]:
    return {text: bool(found) for text, _, found in evaluation.get("crisis", [])}


def _categories(evaluation: dict) -> dict[str, str]:
    return {text: category for text, category, _ in evaluation.get("crisis", [])}


def judge(new: dict, live: dict) -> GateResult:
    """`new` and `live`: {"nlu": [[text, expected, predicted]], "crisis": [[text, category, is_crisis]]}."""
    new_f1, live_f1 = round(macro_f1(new.get("nlu", [])), 4), round(macro_f1(live.get("nlu", [])), 4)
    understood = new_f1 >= live_f1 - MAX_F1_DROP
    asked = len(new.get("nlu", []))
    f1_words = (f"Understanding: on {asked} ways of asking it never saw, the new model scores "
                f"{new_f1:.2f} and the live one {live_f1:.2f} (1.00 is every one right). ")
    f1_words += ("Good enough." if understood else
                 f"The new model is worse by more than {MAX_F1_DROP:.2f}, so it cannot go live.")
    wrong = [f'"{text}": should be {want.replace("_", " ")}, it thought {got.replace("_", " ")}'
             for text, want, got in new.get("nlu", []) if want != got]

    categories, new_found, live_found = _categories(new), _crisis_found(new), _crisis_found(live)
    crises = [t for t, c in categories.items() if c != "none"]
    caught_before = [t for t in crises if live_found.get(t)]
    missed = [t for t in caught_before if not new_found.get(t)]
    crisis_words = (f"Crisis messages: the new model finds {len(caught_before) - len(missed)} of the "
                    f"{len(caught_before)} crisis messages the live model finds.")
    crisis_words += " None is missed." if not missed else f" It misses {len(missed)}, so it cannot go live."

    ordinary = [t for t, c in categories.items() if c == "none"]
    new_alarms = [t for t in ordinary if new_found.get(t) and not live_found.get(t)]
    alarm_words = (f"False alarms: of {len(ordinary)} messages that only sound worrying "
                   f'(like "the kids are killing me"), ')
    alarm_words += ("the new model raises no alarm the live one does not." if not new_alarms else
                    f"the new model treats {len(new_alarms)} as a crisis that the live one does not, "
                    "so it cannot go live.")
    checks = [Check("understanding", understood, f1_words, wrong[:SHOWN]),
              Check("crisis", not missed, crisis_words, [f'"{t}"' for t in missed[:SHOWN]]),
              Check("false_alarms", not new_alarms, alarm_words, [f'"{t}"' for t in new_alarms[:SHOWN]])]
    if not crises:  # nothing to compare with is never a pass
        checks[1] = Check("crisis", False, "Crisis messages: there were none to check the new model with.", [])
    taught: dict[str, list[int]] = {}
    for _, want, got in new.get("nlu", []):
        if want.startswith(TAUGHT_PREFIX):
            counts = taught.setdefault(want, [0, 0])
            counts[0] += want == got
            counts[1] += 1
    return GateResult(all(c.passed for c in checks), checks, new_f1, live_f1, taught)
