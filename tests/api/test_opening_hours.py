"""Opening times in family words, at fixed moments (UTC in, London out)."""

from datetime import datetime, timezone

import pytest

from api.directory.service import front_door_status, opening_times, talk_to_person


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


SUNDAY_NOON = utc(2026, 11, 22, 12, 0)
MONDAY_8AM = utc(2026, 11, 23, 8, 0)
MONDAY_10AM = utc(2026, 11, 23, 10, 0)
MONDAY_6PM = utc(2026, 11, 23, 18, 0)
WEDNESDAY = utc(2026, 11, 25, 12, 0)


def test_today_before_opening(db):
    assert opening_times(db, "riverside", "today", MONDAY_8AM, "sms") == [
        "Riverside Family Hub is open today from 9am to 5pm. Do drop in."]


def test_today_while_open_says_when_it_shuts(db):
    assert opening_times(db, "riverside", "today", MONDAY_10AM, "sms") == [
        "Riverside Family Hub is open now. It shuts at 5pm today."]


def test_today_after_closing_says_when_it_opens_again(db):
    assert opening_times(db, "riverside", "today", MONDAY_6PM, "sms") == [
        "Riverside Family Hub is shut now. It will open again at 9am tomorrow."]


@pytest.mark.parametrize("day", ["tomorrow", "tmrw", "tmw"])
def test_tomorrow_from_a_sunday(db, day):
    assert opening_times(db, "Riverside hub", day, SUNDAY_NOON, "sms") == [
        "Riverside Family Hub is open tomorrow from 9am to 5pm. Do drop in."]


def test_named_day_at_a_hub_that_does_not_open_that_day(db):
    assert opening_times(db, "millbrook", "mon", WEDNESDAY, "sms") == [
        "Millbrook Family Hub is shut on Monday. It is next open at 9am on Tuesday."]


def test_the_late_evening(db):
    assert opening_times(db, "north gate", "thurs", SUNDAY_NOON, "sms") == [
        "Northgate Family Hub is open on Thursday from 9am to 7:30pm. Do drop in."]


def test_the_saturday_hub(db):
    assert opening_times(db, "millbrook", "sat", WEDNESDAY, "sms") == [
        "Millbrook Family Hub is open on Saturday from 9:30am to 12:30pm. Do drop in."]
    assert opening_times(db, "riverside", "sat", WEDNESDAY, "sms") == [
        "Riverside Family Hub is shut on Saturday. It is next open at 9am on Monday."]


def test_weekend_for_every_hub_gives_saturday_then_sunday(db):
    saturday, sunday = opening_times(db, "", "weekend", WEDNESDAY, "sms")
    assert saturday.startswith("Here are our hub times on Saturday.")
    assert "Millbrook Family Hub: 9:30am to 12:30pm." in saturday
    assert "Riverside Family Hub: shut." in saturday
    assert "on Sunday" in sunday and "9:30am" not in sunday


def test_no_day_gives_the_usual_week(db):
    assert opening_times(db, "the northgate", "", WEDNESDAY, "sms") == [
        "Northgate Family Hub is open Monday to Wednesday 9am to 5pm, Thursday 9am to 7:30pm, "
        "Friday 9am to 4:30pm. It is shut on bank holidays."]


def test_early_may_bank_holiday(db):
    assert opening_times(db, "oakfield", "bank holiday", utc(2027, 4, 20, 12), "sms") == [
        "Oakfield Family Hub is shut on Monday 3 May, as it is a bank holiday. "
        "It is next open at 9am on Tuesday 4 May."]
    assert opening_times(db, "oakfield", "monday", utc(2027, 4, 30, 12), "sms") == [
        "Oakfield Family Hub is shut on Monday, as it is a bank holiday. It is next open at 9am on Tuesday."]


@pytest.mark.parametrize("day, words", [
    ("christmas", "shut on Friday 25 December"),
    ("boxing day", "shut on Saturday 26 December"),
    ("christmas eve", "shut on Thursday 24 December"),
    ("new year", "shut on Friday 1 January"),
    ("29 december", "shut on Tuesday 29 December"),
])
def test_the_christmas_closure(db, day, words):
    [text] = opening_times(db, "riverside", day, utc(2026, 12, 1, 12), "sms")
    assert words in text
    assert "This is for Christmas and New Year." in text
    assert text.endswith("It will be open again at 9am on Monday 4 January.")


def test_a_one_off_closure_at_one_hub_only(db):
    [oakfield] = opening_times(db, "oakfield", "19/2/2027", utc(2027, 2, 15, 12), "sms")
    assert "This is for staff training." in oakfield
    [riverside] = opening_times(db, "riverside", "19/2/2027", utc(2027, 2, 15, 12), "sms")
    assert "is open on Friday from 9am to 4:30pm" in riverside


def test_unknown_hub_lists_the_hubs(db):
    [text] = opening_times(db, "riverview", "today", MONDAY_10AM, "sms")
    assert text.startswith('Sorry, I do not know a hub called "riverview".')
    assert "Oakfield Family Hub" in text


def test_web_and_sms_words_can_differ(db):
    [web] = opening_times(db, "riverside", "tomorrow", SUNDAY_NOON, "web")
    assert "welcome" in web


# --- the clocks change (Europe/London) ---

def test_spring_forward_week_9am_stays_9am(db):
    # Tuesday 30 March 2027, 08:30 UTC is 9:30am BST: open.
    assert opening_times(db, "riverside", "today", utc(2027, 3, 30, 8, 30), "sms") == [
        "Riverside Family Hub is open now. It shuts at 5pm today."]
    # Tuesday 23 March 2027, 08:30 UTC is 8:30am GMT: not open yet.
    assert opening_times(db, "riverside", "today", utc(2027, 3, 23, 8, 30), "sms") == [
        "Riverside Family Hub is open today from 9am to 5pm. Do drop in."]


def test_phone_line_over_the_spring_clock_change_and_easter(db):
    # Sunday 28 March 2027 00:30 UTC, just before the clocks go forward.
    # Monday 29 March is Easter Monday, so the line next opens Tuesday 9am BST.
    now = utc(2027, 3, 28, 0, 30)
    status = front_door_status(db, now)
    assert not status.is_open
    assert status.next_opens.astimezone(timezone.utc) == utc(2027, 3, 30, 8, 0)
    assert "It opens again at 9am on Tuesday." in talk_to_person(db, "", now, "sms")[0]


def test_phone_line_over_the_autumn_clock_change(db):
    # Sunday 25 October 2026 00:30 UTC (1:30am BST), clocks go back at 2am.
    now = utc(2026, 10, 25, 0, 30)
    status = front_door_status(db, now)
    assert status.next_opens.astimezone(timezone.utc) == utc(2026, 10, 26, 9, 0)
    assert "It opens again at 9am tomorrow." in talk_to_person(db, "", now, "sms")[0]


def test_talk_to_person_while_the_line_is_open(db):
    texts = talk_to_person(db, "oakfield", MONDAY_10AM, "sms")
    assert texts[0] == "You can talk to someone on our phone line, 01632 960000. The line is open now, until 5pm."
    assert texts[1] == "You can also call Oakfield Family Hub on 01632 960404."


def test_talk_to_person_on_friday_evening_says_monday(db):
    [text] = talk_to_person(db, "", utc(2026, 11, 27, 19, 0), "sms")
    assert "The line is shut now. It opens again at 9am on Monday." in text
