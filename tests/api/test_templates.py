"""The templates in data/content/templates.yml, filled in with example
values and with the real demo borough, stay plain, GSM-7 and short."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from api.content.plain_language import check_answer, gsm7_problems, sms_segments
from api.content.service import template_placeholders
from api.directory import service as directory

TEMPLATES = Path(__file__).resolve().parents[2] / "data" / "content" / "templates.yml"
ANSWERS = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))["answers"]
EXPECTED_KEYS = {
    "hours_open", "hours_open_now", "hours_closed_now", "hours_closed_day", "hours_bank_holiday",
    "hours_closure", "hours_week", "hours_all_hubs", "hub_list", "hub_nearest", "hub_details",
    "hub_not_found", "hub_postcode_not_found", "hub_phone", "travel_directions", "travel_parking",
    "travel_parking_step_free", "travel_which_hub", "sessions_found", "sessions_none_day",
    "sessions_none", "sessions_kind_not_found", "talk_to_person", "crisis_out_of_hours", "out_of_hours_first",
    "chat_empty", "chat_too_long", "assistant_unavailable", "chat_page_title", "chat_intro",
    "chat_input_label", "chat_send",
}


def test_every_template_the_api_uses_is_there():
    assert {answer["key"] for answer in ANSWERS} == EXPECTED_KEYS


@pytest.mark.parametrize("answer", ANSWERS, ids=[a["key"] for a in ANSWERS])
def test_example_values_cover_every_placeholder(answer):
    used = template_placeholders(answer["sms"]) | template_placeholders(answer["web"])
    assert used <= set(answer.get("placeholders") or {})


@pytest.mark.parametrize("answer", ANSWERS, ids=[a["key"] for a in ANSWERS])
def test_filled_in_examples_have_no_hard_problems(answer):
    values = answer.get("placeholders") or {}
    problems = check_answer(answer["sms"].format(**values), answer["web"].format(**values))
    assert [p.message for p in problems if p.level == "hard"] == []


def real_sms_texts(db) -> list[str]:
    """Texts built from the demo borough over a fortnight of moments."""
    texts = []
    start = datetime(2026, 12, 14, 6, 0, tzinfo=timezone.utc)
    hubs = ["riverside", "northgate", "millbrook", "oakfield", "", "nowhere"]
    for hours in range(0, 24 * 14, 7):
        now = start + timedelta(hours=hours)
        for hub in hubs:
            texts += directory.opening_times(db, hub, "", now, "sms")
            texts += directory.opening_times(db, hub, "today", now, "sms")
            texts += directory.opening_times(db, hub, "weekend", now, "sms")
            texts += directory.talk_to_person(db, hub, now, "sms")
            texts += directory.whats_on(db, "", hub, "", "", now, "sms")
    for hub in hubs:
        texts += directory.find_hub(db, hub, "", "sms") + directory.getting_there(db, hub, "", "sms")
    for postcode in ["FB1 2AB", "FB3", "FB5 6EF", "FB8 1AA", "ZZ9 9ZZ"]:
        texts += directory.find_hub(db, "", postcode, "sms") + directory.getting_there(db, "", postcode, "sms")
    texts += directory.whats_on(db, "", "", "swimming", "", start, "sms")
    return sorted(set(texts))


def test_real_sms_texts_fit_two_segments_in_gsm7(db):
    texts = real_sms_texts(db)
    assert len(texts) > 50
    too_long = [text for text in texts if sms_segments(text) > 2]
    not_gsm7 = [text for text in texts if gsm7_problems(text)]
    assert too_long == [] and not_gsm7 == []
