"""Tests of the reference implementation in oracle.py: the worked examples of the
specification, hand-checked edge cases, and identities on random streams."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
import worked_examples
from oracle import activation_states, activation_summary, first_activation_events

D = dt.date
T = dt.datetime

STATE_KEYS = [
    "period_start",
    "user_id",
    "activation_state",
    "previous_state",
    "state_transition",
    "is_active",
    "active_streak",
    "periods_since_last_active",
    "inactive_periods",
    "first_active_period",
    "lifetime_active_periods",
]


def act(user_id, at, **attrs):
    return {"user_id": user_id, "activity_at": at, **attrs}


def ev(user_id, name, at):
    return {"user_id": user_id, "event_name": name, "event_at": at}


def compact(rows):
    """(period, user, state, previous, streak, since, inactive, first, lifetime)"""
    return [
        (
            r["period_start"],
            r["user_id"],
            r["activation_state"],
            r["previous_state"],
            r["active_streak"],
            r["periods_since_last_active"],
            r["inactive_periods"],
            r["first_active_period"],
            r["lifetime_active_periods"],
        )
        for r in rows
    ]


def by_user_period(rows):
    return sorted(rows, key=lambda r: (r["user_id"], r["period_start"]))


# ---------------------------------------------------------------------------
# Function 1: first_activation_events
# ---------------------------------------------------------------------------

FA_KEYS = [
    "date",
    "datetime",
    "user_id",
    "event_name",
    "first_visit_date",
    "first_visit_datetime",
    "hours_from_first_visit",
    "days_from_first_visit",
]


def fa_tuple(r):
    return tuple(r[k] for k in FA_KEYS)


def test_first_activation_worked_example():
    # the reference's example: seeds/worked_example_events.csv, _users.csv and the expected rows
    rows = first_activation_events(worked_examples.first_activation_events(),
                                   worked_examples.first_activation_users(),
                                   list(worked_examples.KEY_EVENTS))
    for r in rows:
        assert list(r) == FA_KEYS
    assert rows == worked_examples.rows(worked_examples.FIRST_ACTIVATION_EXPECTED)
    assert FA_KEYS == worked_examples.columns(worked_examples.FIRST_ACTIVATION_EXPECTED)


def test_first_activation_rejects_first_visit_in_key_events():
    with pytest.raises(ValueError):
        first_activation_events([], [], ["purchase", "first_visit"])
    with pytest.raises(ValueError):
        first_activation_events([], [], ["landing"], first_visit_event="landing")


def test_first_activation_filters():
    users = [
        {"user_id": "a", "first_visit_at": T(2025, 1, 1, 10, 0)},
        {"user_id": "b", "first_visit_at": None},  # no first visit: no rows at all
        {"user_id": None, "first_visit_at": T(2025, 1, 1)},  # ignored
    ]
    events = [
        ev("a", "purchase", T(2025, 1, 1, 9, 59)),  # before first visit: ignored
        ev("a", "purchase", None),  # no time: ignored
        ev(None, "purchase", T(2025, 1, 1, 11)),  # no user: ignored
        ev("a", "purchase", T(2025, 1, 3, 12, 0)),
        ev("a", "purchase", T(2025, 1, 3, 12, 0)),  # duplicate: harmless
        ev("a", "purchase", T(2025, 1, 2, 12, 0)),  # earlier one wins (input order irrelevant)
        ev("a", "signup", T(2025, 1, 1, 10, 0)),  # exactly at first visit: included
        ev("a", "other", T(2025, 1, 1, 11, 0)),  # not a key event
        ev("b", "purchase", T(2025, 1, 2)),  # user without first visit
        ev("c", "purchase", T(2025, 1, 2)),  # user not in users
    ]
    rows = first_activation_events(events, users, ["signup", "purchase"])
    got = sorted(fa_tuple(r) for r in rows)
    assert got == sorted(
        [
            (D(2025, 1, 1), T(2025, 1, 1, 10), "a", "first_visit", D(2025, 1, 1), T(2025, 1, 1, 10), 1, 1),
            (D(2025, 1, 1), T(2025, 1, 1, 10), "a", "signup", D(2025, 1, 1), T(2025, 1, 1, 10), 1, 1),
            (D(2025, 1, 2), T(2025, 1, 2, 12), "a", "purchase", D(2025, 1, 1), T(2025, 1, 1, 10), 27, 2),
        ]
    )


def test_first_activation_user_without_key_events_gets_first_visit_row_only():
    users = [{"user_id": "x", "first_visit_at": T(2025, 5, 5, 5, 55)}]
    rows = first_activation_events([], users, ["purchase"])
    assert [fa_tuple(r) for r in rows] == [
        (D(2025, 5, 5), T(2025, 5, 5, 5, 55), "x", "first_visit", D(2025, 5, 5), T(2025, 5, 5, 5, 55), 1, 1)
    ]


def test_first_activation_timezone_seoul():
    # First visit 2025-01-01 14:30 UTC = 23:30 KST on 01-01.
    # Purchase 2025-01-01 23:30 UTC = 08:30 KST on 01-02.
    users = [{"user_id": "u", "first_visit_at": T(2025, 1, 1, 14, 30)}]
    events = [ev("u", "purchase", T(2025, 1, 1, 23, 30))]

    utc = first_activation_events(events, users, ["purchase"])
    assert [fa_tuple(r) for r in utc] == [
        (D(2025, 1, 1), T(2025, 1, 1, 14, 30), "u", "first_visit", D(2025, 1, 1), T(2025, 1, 1, 14, 30), 1, 1),
        (D(2025, 1, 1), T(2025, 1, 1, 23, 30), "u", "purchase", D(2025, 1, 1), T(2025, 1, 1, 14, 30), 10, 1),
    ]

    seoul = first_activation_events(events, users, ["purchase"], timezone="Asia/Seoul")
    assert [fa_tuple(r) for r in seoul] == [
        (D(2025, 1, 1), T(2025, 1, 1, 23, 30), "u", "first_visit", D(2025, 1, 1), T(2025, 1, 1, 23, 30), 1, 1),
        (D(2025, 1, 2), T(2025, 1, 2, 8, 30), "u", "purchase", D(2025, 1, 1), T(2025, 1, 1, 23, 30), 10, 2),
    ]


def test_first_activation_first_visit_crosses_midnight_in_seoul():
    # The spec's case: 2025-01-01 23:30 UTC is 2025-01-02 08:30 in Asia/Seoul.
    users = [{"user_id": "u", "first_visit_at": T(2025, 1, 1, 23, 30)}]
    events = [ev("u", "purchase", T(2025, 1, 2, 0, 10))]
    rows = first_activation_events(events, users, ["purchase"], timezone="Asia/Seoul")
    assert [fa_tuple(r) for r in rows] == [
        (D(2025, 1, 2), T(2025, 1, 2, 8, 30), "u", "first_visit", D(2025, 1, 2), T(2025, 1, 2, 8, 30), 1, 1),
        (D(2025, 1, 2), T(2025, 1, 2, 9, 10), "u", "purchase", D(2025, 1, 2), T(2025, 1, 2, 8, 30), 2, 1),
    ]
    # In UTC the same events are on different days.
    rows = first_activation_events(events, users, ["purchase"])
    assert [(r["date"], r["hours_from_first_visit"], r["days_from_first_visit"]) for r in rows] == [
        (D(2025, 1, 1), 1, 1),
        (D(2025, 1, 2), 2, 2),
    ]


def test_first_activation_hours_use_wall_clock_across_dst():
    # New York springs forward on 2025-03-09: 02:00 EST -> 03:00 EDT.
    # 06:30 UTC = 01:30 EST, 07:30 UTC = 03:30 EDT: one real hour, two wall-clock hours.
    users = [{"user_id": "u", "first_visit_at": T(2025, 3, 9, 6, 30)}]
    events = [ev("u", "purchase", T(2025, 3, 9, 7, 30))]
    rows = first_activation_events(events, users, ["purchase"], timezone="America/New_York")
    assert [(r["datetime"], r["hours_from_first_visit"]) for r in rows] == [
        (T(2025, 3, 9, 1, 30), 1),
        (T(2025, 3, 9, 3, 30), 3),
    ]


# ---------------------------------------------------------------------------
# Function 2: activation_states -- worked example
# ---------------------------------------------------------------------------

# The README's example: seeds/worked_example_activity.csv and the expected rows per grain
# (every column, the attributes included); EXAMPLE_<GRAIN> are the compact rows of the
# expected seeds, which the tests below take parts of.
EXAMPLE_ACTIVITY = worked_examples.activity()
ATTRIBUTES = worked_examples.ATTRIBUTES
N = None


def example_expected(grain):
    return worked_examples.rows(worked_examples.states_expected(grain))


EXAMPLE_DAILY = compact(example_expected("day"))
EXAMPLE_WEEKLY = compact(example_expected("week"))
EXAMPLE_MONTHLY = compact(example_expected("month"))


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_states_worked_example(grain):
    rows = activation_states(EXAMPLE_ACTIVITY, grain, as_of=worked_examples.AS_OF, attributes=ATTRIBUTES)
    assert rows == example_expected(grain)
    for r in rows:
        assert list(r) == STATE_KEYS + list(ATTRIBUTES)
    assert STATE_KEYS + list(ATTRIBUTES) == worked_examples.columns(worked_examples.states_expected(grain))
    # as_of None: the latest activity (2025-01-31 18:00) is in the same periods.
    assert activation_states(EXAMPLE_ACTIVITY, grain, attributes=ATTRIBUTES) == rows
    # without attributes: the same rows without their columns
    assert activation_states(EXAMPLE_ACTIVITY, grain) == [
        {k: r[k] for k in STATE_KEYS} for r in rows]


def test_states_transitions_example_daily():
    rows = by_user_period(activation_states(EXAMPLE_ACTIVITY, "day", as_of=D(2025, 1, 31)))
    assert [r["state_transition"] for r in rows] == [
        "none_to_new",
        "new_to_retained",
        "retained_to_retained",
        "retained_to_inactive",
        "inactive_to_reactivated",
        "reactivated_to_retained",
        "retained_to_inactive",
        "inactive_to_reactivated",
        "reactivated_to_inactive",
        "none_to_new",
        "new_to_inactive",
        "inactive_to_reactivated",
    ]


def test_states_invalid_rows_are_ignored():
    noisy = EXAMPLE_ACTIVITY + [
        act(None, T(2025, 3, 1)),  # would otherwise move the as-of period
        act("jinseok", None),
        act("ghost", None),
    ]
    assert activation_states(noisy, "day") == activation_states(EXAMPLE_ACTIVITY, "day")
    assert activation_states([], "day") == []
    assert activation_states([act(None, T(2025, 1, 1))], "week") == []


# ---------------------------------------------------------------------------
# activation_states -- hand-checked edge cases
# ---------------------------------------------------------------------------


def test_states_timezone_seoul():
    activity = [
        act("u", T(2025, 1, 1, 10, 0)),  # 19:00 KST on 01-01
        act("u", T(2025, 1, 1, 23, 30)),  # 08:30 KST on 01-02
    ]
    utc = activation_states(activity, "day")
    assert compact(utc) == [(D(2025, 1, 1), "u", "new", N, 1, N, N, D(2025, 1, 1), 1)]
    seoul = activation_states(activity, "day", timezone="Asia/Seoul")
    assert compact(seoul) == [
        (D(2025, 1, 1), "u", "new", N, 1, N, N, D(2025, 1, 1), 1),
        (D(2025, 1, 2), "u", "retained", "new", 2, 1, 0, D(2025, 1, 1), 2),
    ]
    # Month boundary in Seoul: 2024-01-31 23:30 UTC is 2024-02-01 08:30 KST.
    activity = [act("u", T(2024, 1, 15)), act("u", T(2024, 1, 31, 23, 30))]
    assert compact(activation_states(activity, "month")) == [
        (D(2024, 1, 1), "u", "new", N, 1, N, N, D(2024, 1, 1), 1),
    ]
    assert compact(activation_states(activity, "month", timezone="Asia/Seoul")) == [
        (D(2024, 1, 1), "u", "new", N, 1, N, N, D(2024, 1, 1), 1),
        (D(2024, 2, 1), "u", "retained", "new", 2, 1, 0, D(2024, 1, 1), 2),
    ]


def test_states_timezone_west_of_utc_moves_back():
    # 2025-01-01 03:00 UTC is 2024-12-31 22:00 in New York (previous year).
    activity = [act("u", T(2025, 1, 1, 3, 0))]
    assert compact(activation_states(activity, "month", timezone="America/New_York")) == [
        (D(2024, 12, 1), "u", "new", N, 1, N, N, D(2024, 12, 1), 1),
    ]


def test_states_sunday_weeks():
    activity = [
        act("u", T(2025, 1, 4, 12)),  # Saturday
        act("u", T(2025, 1, 5, 12)),  # Sunday
        act("u", T(2025, 1, 12, 12)),  # Sunday
    ]
    monday = activation_states(activity, "week")
    assert compact(monday) == [
        (D(2024, 12, 30), "u", "new", N, 1, N, N, D(2024, 12, 30), 1),
        (D(2025, 1, 6), "u", "retained", "new", 2, 1, 0, D(2024, 12, 30), 2),
    ]
    sunday = activation_states(activity, "week", week_start="sunday")
    assert compact(sunday) == [
        (D(2024, 12, 29), "u", "new", N, 1, N, N, D(2024, 12, 29), 1),
        (D(2025, 1, 5), "u", "retained", "new", 2, 1, 0, D(2024, 12, 29), 2),
        (D(2025, 1, 12), "u", "retained", "retained", 3, 1, 0, D(2024, 12, 29), 3),
    ]
    # A Sunday as_of is the start of a Sunday week and the end of a Monday week.
    sunday = activation_states(activity[:2], "week", week_start="sunday", as_of=D(2025, 1, 19))
    assert compact(sunday) == [
        (D(2024, 12, 29), "u", "new", N, 1, N, N, D(2024, 12, 29), 1),
        (D(2025, 1, 5), "u", "retained", "new", 2, 1, 0, D(2024, 12, 29), 2),
        (D(2025, 1, 12), "u", "inactive", "retained", 0, 1, 0, D(2024, 12, 29), 2),
    ]


def test_states_month_end_leap_day_year_boundary():
    activity = [
        act("u", T(2024, 1, 31, 23, 59)),
        act("u", T(2024, 2, 28, 12)),
        act("u", T(2024, 2, 29, 12)),
        act("u", T(2024, 3, 1, 0, 0)),
        act("u", T(2024, 3, 3, 8)),
        act("u", T(2024, 4, 30, 12)),
        act("u", T(2024, 12, 31, 23, 0)),
        act("u", T(2025, 1, 1, 0, 30)),
    ]
    monthly = activation_states(activity, "month")
    assert compact(monthly) == [
        (D(2024, 1, 1), "u", "new", N, 1, N, N, D(2024, 1, 1), 1),
        (D(2024, 2, 1), "u", "retained", "new", 2, 1, 0, D(2024, 1, 1), 2),
        (D(2024, 3, 1), "u", "retained", "retained", 3, 1, 0, D(2024, 1, 1), 3),
        (D(2024, 4, 1), "u", "retained", "retained", 4, 1, 0, D(2024, 1, 1), 4),
        (D(2024, 5, 1), "u", "inactive", "retained", 0, 1, 0, D(2024, 1, 1), 4),
        (D(2024, 12, 1), "u", "reactivated", "inactive", 1, 8, 7, D(2024, 1, 1), 5),
        (D(2025, 1, 1), "u", "retained", "reactivated", 2, 1, 0, D(2024, 1, 1), 6),
    ]
    daily = activation_states(activity, "day")
    assert compact(daily) == [
        (D(2024, 1, 31), "u", "new", N, 1, N, N, D(2024, 1, 31), 1),
        (D(2024, 2, 1), "u", "inactive", "new", 0, 1, 0, D(2024, 1, 31), 1),
        (D(2024, 2, 28), "u", "reactivated", "inactive", 1, 28, 27, D(2024, 1, 31), 2),
        (D(2024, 2, 29), "u", "retained", "reactivated", 2, 1, 0, D(2024, 1, 31), 3),
        (D(2024, 3, 1), "u", "retained", "retained", 3, 1, 0, D(2024, 1, 31), 4),
        (D(2024, 3, 2), "u", "inactive", "retained", 0, 1, 0, D(2024, 1, 31), 4),
        (D(2024, 3, 3), "u", "reactivated", "inactive", 1, 2, 1, D(2024, 1, 31), 5),
        (D(2024, 3, 4), "u", "inactive", "reactivated", 0, 1, 0, D(2024, 1, 31), 5),
        (D(2024, 4, 30), "u", "reactivated", "inactive", 1, 58, 57, D(2024, 1, 31), 6),
        (D(2024, 5, 1), "u", "inactive", "reactivated", 0, 1, 0, D(2024, 1, 31), 6),
        (D(2024, 12, 31), "u", "reactivated", "inactive", 1, 245, 244, D(2024, 1, 31), 7),
        (D(2025, 1, 1), "u", "retained", "reactivated", 2, 1, 0, D(2024, 1, 31), 8),
    ]
    weekly = activation_states(activity, "week")
    # 2024-02-28 (Wed) .. 2024-03-03 (Sun) are all in the week of Mon 2024-02-26;
    # 2024-12-31 (Tue) and 2025-01-01 (Wed) are in the week of Mon 2024-12-30.
    assert compact(weekly) == [
        (D(2024, 1, 29), "u", "new", N, 1, N, N, D(2024, 1, 29), 1),
        (D(2024, 2, 5), "u", "inactive", "new", 0, 1, 0, D(2024, 1, 29), 1),
        (D(2024, 2, 26), "u", "reactivated", "inactive", 1, 4, 3, D(2024, 1, 29), 2),
        (D(2024, 3, 4), "u", "inactive", "reactivated", 0, 1, 0, D(2024, 1, 29), 2),
        (D(2024, 4, 29), "u", "reactivated", "inactive", 1, 9, 8, D(2024, 1, 29), 3),
        (D(2024, 5, 6), "u", "inactive", "reactivated", 0, 1, 0, D(2024, 1, 29), 3),
        (D(2024, 12, 30), "u", "reactivated", "inactive", 1, 35, 34, D(2024, 1, 29), 4),
    ]


def test_states_as_of_in_the_middle():
    daily = activation_states(EXAMPLE_ACTIVITY, "day", as_of=D(2025, 1, 6))
    # Activity after 01-06 is ignored; no churn row on 01-07 (after the as-of day).
    assert compact(by_user_period(daily)) == EXAMPLE_DAILY[:5] + EXAMPLE_DAILY[9:11]

    weekly = activation_states(EXAMPLE_ACTIVITY, "week", as_of=D(2025, 1, 8))
    assert compact(by_user_period(weekly)) == [
        EXAMPLE_WEEKLY[0],
        EXAMPLE_WEEKLY[1],
        EXAMPLE_WEEKLY[5],
        EXAMPLE_WEEKLY[6],
    ]

    # as_of before all activity: nothing.
    assert activation_states(EXAMPLE_ACTIVITY, "day", as_of=D(2024, 12, 31)) == []


def test_states_as_of_after_the_data_adds_churn_rows():
    monthly = activation_states(EXAMPLE_ACTIVITY, "month", as_of=D(2025, 2, 15))
    assert compact(by_user_period(monthly)) == [
        (D(2025, 1, 1), "jinseok", "new", N, 1, N, N, D(2025, 1, 1), 1),
        (D(2025, 2, 1), "jinseok", "inactive", "new", 0, 1, 0, D(2025, 1, 1), 1),
        (D(2025, 1, 1), "minji", "new", N, 1, N, N, D(2025, 1, 1), 1),
        (D(2025, 2, 1), "minji", "inactive", "new", 0, 1, 0, D(2025, 1, 1), 1),
    ]


def test_states_as_of_defaults_to_latest_local_activity():
    # Latest activity 2025-01-31 18:00 UTC is 2025-02-01 03:00 KST: the as-of
    # month in Seoul is February: jinseok churns, minji (whose last activity
    # is in February in Seoul) is retained.
    monthly = activation_states(EXAMPLE_ACTIVITY, "month", timezone="Asia/Seoul")
    assert [(r["period_start"], r["user_id"], r["activation_state"]) for r in by_user_period(monthly)] == [
        (D(2025, 1, 1), "jinseok", "new"),
        (D(2025, 2, 1), "jinseok", "inactive"),
        (D(2025, 1, 1), "minji", "new"),
        (D(2025, 2, 1), "minji", "retained"),
    ]


def test_states_attributes():
    activity = [
        act("u", T(2025, 1, 1, 9), country=None, plan=None, device="ios"),
        act("u", T(2025, 1, 1, 10), country="KR", plan=None, device="web"),
        act("u", T(2025, 1, 1, 10), country="JP", plan=None, device="android"),  # tie: smallest wins
        act("u", T(2025, 1, 1, 8), country=None, plan=None, device=None),
        act("u", T(2025, 1, 2, 23), country="US", plan="pro", device=None),
        act("u", T(2025, 1, 2, 22), country=None, plan="free", device=None),
        act("v", T(2025, 1, 2, 5), country="DE", plan="free", device="web"),
    ]
    rows = activation_states(
        activity, "day", as_of=D(2025, 1, 3), attributes=["country", "plan", "device"]
    )
    assert list(rows[0]) == STATE_KEYS + ["country", "plan", "device"]
    got = [
        (r["period_start"], r["user_id"], r["activation_state"], r["country"], r["plan"], r["device"])
        for r in by_user_period(rows)
    ]
    assert got == [
        (D(2025, 1, 1), "u", "new", "JP", None, "ios"),
        (D(2025, 1, 2), "u", "retained", "US", "free", None),
        (D(2025, 1, 3), "u", "inactive", None, None, None),
        (D(2025, 1, 2), "v", "new", "DE", "free", "web"),
        (D(2025, 1, 3), "v", "inactive", None, None, None),
    ]
    # Attribute values outside the period (or the as-of window) never leak in.
    rows = activation_states(
        activity + [act("u", T(2025, 1, 4), country="FR")], "day", as_of=D(2025, 1, 3),
        attributes=["country"],
    )
    assert [r["country"] for r in by_user_period(rows)] == ["JP", "US", None, "DE", None]


def test_states_attributes_in_local_periods():
    # In Seoul, 2025-01-01 16:00 UTC (01:00 KST 01-02) starts the 01-02 period.
    activity = [
        act("u", T(2025, 1, 1, 14), channel="a"),  # 23:00 KST 01-01
        act("u", T(2025, 1, 1, 16), channel="b"),  # 01:00 KST 01-02
        act("u", T(2025, 1, 1, 20), channel="c"),  # 05:00 KST 01-02
    ]
    rows = activation_states(activity, "day", timezone="Asia/Seoul", attributes=["channel"])
    assert [(r["period_start"], r["channel"]) for r in rows] == [
        (D(2025, 1, 1), "a"),
        (D(2025, 1, 2), "b"),
    ]
    rows = activation_states(activity, "day", attributes=["channel"])
    assert [(r["period_start"], r["channel"]) for r in rows] == [(D(2025, 1, 1), "a")]


def test_states_invalid_arguments():
    with pytest.raises(ValueError):
        activation_states(EXAMPLE_ACTIVITY, "year")
    with pytest.raises(ValueError):
        activation_states(EXAMPLE_ACTIVITY, "week", week_start="saturday")


# ---------------------------------------------------------------------------
# Function 3: activation_summary
# ---------------------------------------------------------------------------

SUMMARY_KEYS = [
    "period_start",
    "active_users",
    "new_users",
    "retained_users",
    "reactivated_users",
    "churned_users",
    "dormant_users",
    "retention_rate",
    "reactivation_rate",
    "quick_ratio",
    "is_period_complete",
]


def summary_tuple(r):
    return tuple(r[k] for k in SUMMARY_KEYS if k != "is_period_complete")


def test_summary_weekly_example():
    states = activation_states(EXAMPLE_ACTIVITY, "week", as_of=D(2025, 1, 31))
    summary = activation_summary(states, "week")
    for r in summary:
        assert list(r) == SUMMARY_KEYS
    assert [summary_tuple(r) for r in summary] == [
        (D(2024, 12, 30), 2, 2, 0, 0, 0, 0, N, N, N),
        (D(2025, 1, 6), 1, 0, 1, 0, 1, 1, 0.5, N, 0.0),
        (D(2025, 1, 13), 0, 0, 0, 0, 1, 2, 0.0, 0.0, 0.0),
        (D(2025, 1, 20), 1, 0, 0, 1, 0, 1, N, 0.5, N),
        (D(2025, 1, 27), 1, 0, 0, 1, 1, 1, 0.0, 1.0, 1.0),
    ]
    # the last week is open; an as-of date on its last day (Sunday 02-02) or later closes it
    assert [r["is_period_complete"] for r in summary] == [True, True, True, True, False]
    assert activation_summary(states, "week", as_of=D(2025, 2, 1))[-1]["is_period_complete"] is False
    assert activation_summary(states, "week", as_of=D(2025, 2, 2))[-1]["is_period_complete"] is True


def test_summary_daily_example():
    states = activation_states(EXAMPLE_ACTIVITY, "day", as_of=D(2025, 1, 31))
    summary = activation_summary(states, "day")
    assert [r["period_start"] for r in summary] == [
        D(2025, 1, 1) + dt.timedelta(days=i) for i in range(31)
    ]
    got = {r["period_start"]: summary_tuple(r)[1:] for r in summary}
    assert got[D(2025, 1, 1)] == (1, 1, 0, 0, 0, 0, N, N, N)
    assert got[D(2025, 1, 2)] == (1, 0, 1, 0, 0, 0, 1.0, N, N)
    assert got[D(2025, 1, 3)] == (1, 0, 1, 0, 0, 0, 1.0, N, N)
    assert got[D(2025, 1, 4)] == (0, 0, 0, 0, 1, 1, 0.0, N, 0.0)
    assert got[D(2025, 1, 5)] == (1, 1, 0, 0, 0, 1, N, 0.0, N)
    assert got[D(2025, 1, 6)] == (1, 0, 0, 1, 1, 1, 0.0, 1.0, 1.0)
    assert got[D(2025, 1, 7)] == (1, 0, 1, 0, 0, 1, 1.0, 0.0, N)
    assert got[D(2025, 1, 8)] == (0, 0, 0, 0, 1, 2, 0.0, 0.0, 0.0)
    assert got[D(2025, 1, 9)] == (0, 0, 0, 0, 0, 2, N, 0.0, N)
    assert got[D(2025, 1, 19)] == (0, 0, 0, 0, 0, 2, N, 0.0, N)
    assert got[D(2025, 1, 20)] == (1, 0, 0, 1, 0, 1, N, 0.5, N)
    assert got[D(2025, 1, 21)] == (0, 0, 0, 0, 1, 2, 0.0, 0.0, 0.0)
    assert got[D(2025, 1, 30)] == (0, 0, 0, 0, 0, 2, N, 0.0, N)
    assert got[D(2025, 1, 31)] == (1, 0, 0, 1, 0, 1, N, 0.5, N)


def test_summary_monthly_gap_filled():
    activity = [act("u", T(2024, 11, 5)), act("u", T(2025, 2, 5)), act("v", T(2025, 2, 6))]
    summary = activation_summary(activation_states(activity, "month"), "month")
    assert [summary_tuple(r) for r in summary] == [
        (D(2024, 11, 1), 1, 1, 0, 0, 0, 0, N, N, N),
        (D(2024, 12, 1), 0, 0, 0, 0, 1, 1, 0.0, N, 0.0),
        (D(2025, 1, 1), 0, 0, 0, 0, 0, 1, N, 0.0, N),
        (D(2025, 2, 1), 2, 1, 0, 1, 0, 0, N, 1.0, N),
    ]
    assert activation_summary([], "month") == []


# ---------------------------------------------------------------------------
# Random streams: identities and a brute-force cross-check
# ---------------------------------------------------------------------------

USERS = ["a", "b", "c", "d", "e"]
TIMEZONES = ["UTC", "Asia/Seoul", "America/New_York", "Asia/Kolkata"]
BASE = T(2023, 12, 20)

def activity_row(span_days):
    return st.builds(
        lambda user, minutes, colour: {
            "user_id": user,
            "activity_at": None if minutes is None else BASE + dt.timedelta(minutes=minutes),
            "colour": colour,
        },
        st.sampled_from(USERS + [None]),
        st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * span_days)),
        st.sampled_from([None, "red", "green", "blue"]),
    )


# Short spans give dense daily data (retained rows), long spans give gaps and
# month/year boundaries (2023-12-20 + 500 days reaches 2025-05).
activity_lists = st.sampled_from([6, 30, 120, 500]).flatmap(
    lambda span: st.lists(activity_row(span), max_size=40)
)

stream_params = st.fixed_dictionaries(
    {
        "activity": activity_lists,
        "grain": st.sampled_from(oracle.GRAINS),
        "timezone": st.sampled_from(TIMEZONES),
        "week_start": st.sampled_from(oracle.WEEK_STARTS),
        "as_of": st.one_of(
            st.none(),
            st.integers(min_value=0, max_value=520).map(lambda d: BASE.date() + dt.timedelta(days=d)),
        ),
    }
)


def brute_force_states(activity, grain, timezone, week_start, as_of):
    """A second, differently structured implementation: walk every period from
    the user's first active period to the as-of period with a state machine."""
    local = [
        (r["user_id"], oracle.to_local(r["activity_at"], timezone))
        for r in activity
        if r["user_id"] is not None and r["activity_at"] is not None
    ]
    if not local:
        return []
    if as_of is None:
        as_of = max(t for _, t in local).date()
    end = oracle.period_start_of(as_of, grain, week_start)
    active = defaultdict(set)
    for user, t in local:
        p = oracle.period_start_of(t.date(), grain, week_start)
        if p <= end:
            active[user].add(p)
    rows = []
    for user, periods in active.items():
        first = min(periods)
        p = first
        prev_state = None  # state of the previous period, 'absent' if no row
        streak = lifetime = 0
        last_active = None
        last_active_state = None
        while p <= end:
            if p in periods:
                lifetime += 1
                if last_active is None:
                    state, previous, since, gap = "new", None, None, None
                    streak = 1
                elif prev_state in ("new", "retained", "reactivated"):
                    state, previous, since, gap = "retained", prev_state, 1, 0
                    streak += 1
                else:
                    n = 0
                    q = last_active
                    while q != p:
                        q = oracle.next_period(q, grain)
                        n += 1
                    state, previous, since, gap = "reactivated", "inactive", n, n - 1
                    streak = 1
                last_active, last_active_state = p, state
                rows.append((p, user, state, previous, True, streak, since, gap, first, lifetime))
                prev_state = state
            elif prev_state in ("new", "retained", "reactivated"):
                rows.append((p, user, "inactive", last_active_state, False, 0, 1, 0, first, lifetime))
                prev_state = "inactive"
            else:
                prev_state = "absent"
            p = oracle.next_period(p, grain)
    return sorted(rows, key=lambda r: (r[1], r[0]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream_params)
def test_random_streams_identities(params):
    grain = params["grain"]
    states = activation_states(
        params["activity"],
        grain,
        timezone=params["timezone"],
        week_start=params["week_start"],
        as_of=params["as_of"],
        attributes=["colour"],
    )
    expected = brute_force_states(
        params["activity"], grain, params["timezone"], params["week_start"], params["as_of"]
    )
    got = [
        (
            r["period_start"], r["user_id"], r["activation_state"], r["previous_state"],
            r["is_active"], r["active_streak"], r["periods_since_last_active"],
            r["inactive_periods"], r["first_active_period"], r["lifetime_active_periods"],
        )
        for r in by_user_period(states)
    ]
    assert got == expected

    # Exactly one new row per user, and it is the user's first row.
    users = {r["user_id"] for r in states}
    new_rows = [r for r in states if r["activation_state"] == "new"]
    assert sorted(r["user_id"] for r in new_rows) == sorted(users)
    for r in new_rows:
        assert r["period_start"] == r["first_active_period"]
        assert r["previous_state"] is None and r["state_transition"] == "none_to_new"
    for r in states:
        if r["activation_state"] != "new":
            assert r["state_transition"] == f"{r['previous_state']}_to_{r['activation_state']}"
        if not r["is_active"]:
            assert r["colour"] is None
        assert r["period_start"] == oracle.period_start_of(r["period_start"], grain, params["week_start"])
    # Unique (user, period).
    assert len({(r["user_id"], r["period_start"]) for r in states}) == len(states)

    summary = activation_summary(states, grain)
    if not states:
        assert summary == []
        return
    assert summary[0]["period_start"] == min(r["period_start"] for r in states)
    assert summary[-1]["period_start"] == max(r["period_start"] for r in states)
    assert sum(s["new_users"] for s in summary) == len(users)
    previous = None
    for s in summary:
        assert s["active_users"] == s["new_users"] + s["retained_users"] + s["reactivated_users"]
        if previous is None:
            assert s["retained_users"] == s["churned_users"] == s["reactivated_users"] == 0
            assert s["retention_rate"] is None and s["reactivation_rate"] is None
        else:
            assert oracle.next_period(previous["period_start"], grain) == s["period_start"]
            assert s["retained_users"] + s["churned_users"] == previous["active_users"]
            # Users reactivated now were dormant in the previous period.
            assert s["reactivated_users"] <= previous["dormant_users"]
            # Users seen before now: active now (not new) or dormant now.
            seen_before = sum(
                1 for u in users
                if min(r["period_start"] for r in states if r["user_id"] == u) < s["period_start"]
            )
            assert seen_before == s["retained_users"] + s["reactivated_users"] + s["dormant_users"]
        if s["churned_users"]:
            assert s["quick_ratio"] == (s["new_users"] + s["reactivated_users"]) / s["churned_users"]
        else:
            assert s["quick_ratio"] is None
        previous = s


def brute_force_first_activation(events, users, key_events, first_visit_event, timezone):
    firsts = {u["user_id"]: u["first_visit_at"] for u in users
              if u["user_id"] is not None and u["first_visit_at"] is not None}
    out = set()
    for user, first in firsts.items():
        lf = oracle.to_local(first, timezone)
        out.add((lf, user, first_visit_event, lf, 1, 1))
        for name in key_events:
            times = [e["event_at"] for e in events if e["user_id"] == user
                     and e["event_name"] == name and e["event_at"] is not None and e["event_at"] >= first]
            if times:
                le = oracle.to_local(min(times), timezone)
                hours = int((le.replace(minute=0, second=0, microsecond=0)
                             - lf.replace(minute=0, second=0, microsecond=0)).total_seconds() // 3600)
                out.add((le, user, name, lf, hours + 1, (le.date() - lf.date()).days + 1))
    return out


event_row = st.builds(
    lambda user, name, minutes: {
        "user_id": user,
        "event_name": name,
        "event_at": None if minutes is None else BASE + dt.timedelta(minutes=minutes),
    },
    st.sampled_from(USERS + [None]),
    st.sampled_from(["first_visit", "add_to_cart", "purchase", "other"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 10)),
)

user_rows = st.lists(
    st.tuples(st.sampled_from(USERS), st.one_of(st.none(), st.integers(0, 60 * 24 * 5))),
    unique_by=lambda t: t[0],
).map(lambda xs: [{"user_id": u, "first_visit_at": None if m is None else BASE + dt.timedelta(minutes=m)}
                  for u, m in xs])


@settings(max_examples=200, deadline=None)
@given(st.lists(event_row, max_size=40), user_rows, st.sampled_from(TIMEZONES))
def test_random_first_activation(events, users, timezone):
    key_events = ["add_to_cart", "purchase"]
    rows = first_activation_events(events, users, key_events, timezone=timezone)
    got = {(r["datetime"], r["user_id"], r["event_name"], r["first_visit_datetime"],
            r["hours_from_first_visit"], r["days_from_first_visit"]) for r in rows}
    assert len(got) == len(rows)
    assert got == brute_force_first_activation(events, users, key_events, "first_visit", timezone)
    for r in rows:
        assert r["date"] == r["datetime"].date()
        assert r["first_visit_date"] == r["first_visit_datetime"].date()
        assert r["hours_from_first_visit"] >= 1 and r["days_from_first_visit"] >= 1
    # Exactly one first_visit row per user with a first visit.
    with_visit = sorted(u["user_id"] for u in users if u["first_visit_at"] is not None)
    assert sorted(r["user_id"] for r in rows if r["event_name"] == "first_visit") == with_visit
