"""Finding a hub, getting there, and what's on."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from api.directory.models import HubSession
from api.directory.service import (
    find_hub, getting_there, hub_for_postcode, outward_code, resolve_hub, session_dates,
    upcoming_sessions, whats_on,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def keys(search) -> list[tuple[str, date]]:
    return [(o.hub_session.key, o.starts_at.date()) for o in search.occurrences]


# --- hubs ---

@pytest.mark.parametrize("text", ["riverside", "River Side", "the riverside hub", "Riverside Family Hub",
                                  "RIVERSIDE CENTRE", "riversde", "is it the one in riverside"])
def test_hub_names_as_families_write_them(db, text):
    assert resolve_hub(db, text).slug == "riverside"


def test_a_hub_we_do_not_have(db):
    assert resolve_hub(db, "riverview") is None
    assert resolve_hub(db, "") is None


@pytest.mark.parametrize("postcode, district, slug", [
    ("fb1 2ab", "FB1", "riverside"), ("FB12AB", "FB1", "riverside"), ("FB2 9ZZ", "FB2", "riverside"),
    ("fb4 1aa", "FB4", "northgate"), ("FB6", "FB6", "millbrook"), (" fb7 8gh ", "FB7", "oakfield"),
])
def test_postcode_to_hub(db, postcode, district, slug):
    assert outward_code(postcode) == district
    assert hub_for_postcode(db, postcode).slug == slug


@pytest.mark.parametrize("postcode", ["ZZ1 1AA", "hello", "", "FB9 1AA"])
def test_postcodes_no_hub_serves(db, postcode):
    assert hub_for_postcode(db, postcode) is None


def test_find_hub_texts(db):
    assert find_hub(db, "", "FB3 4ZZ", "sms") == [
        "Your nearest hub is Northgate Family Hub, Northgate Library building, 3 Market Row, Fernbridge, "
        "FB3 4CD. You can call them on 01632 960202."]
    [unknown] = find_hub(db, "", "zz1 1aa", "sms")
    assert "could not find a hub for ZZ1 1AA" in unknown and "01632 960000" in unknown
    [listing] = find_hub(db, "", "", "sms")
    assert listing.startswith("We have 4 family hubs.") and "postcode" in listing


def test_getting_there_gives_directions_then_parking(db):
    directions, parking = getting_there(db, "millbrook", "", "sms")
    assert directions.startswith("Millbrook Family Hub is at Millbrook Park, Station Lane, Fernbridge, FB5 6EF.")
    assert "side door, which has a ramp" in directions
    assert parking.startswith("Parking: There is a free car park")
    assert "no steps" not in parking  # Millbrook has steps at the front
    _, riverside_parking = getting_there(db, "", "FB1 2AB", "sms")
    assert "There are no steps at the way in." in riverside_parking


def test_getting_there_without_a_hub_asks_which(db):
    [text] = getting_there(db, "", "", "sms")
    assert text.startswith("Which hub would you like to get to?")


# --- sessions ---

def test_monthly_second_tuesday(db):
    group = db.scalar(select(HubSession).where(HubSession.key == "riverside_send_group_second_tue"))
    assert session_dates(group, date(2026, 12, 1), date(2027, 3, 31)) == [
        date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]


def test_monthly_second_tuesday_in_upcoming_sessions(db):
    search = upcoming_sessions(db, hub_text="riverside", kind_text="send group", now=utc(2026, 12, 1, 9))
    assert keys(search) == [("riverside_send_group_second_tue", date(2026, 12, 8))]
    assert search.occurrences[0].starts_at.hour == 18


def test_fortnightly_counts_from_its_first_date_and_stops_in_the_holidays(db):
    search = upcoming_sessions(db, kind_text="parenting course", now=utc(2026, 11, 23, 9), limit=10)
    assert keys(search) == [("northgate_parenting_course_tue", date(2026, 12, 1))]
    later = upcoming_sessions(db, kind_text="parenting class", now=utc(2026, 12, 2, 9), limit=10)
    assert keys(later) == [("northgate_parenting_course_tue", date(2026, 12, 15))]


def test_sessions_by_kind_and_day(db):
    search = upcoming_sessions(db, day_text="sat", kind_text="stay & play", now=utc(2026, 11, 23, 9))
    assert keys(search) == [("millbrook_stay_and_play_sat", date(2026, 11, 28))]


def test_tonight_at_a_hub_with_an_age(db):
    thursday = utc(2026, 11, 26, 12)
    both = upcoming_sessions(db, day_text="tonight", hub_text="northgate", now=thursday)
    assert {key for key, _ in keys(both)} == {"northgate_dads_thu", "northgate_youth_thu"}
    teens = upcoming_sessions(db, day_text="tonight", hub_text="northgate", age_text="my teen", now=thursday)
    assert keys(teens) == [("northgate_youth_thu", date(2026, 11, 26))]


def test_age_filters_out_groups_for_other_ages(db):
    search = upcoming_sessions(db, age_text="18 month old", now=utc(2026, 11, 23, 6), limit=50)
    found = {key for key, _ in keys(search)}
    assert "northgate_messy_play_wed" in found
    assert "northgate_baby_group_mon" not in found  # under 1s
    assert "northgate_youth_thu" not in found


def test_sessions_that_have_ended_today_are_not_listed(db):
    search = upcoming_sessions(db, day_text="today", hub_text="riverside", now=utc(2026, 11, 23, 12))
    assert "riverside_stay_and_play_mon" not in {key for key, _ in keys(search)}


def test_holiday_activities_only_in_school_holidays(db):
    assert upcoming_sessions(db, kind_text="holiday club", now=utc(2026, 11, 23, 9)).occurrences == []
    half_term = upcoming_sessions(db, kind_text="holiday club", now=utc(2027, 2, 15, 9))
    assert keys(half_term) == [
        ("riverside_holiday_activities_tue", date(2027, 2, 16)),
        ("oakfield_holiday_activities_wed", date(2027, 2, 17)),
    ]


def test_term_time_sessions_skip_half_term(db):
    search = upcoming_sessions(db, kind_text="messy play", day_text="wednesday", now=utc(2027, 2, 15, 9))
    assert search.occurrences == []


def test_no_sessions_on_a_bank_holiday_or_a_closure(db):
    bank_holiday = upcoming_sessions(db, hub_text="riverside", day_text="monday", now=utc(2027, 4, 30, 9))
    assert bank_holiday.occurrences == []  # Monday 3 May 2027
    repairs = upcoming_sessions(db, hub_text="riverside", day_text="12 april", now=utc(2027, 4, 8, 9))
    assert repairs.occurrences == []


def test_sessions_keep_their_local_time_over_the_clock_change(db):
    before = upcoming_sessions(db, hub_text="riverside", kind_text="stay and play", day_text="monday",
                               now=utc(2027, 3, 20, 9))
    after = upcoming_sessions(db, hub_text="riverside", kind_text="stay and play", day_text="monday",
                              now=utc(2027, 4, 1, 9))
    [winter], [summer] = before.occurrences, after.occurrences
    assert (winter.starts_at.date(), summer.starts_at.date()) == (date(2027, 3, 22), date(2027, 4, 5))
    assert winter.starts_at.hour == summer.starts_at.hour == 10
    assert winter.starts_at.astimezone(timezone.utc).hour == 10
    assert summer.starts_at.astimezone(timezone.utc).hour == 9


def test_whats_on_texts(db):
    [text] = whats_on(db, "tues", "", "", "baby", utc(2026, 11, 22, 12), "sms")
    assert text == ("Here is what is on. Baby massage at Riverside Family Hub, on Tuesday 1:30pm to 2:30pm. "
                    "Please book.")
    [none] = whats_on(db, "sunday", "", "", "", utc(2026, 11, 23, 12), "sms")
    assert none.startswith("Sorry, I could not find a session like that on Sunday.")
    [unknown] = whats_on(db, "", "", "swimming", "", utc(2026, 11, 23, 12), "sms")
    assert unknown.startswith('Sorry, I do not know a session called "swimming".')


def test_sms_lists_at_most_three_sessions(db):
    [sms] = whats_on(db, "", "", "", "", utc(2026, 11, 23, 6), "sms")
    [web] = whats_on(db, "", "", "", "", utc(2026, 11, 23, 6), "web")
    assert sms.count("Family Hub, ") == 3
    assert web.count("Family Hub, ") == 5
