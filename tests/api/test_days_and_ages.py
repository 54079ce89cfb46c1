"""How the api reads days and ages written the way families write them."""

from datetime import date

import pytest

from api.directory.ages import AgeRange, parse_age
from api.directory.days import parse_day

SUNDAY = date(2026, 11, 22)
MONDAY = date(2026, 11, 23)
WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize("text", ["tomorrow", "tmrw", "tmw", "Tomorrow?", "are you open 2moro"])
def test_tomorrow_in_its_many_spellings(text):
    assert parse_day(text, SUNDAY).dates == (MONDAY,)


@pytest.mark.parametrize("text, expected", [
    ("mon", MONDAY), ("tues", date(2026, 11, 24)), ("Weds", WEDNESDAY), ("thurs", date(2026, 11, 26)),
    ("sat", date(2026, 11, 28)), ("on Friday", date(2026, 11, 27)), ("sunday", SUNDAY),
])
def test_weekday_names_and_short_forms_mean_the_next_one(text, expected):
    assert parse_day(text, SUNDAY).dates == (expected,)


def test_a_weekday_said_on_that_day_means_today_unless_next():
    assert parse_day("monday", MONDAY).dates == (MONDAY,)
    assert parse_day("next monday", MONDAY).dates == (date(2026, 11, 30),)


def test_today_and_tonight():
    assert parse_day("today", MONDAY).dates == (MONDAY,)
    tonight = parse_day("tonight", MONDAY)
    assert tonight.dates == (MONDAY,) and tonight.evening


def test_weekend_is_saturday_and_sunday_or_just_today_on_a_sunday():
    assert parse_day("the weekend", WEDNESDAY).dates == (date(2026, 11, 28), date(2026, 11, 29))
    assert parse_day("weekend", SUNDAY).dates == (SUNDAY,)


def test_bank_holiday_is_the_next_one_in_england():
    assert parse_day("bank holiday", date(2027, 4, 20)).dates == (date(2027, 5, 3),)
    assert parse_day("bank hol monday", date(2027, 5, 3)).dates == (date(2027, 5, 3),)


@pytest.mark.parametrize("text, today, expected", [
    ("christmas", SUNDAY, date(2026, 12, 25)),
    ("xmas day", SUNDAY, date(2026, 12, 25)),
    ("christmas eve", SUNDAY, date(2026, 12, 24)),
    ("boxing day", SUNDAY, date(2026, 12, 26)),
    ("new year", SUNDAY, date(2027, 1, 1)),
    ("new year's eve", SUNDAY, date(2026, 12, 31)),
    ("xmas", date(2026, 12, 27), date(2027, 12, 25)),
    ("28th december", SUNDAY, date(2026, 12, 28)),
    ("28/12", SUNDAY, date(2026, 12, 28)),
    ("16/12", date(2026, 12, 1), date(2026, 12, 16)),
    ("the 16th", date(2026, 12, 1), date(2026, 12, 16)),
    ("on the 3rd", date(2026, 12, 10), date(2027, 1, 3)),
    ("the 31st", date(2027, 2, 1), date(2027, 3, 31)),
    ("8th december", date(2026, 12, 1), date(2026, 12, 8)),
    ("dec 8", date(2026, 12, 1), date(2026, 12, 8)),
    ("next tues", date(2026, 12, 1), date(2026, 12, 8)),
])
def test_christmas_and_new_year_and_dates(text, today, expected):
    assert parse_day(text, today).dates == (expected,)


@pytest.mark.parametrize("text", ["", "   ", None, "whenever", "blue"])
def test_words_that_are_not_a_day(text):
    assert parse_day(text, SUNDAY) is None


@pytest.mark.parametrize("text, expected", [
    ("2 year old", AgeRange(24, 35)),
    ("two year old", AgeRange(24, 35)),
    ("my 3yo", AgeRange(36, 47)),
    ("18 month old", AgeRange(18, 18)),
    ("18 months", AgeRange(18, 18)),
    ("6 week old", AgeRange(1, 1)),
    ("baby", AgeRange(0, 12)),
    ("my newborn", AgeRange(0, 2)),
    ("teen", AgeRange(156, 228)),
    ("my teenager", AgeRange(156, 228)),
    ("toddler", AgeRange(12, 36)),
    ("aged 7", AgeRange(84, 95)),
])
def test_ages_as_families_write_them(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", None, "blue"])
def test_words_that_are_not_an_age(text):
    assert parse_age(text) is None
