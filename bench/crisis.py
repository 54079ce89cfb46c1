"""How well the crisis check catches crises nobody wrote a rule for.

Run with the Rasa venv: `.venvs/rasa/bin/python -m bench.crisis`
(add `--thresholds` for the full table used to choose the thresholds).

It trains the crisis classifier (bot/crisis_model.py) on
data/safety/crisis_examples/train.yml plus the ordinary NLU examples, then
scores the held-out messages in data/safety/crisis_examples/heldout.yml, which
it never trained on. For the rules alone (bot/risk.py), the classifier alone,
and the two combined (a rule matches OR the classifier scores at least
crisis_threshold), it prints:

- recall: the share of real crises that get the crisis answer, per category
  and overall;
- false alarms: the share of near-misses ("the kids are killing me") that get
  the crisis answer, and the share of ordinary held-out NLU messages
  (tests/nlu/heldout.yml) that do;
- the "unsure" band (unsure_threshold <= score < crisis_threshold, no rule):
  how many crises and near-misses would be asked "Is anyone in danger?";
- every missed crisis and every false alarm, so a safeguarding lead can add
  rules (risk_phrases.yml) or training examples (train.yml).

The thresholds come from data/safety/crisis_model.yml. `--thresholds` prints
the table they were chosen from and what the choosing rule picks today.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from bot import crisis_model
from bot import risk
from bot.crisis_model import CATEGORY_KINDS, CrisisExample, CrisisThresholds

ORDINARY_HELDOUT = Path(crisis_model.REPO_ROOT) / "tests" / "nlu" / "heldout.yml"
RECALL_TARGET = 0.98
CATEGORY_RECALL_TARGET = 0.95
FALSE_ALARM_LIMIT = 0.05
# The unsure band is a safety net under the crisis threshold: "crisis answer
# or asked" must reach this, stricter than RECALL_TARGET, so the band stays
# open even when the crisis threshold alone meets the targets.
UNSURE_RECALL_TARGET = 0.99
UNSURE_BAND = 0.05
THRESHOLD_GRID = tuple(round(0.05 * step, 2) for step in range(1, 20))  # 0.05 .. 0.95


@dataclass(frozen=True)
class Scored:
    """One held-out message with what each check said about it."""

    text: str
    category: str
    rule: str | None  # the matching rule's kind, or None
    rule_name: str | None
    probability: float
    model_kind: str | None

    @property
    def is_crisis(self) -> bool:
        return self.category != crisis_model.NOT_CRISIS


@dataclass
class Figures:
    """What one check (at one threshold) did on the held-out set."""

    recall: float
    recall_by_category: dict[str, float]
    false_alarms: float
    missed: list[Scored] = field(default_factory=list)
    alarmed: list[Scored] = field(default_factory=list)


def score_examples(model: crisis_model.CrisisModel, examples: Sequence[CrisisExample],
                   assess: Callable[[str], risk.RiskAssessment | None] = risk.assess) -> list[Scored]:
    scores = model.score_many([example.text for example in examples])
    scored = []
    for example, (probability, kind) in zip(examples, scores):
        found = assess(example.text)
        scored.append(Scored(text=example.text, category=example.category,
                             rule=found.kind if found else None, rule_name=found.phrase if found else None,
                             probability=probability, model_kind=kind))
    return scored


def figures(scored: Sequence[Scored], flagged: Callable[[Scored], bool]) -> Figures:
    crises = [item for item in scored if item.is_crisis]
    near_misses = [item for item in scored if not item.is_crisis]
    by_category = {}
    for category in CATEGORY_KINDS:
        in_category = [item for item in crises if item.category == category]
        if in_category:
            by_category[category] = sum(map(flagged, in_category)) / len(in_category)
    return Figures(
        recall=sum(map(flagged, crises)) / len(crises) if crises else 0.0,
        recall_by_category=by_category,
        false_alarms=sum(map(flagged, near_misses)) / len(near_misses) if near_misses else 0.0,
        missed=[item for item in crises if not flagged(item)],
        alarmed=[item for item in near_misses if flagged(item)],
    )


def rules_alone(item: Scored) -> bool:
    return item.rule is not None


def classifier_alone(threshold: float) -> Callable[[Scored], bool]:
    return lambda item: item.probability >= threshold


def combined(threshold: float) -> Callable[[Scored], bool]:
    """The check the assistant makes: a rule matches, or the classifier is sure enough."""
    return lambda item: item.rule is not None or item.probability >= threshold


def meets_targets(result: Figures) -> bool:
    return (result.recall >= RECALL_TARGET
            and all(value >= CATEGORY_RECALL_TARGET for value in result.recall_by_category.values())
            and result.false_alarms < FALSE_ALARM_LIMIT)


def classifier_added_false_alarms(scored: Sequence[Scored], threshold: float) -> float:
    """The share of near-misses the classifier flags that no rule flags already."""
    near_misses = [item for item in scored if not item.is_crisis]
    added = [item for item in near_misses if item.rule is None and item.probability >= threshold]
    return len(added) / len(near_misses) if near_misses else 0.0


def choose_thresholds(scored: Sequence[Scored]) -> CrisisThresholds:
    """The rule data/safety/crisis_model.yml records, applied to a held-out set.

    crisis: the lowest threshold on the grid where the combined check meets
    every target. If none does, the lowest threshold where the false alarms
    the classifier ADDS to the rules' own stay under the limit: the rules'
    false alarms are a safeguarding lead's judgement calls (JUDGEMENT in
    risk_phrases.yml), and the classifier threshold can only answer for its
    own.
    unsure: the highest threshold, at or below crisis, where "crisis answer
    or asked" reaches UNSURE_RECALL_TARGET (99%), so almost every crisis at
    least gets "Is anyone in danger?". (Against RECALL_TARGET it would equal
    crisis, and close the band, whenever crisis alone met the targets.)
    """
    table = {threshold: figures(scored, combined(threshold)) for threshold in THRESHOLD_GRID}
    meeting = [threshold for threshold, result in table.items() if meets_targets(result)]
    quiet = [threshold for threshold in THRESHOLD_GRID
             if classifier_added_false_alarms(scored, threshold) < FALSE_ALARM_LIMIT]
    crisis = min(meeting or quiet or [max(THRESHOLD_GRID)])
    reaching = [threshold for threshold, result in table.items()
                if threshold <= crisis and result.recall >= UNSURE_RECALL_TARGET]
    # No wider than UNSURE_BAND: measured, a band down to 0.10 asked "Is anyone
    # in danger?" of 1 ordinary question in 25 and broke into the handover
    # questions ("we have been told to leave our flat").
    unsure = max(reaching or [min(THRESHOLD_GRID)])
    unsure = round(max(unsure, crisis - UNSURE_BAND), 2)
    return CrisisThresholds(crisis=crisis, unsure=unsure)


def ordinary_messages(model: crisis_model.CrisisModel, thresholds: CrisisThresholds) -> tuple[int, int, int]:
    """(given the crisis answer, asked, total) over the ordinary held-out NLU messages
    (tests/nlu/heldout.yml, every intent but crisis)."""
    texts = crisis_model.nlu_texts(ORDINARY_HELDOUT)
    scores = model.score_many(texts)
    rules = [risk.assess(text) is not None for text in texts]
    flagged = sum(rule or probability >= thresholds.crisis for rule, (probability, _) in zip(rules, scores))
    asked = sum(not rule and thresholds.unsure <= probability < thresholds.crisis
                for rule, (probability, _) in zip(rules, scores))
    return flagged, asked, len(texts)


def _percent(value: float) -> str:
    return f"{100 * value:5.1f}%"


def _print_figures(name: str, result: Figures) -> None:
    categories = "  ".join(f"{category} {_percent(value)}" for category, value in result.recall_by_category.items())
    print(f"{name:<28} recall {_percent(result.recall)}   false alarms {_percent(result.false_alarms)}")
    print(f"{'':<28} {categories}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", action="store_true", help="print the table the thresholds are chosen from")
    arguments = parser.parse_args()

    thresholds = crisis_model.load_thresholds()
    model = crisis_model.train_default()
    heldout = crisis_model.load_examples(crisis_model.HELDOUT_PATH)
    scored = score_examples(model, heldout)
    crises = [item for item in scored if item.is_crisis]
    near_misses = [item for item in scored if not item.is_crisis]
    counts = {category: sum(item.category == category for item in crises) for category in CATEGORY_KINDS}
    print(f"held-out: {len(crises)} crisis messages ({', '.join(f'{c} {n}' for c, n in counts.items())}), "
          f"{len(near_misses)} near-misses")
    print(f"thresholds: crisis {thresholds.crisis}, unsure {thresholds.unsure} (data/safety/crisis_model.yml)")
    print(f"targets: recall >= {RECALL_TARGET:.0%} overall and >= {CATEGORY_RECALL_TARGET:.0%} in every category, "
          f"false alarms < {FALSE_ALARM_LIMIT:.0%}\n")

    rules_result = figures(scored, rules_alone)
    model_result = figures(scored, classifier_alone(thresholds.crisis))
    both = figures(scored, combined(thresholds.crisis))
    _print_figures("rules alone", rules_result)
    _print_figures(f"classifier >= {thresholds.crisis}", model_result)
    _print_figures("combined (rules OR classifier)", both)
    print(f"combined meets the targets: {'yes' if meets_targets(both) else 'NO'}")

    print(f"  of the false alarms, the rules alone give {_percent(rules_result.false_alarms).strip()}; the classifier adds "
          f"{_percent(classifier_added_false_alarms(scored, thresholds.crisis)).strip()}")
    flagged, asked, total = ordinary_messages(model, thresholds)
    print(f"ordinary held-out NLU messages: {flagged}/{total} given the crisis answer, {asked}/{total} asked")

    unsure = lambda item: item.rule is None and thresholds.unsure <= item.probability < thresholds.crisis  # noqa: E731
    crises_asked = [item for item in crises if unsure(item)]
    near_misses_asked = [item for item in near_misses if unsure(item)]
    with_unsure = figures(scored, combined(thresholds.unsure))
    print(f"\nunsure band ({thresholds.unsure} <= score < {thresholds.crisis}, no rule): asked \"Is anyone in danger?\"")
    print(f"  crisis messages asked: {len(crises_asked)}   near-misses asked: {len(near_misses_asked)} "
          f"({_percent(len(near_misses_asked) / len(near_misses)).strip()})")
    print(f"  crisis answer or asked: recall {_percent(with_unsure.recall).strip()}")

    right_kind = [item for item in crises if combined(thresholds.crisis)(item)
                  and (item.rule or item.model_kind) == CATEGORY_KINDS[item.category]]
    print(f"\nflagged crises given the expected kind of help: {len(right_kind)}/{len(crises) - len(both.missed)}")

    print("\nmissed by rules and classifier (no crisis answer):")
    for item in sorted(both.missed, key=lambda item: (item.category, -item.probability)):
        band = "asked" if unsure(item) else "NOT ASKED"
        print(f"  {item.category:<15} {item.probability:.2f} {band:<9} {item.text}")
    print("\nnear-misses given the crisis answer:")
    for item in sorted(both.alarmed, key=lambda item: -item.probability):
        source = f"rule {item.rule_name}" if item.rule else f"classifier {item.probability:.2f}"
        print(f"  {source:<30} {item.text}")

    if arguments.thresholds:
        print(f"\n{'threshold':>9}  {'combined recall':>15}  {'lowest category':>15}  {'false alarms':>12}  "
              f"{'added by classifier':>19}")
        for threshold in THRESHOLD_GRID:
            result = figures(scored, combined(threshold))
            print(f"{threshold:>9.2f}  {_percent(result.recall):>15}  {_percent(min(result.recall_by_category.values())):>15}  "
                  f"{_percent(result.false_alarms):>12}  {_percent(classifier_added_false_alarms(scored, threshold)):>19}")
        chosen = choose_thresholds(scored)
        print(f"the choosing rule picks: crisis {chosen.crisis}, unsure {chosen.unsure}")


if __name__ == "__main__":
    main()
