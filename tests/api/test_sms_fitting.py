"""Fitting texts to SMS: GSM-7 look-alikes, segments counted as carriers
count them, replies joined into as few texts as read well, keywords."""

import pytest

from api.sms.gsm import measure, segments, to_gsm7
from api.sms.joiner import join_replies, split_long
from api.sms.keywords import keyword


@pytest.mark.parametrize("written, sent", [
    ("it\u2019s", "it's"), ("\u201cyes\u201d", '"yes"'), ("9am\u20135pm", "9am-5pm"), ("wait\u2026", "wait..."),
    ("a\u00a0b", "a b"), ("Zo\u00eb", "Zoe"), ("caf\u00e9", "caf\u00e9"), ("\u00abhi\u00bb", '"hi"'),
    ("tab\there", "tab here"), ("zero\u200bwidth", "zerowidth"), ("line\r\nbreak", "line\nbreak"),
])
def test_look_alikes_become_gsm7(written, sent):
    assert to_gsm7(written) == sent
    assert measure(sent).encoding == "GSM-7"


def test_what_has_no_equivalent_is_kept():
    assert to_gsm7("thanks \U0001F60A") == "thanks \U0001F60A"
    assert to_gsm7("\u0645\u0631\u062d\u0628\u0627") == "\u0645\u0631\u062d\u0628\u0627"  # Arabic stays Arabic


@pytest.mark.parametrize("text, encoding, count", [
    ("a" * 160, "GSM-7", 1), ("a" * 161, "GSM-7", 2), ("a" * 306, "GSM-7", 2), ("a" * 307, "GSM-7", 3),
    ("[" * 80, "GSM-7", 1), ("[" * 81, "GSM-7", 2),  # [ ] { } ~ ^ \ | and the euro sign take two places
    ("a" * 152 + "\u20ac" + "a" * 152, "GSM-7", 3),  # 306 places, but the euro sign is never split
    ("\u00e9" * 70, "GSM-7", 1),
    ("\u0101" * 70, "UCS-2", 1), ("\u0101" * 71, "UCS-2", 2), ("\u0101" * 134, "UCS-2", 2),
    ("\U0001F60A" * 35, "UCS-2", 1), ("\U0001F60A" * 36, "UCS-2", 2),  # most emoji take two places
])
def test_segments_are_counted_as_carriers_count_them(text, encoding, count):
    size = measure(text)
    assert (size.encoding, size.segments) == (encoding, count)


def test_one_curly_apostrophe_would_cost_a_segment_more():
    text = "Riverside Family Hub is open today from 9am to 5pm. Baby massage starts at 1:30pm, and it\u2019s free."
    assert segments(text) == 2 and segments(to_gsm7(text)) == 1


def test_short_replies_are_joined_into_one_text():
    assert join_replies(["Riverside is open until 5pm.", "Anything else I can help with?"]) == [
        "Riverside is open until 5pm.\n\nAnything else I can help with?"]


def test_replies_are_not_joined_when_that_costs_more():
    first, second = "a" * 160, "b" * 160  # one segment each; joined, 322 characters need three
    assert join_replies([first, second]) == [first, second]


def test_replies_joined_when_the_cost_is_the_same_one_buzz_not_two():
    first, second = "a" * 150, "b" * 150  # two segments either way
    assert join_replies([first, second]) == [first + "\n\n" + second]


def test_a_joined_text_stays_short_enough_to_read():
    replies = ["x" * 150] * 6
    texts = join_replies(replies)
    assert all(segments(text) <= 4 for text in texts) and len(texts) == 2


def test_ucs2_is_not_joined_onto_a_plain_text_when_that_costs_more():
    plain, fancy = "a" * 100, "\u0436" * 40  # Cyrillic has no GSM-7 equivalent
    assert join_replies([plain, fancy]) == [plain, fancy]


def test_empty_replies_are_dropped_and_characters_fitted():
    assert join_replies(["", "  ", "It\u2019s open."]) == ["It's open."]


def test_a_text_longer_than_twilio_takes_is_split_between_sentences():
    sentence = "This is one sentence of a long answer. "
    text = (sentence * 60).strip()
    parts = split_long(text)
    assert all(len(part) <= 1600 for part in parts) and len(parts) == 2
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == text


@pytest.mark.parametrize("text, word", [
    ("STOP", "stop"), ("stop", "stop"), (" Stop. ", "stop"), ("Stop!", "stop"), ("stopall", "stop"),
    ("UNSUBSCRIBE", "stop"), ("cancel", "stop"), ("end", "stop"), ("quit", "stop"),
    ("START", "start"), ("unstop", "start"), ("help", "help"), ("HELP?", "help"),
    ("please stop", None), ("stop texting me", None), ("can you help", None), ("start time", None), ("", None),
])
def test_keywords_are_whole_texts(text, word):
    assert keyword(text) == word
