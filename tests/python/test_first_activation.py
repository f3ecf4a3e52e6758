"""first_activation_events: the worked example, hand-written incremental scenarios, and
random event streams split into random batches, all against the independent oracle."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
import worked_examples
from conftest import canonical, late_batches, stored_columns, ts

MODEL = "fact__first_activation_events"
SELECT = f"+{MODEL}"
KEY = ("user_id", "event_name")
EXAMPLES = int(os.environ.get("ACTIVATION_PROPERTY_EXAMPLES", "8"))


def event(user, name, at):
    return {"user_id": user, "event_name": name, "event_at": ts(at) if isinstance(at, str) else at}


def users_of(events):
    """dim__users' first visit: the user's earliest first_visit event."""
    first = {}
    for e in events:
        if e["event_name"] == "first_visit" and e["user_id"] is not None and e["event_at"] is not None:
            first[e["user_id"]] = min(first.get(e["user_id"], e["event_at"]), e["event_at"])
    return [{"user_id": u, "first_visit_at": t} for u, t in first.items()]


def expected(events, key_events=("add_to_cart", "purchase"), timezone="UTC"):
    return oracle.first_activation_events(
        events, users_of(events), list(key_events), timezone=timezone)


def table(warehouse):
    return warehouse.rows(f"{MODEL}")


def assert_equal(actual, wanted):
    assert canonical(actual, KEY) == canonical(wanted, KEY)


# The reference's example (seeds/worked_example_events.csv and the expected rows)
WORKED_EXAMPLE = worked_examples.first_activation_events()


def test_worked_example(warehouse):
    warehouse.load_events(WORKED_EXAMPLE)
    warehouse.run(SELECT)
    rows = warehouse.rows(f"{MODEL}", order_by="datetime")
    seed = worked_examples.FIRST_ACTIVATION_EXPECTED
    assert rows == worked_examples.rows(seed)
    assert list(rows[0].keys()) == stored_columns(warehouse, worked_examples.columns(seed), partition_column="date")


def test_incremental_batches_rerun_and_late_event(warehouse):
    batch_1 = WORKED_EXAMPLE[:2] + [event("Minji", "first_visit", "2025-01-01 10:00:00")]
    batch_2 = WORKED_EXAMPLE[2:] + [event("Minji", "purchase", "2025-01-05 10:00:00")]
    # arrives after batch 2 but happened before the stored purchase: within the lookback
    batch_3 = [event("Minji", "purchase", "2025-01-03 09:00:00"),
               event("Bora", "first_visit", "2025-01-06 00:30:00"),
               event("Bora", "add_to_cart", "2025-01-06 00:10:00")]  # before first visit: ignored
    warehouse.load_events(batch_1)
    warehouse.run(SELECT)
    warehouse.append_events(batch_2)
    warehouse.run(SELECT)
    assert_equal(table(warehouse), expected(batch_1 + batch_2))
    warehouse.append_events(batch_3)
    warehouse.run(SELECT)
    everything = batch_1 + batch_2 + batch_3
    assert_equal(table(warehouse), expected(everything))
    minji = {r["event_name"]: r for r in table(warehouse) if r["user_id"] == "Minji"}
    assert minji["purchase"]["datetime"] == ts("2025-01-03 09:00:00")
    assert minji["purchase"]["days_from_first_visit"] == 3
    # a re-run changes nothing
    before = table(warehouse)
    warehouse.run(SELECT)
    assert_equal(table(warehouse), before)
    # and equals a full refresh
    warehouse.run(SELECT, full_refresh=True)
    assert_equal(table(warehouse), before)


def test_event_later_than_the_lookback_is_not_taken_in(warehouse):
    """The documented limit: an event older than the stored data minus the lookback is
    only picked up by a full refresh."""
    warehouse.load_events([event("a", "first_visit", "2025-01-01 00:00"),
                           event("a", "purchase", "2025-01-20 00:00")])
    warehouse.run(SELECT, vars={"activation__lookback_days": 2})
    warehouse.append_events([event("a", "purchase", "2025-01-10 00:00")])
    warehouse.run(SELECT, vars={"activation__lookback_days": 2})
    purchase = [r for r in table(warehouse) if r["event_name"] == "purchase"][0]
    assert purchase["datetime"] == ts("2025-01-20 00:00")
    warehouse.run(SELECT, vars={"activation__lookback_days": 2}, full_refresh=True)
    purchase = [r for r in table(warehouse) if r["event_name"] == "purchase"][0]
    assert purchase["datetime"] == ts("2025-01-10 00:00")


def test_a_first_visit_later_than_the_events_does_not_move_the_window(warehouse):
    """The window starts from the latest stored key event, not from first visits (they
    come from `users`, which can be ahead of the events): a user who first visits on
    01-30 with no key event yet must not hide a purchase of 01-10 arriving next (the
    latest stored key event is of 01-03)."""
    batch_1 = [event("a", "first_visit", "2025-01-01 00:00"),
               event("a", "add_to_cart", "2025-01-02 00:00"),
               event("d", "first_visit", "2025-01-01 00:00"),
               event("d", "purchase", "2025-01-03 00:00"),
               event("b", "first_visit", "2025-01-30 00:00")]
    batch_2 = [event("a", "purchase", "2025-01-10 00:00")]
    warehouse.load_events(batch_1)
    warehouse.run(SELECT)
    warehouse.append_events(batch_2)
    warehouse.run(SELECT)
    assert_equal(table(warehouse), expected(batch_1 + batch_2))
    assert ("a", "purchase") in {(r["user_id"], r["event_name"]) for r in table(warehouse)}


def test_key_event_added_is_backfilled_and_removed_is_removed(warehouse):
    events = [
        event("a", "first_visit", "2025-01-01 00:00"),
        event("a", "view_item", "2025-01-01 00:05"),
        event("a", "add_to_cart", "2025-01-02 00:00"),
        event("b", "first_visit", "2025-01-01 00:00"),
        event("b", "purchase", "2025-02-20 00:00"),
    ]
    warehouse.load_events(events)
    warehouse.run(SELECT, vars={"demo__key_events": ["add_to_cart", "purchase"]})
    # view_item happened weeks before the latest stored data: only a backfill finds it
    warehouse.run(SELECT, vars={"demo__key_events": ["view_item", "purchase"]})
    assert_equal(table(warehouse), expected(events, ("view_item", "purchase")))
    assert "add_to_cart" not in {r["event_name"] for r in table(warehouse)}


def test_first_visit_moving_earlier_rewrites_the_user(warehouse):
    events = [event("a", "first_visit", "2025-01-05 12:00"),
              event("a", "add_to_cart", "2025-01-06 12:00")]
    warehouse.load_events(events)
    warehouse.run(SELECT)
    late = [event("a", "first_visit", "2025-01-02 08:00"),
            event("a", "add_to_cart", "2025-01-03 09:00")]
    warehouse.append_events(late)
    warehouse.run(SELECT)
    assert_equal(table(warehouse), expected(events + late))
    assert {r["first_visit_datetime"] for r in table(warehouse)} == {ts("2025-01-02 08:00")}


def test_first_visit_moving_later_removes_the_stale_rows(warehouse):
    """dim__users is SCD type 1: if its first visit moves later (here the early first_visit
    event is deleted from the source), key events before the new first visit must go."""
    events = [event("a", "first_visit", "2025-01-01 00:00"),
              event("a", "add_to_cart", "2025-01-02 00:00"),
              event("a", "first_visit", "2025-01-03 00:00"),
              event("a", "add_to_cart", "2025-01-04 00:00"),
              event("a", "purchase", "2025-01-02 12:00")]
    warehouse.load_events(events)
    warehouse.run(SELECT)
    kept = [e for e in events if e["event_at"] != ts("2025-01-01 00:00")]
    warehouse.load_events(kept)
    warehouse.run(SELECT)
    assert_equal(table(warehouse), expected(kept))
    assert "purchase" not in {r["event_name"] for r in table(warehouse)}


def test_timezone_moves_dates(warehouse):
    events = [event("a", "first_visit", "2025-01-01 14:00"),   # 23:00 in Seoul
              event("a", "purchase", "2025-01-01 15:30")]      # 00:30 next day in Seoul
    warehouse.load_events(events)
    warehouse.run(SELECT, vars={"activation__timezone": "Asia/Seoul"})
    rows = {r["event_name"]: r for r in table(warehouse)}
    assert rows["purchase"]["date"] == dt.date(2025, 1, 2)
    assert rows["purchase"]["days_from_first_visit"] == 2
    assert rows["purchase"]["hours_from_first_visit"] == 2  # 23:00 -> 00:30: one boundary
    assert_equal(table(warehouse), expected(events, timezone="Asia/Seoul"))


def test_first_occurrence_is_the_earliest_instant_when_clocks_go_back(warehouse):
    # New York, 2024-11-03: 01:00-02:00 happens twice. 05:30 UTC is 01:30 EDT, 06:10 UTC is
    # 01:10 EST: the earlier instant has the later wall-clock time
    events = [event("a", "first_visit", "2024-11-03 04:00"),
              event("a", "add_to_cart", "2024-11-03 06:10"),
              event("a", "add_to_cart", "2024-11-03 05:30")]
    warehouse.load_events(events)
    warehouse.run(SELECT, vars={"activation__timezone": "America/New_York"})
    rows = {r["event_name"]: r for r in table(warehouse)}
    assert rows["add_to_cart"]["datetime"] == dt.datetime(2024, 11, 3, 1, 30)
    assert_equal(table(warehouse), expected(events, timezone="America/New_York"))


def test_a_late_event_in_the_repeated_hour_does_not_replace_an_earlier_stored_one(warehouse):
    # the stored add_to_cart is 05:30 UTC (01:30 EDT); a later add_to_cart arrives late at
    # 06:10 UTC (01:10 EST), earlier on the wall clock: the run re-reads the stored one
    # (it is within the window), so the first occurrence stays 01:30
    zone = {"activation__timezone": "America/New_York"}
    stored = [event("a", "first_visit", "2024-11-03 04:00"),
              event("a", "add_to_cart", "2024-11-03 05:30"),
              event("b", "first_visit", "2024-11-03 07:00")]
    late = [event("a", "add_to_cart", "2024-11-03 06:10")]
    warehouse.load_events(stored)
    warehouse.run(SELECT, vars=zone)
    warehouse.append_events(late)
    warehouse.run(SELECT, vars=zone)
    rows = {r["event_name"]: r for r in table(warehouse) if r["user_id"] == "a"}
    assert rows["add_to_cart"]["datetime"] == dt.datetime(2024, 11, 3, 1, 30)
    assert_equal(table(warehouse), expected(stored + late, timezone="America/New_York"))


# ---- random streams in random batches --------------------------------------------------

START = dt.datetime(2025, 3, 1)


@st.composite
def streams(draw):
    lookback = draw(st.integers(min_value=1, max_value=3))
    events = []
    for user in range(draw(st.integers(min_value=1, max_value=4))):
        uid = f"u{user}"
        first = START + dt.timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
        events.append(event(uid, "first_visit", first))
        for _ in range(draw(st.integers(0, 6))):
            offset = dt.timedelta(minutes=draw(st.integers(-2 * 24 * 60, 12 * 24 * 60)))
            name = draw(st.sampled_from(["add_to_cart", "purchase", "view_item"]))
            events.append(event(uid, name, first + offset))
    batches = late_batches(draw, events, lookback, START, span_days=24, max_cuts=3)
    timezone = draw(st.sampled_from(["UTC", "Asia/Seoul", "America/Los_Angeles"]))
    return lookback, timezone, batches


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=streams())
def test_random_batches_equal_full_refresh_and_oracle(warehouse, case):
    lookback, timezone, batches = case
    settings_vars = {"activation__lookback_days": lookback, "activation__timezone": timezone}
    seen = []
    for i, batch in enumerate(batches):
        if i == 0:
            warehouse.load_events(batch)
        else:
            warehouse.append_events(batch)
        seen += batch
        warehouse.run(SELECT, vars=settings_vars, full_refresh=(i == 0))
    incremental = table(warehouse)
    assert_equal(incremental, expected(seen, timezone=timezone))
    warehouse.run(SELECT, vars=settings_vars, full_refresh=True)
    assert_equal(table(warehouse), incremental)
