"""The whole demo project builds on each engine: `dbt build` (seeds, every model, the dbt
unit tests of both incremental branches and the data tests, warn-level ones included) on a
small stream, then again incrementally after more events arrive; the first-activation facts
and the app-visit states at every grain then equal the oracle's, and the worked examples of
seeds/ are checked in both builds. On Spark, dbt refuses to run outside UTC."""
from __future__ import annotations

import datetime as dt
import os
import random
import time

import pytest

import oracle
from conftest import canonical
from test_activation_states import assert_all_grains
from test_first_activation import users_of

KEY_EVENTS = ["add_to_cart", "purchase"]

# The worked examples (seeds/) in the build: each model built from them equals its expected
# seed, dbt_activation.equality reports each kind of difference (tests/equality/), and the unit
# tests read the same CSVs.
WORKED_EXAMPLE_CHECKS = {
    *(f"worked_example_{model}_equals_expected" for model in (
        "first_activation_events", "activation_daily", "activation_weekly", "activation_monthly")),
    *(f"assert_equality_reports_{case}" for case in (
        "a_changed_value", "a_missing_row", "an_extra_row", "a_duplicated_row")),
    "first_activation_worked_example", "activation_daily_worked_example",
    "activation_weekly_worked_example", "activation_monthly_worked_example",
}


def stream(seed: int, days: int, start: dt.datetime) -> list[dict]:
    """Users arriving over `days` days; each visits on some later days, some add to cart and
    buy. Deterministic for a seed."""
    rng = random.Random(seed)
    events = []
    for number in range(12):
        user = f"user{seed}_{number}"
        first = start + dt.timedelta(days=rng.randrange(days), minutes=rng.randrange(24 * 60))
        events.append({"user_id": user, "event_name": "first_visit", "event_at": first,
                       "country": rng.choice(["KR", "US"]), "device_os": rng.choice(["iOS", "Android"])})
        for _ in range(rng.randrange(6)):
            at = first + dt.timedelta(hours=rng.randrange(1, 24 * 10))
            name = rng.choice(["session_start", "session_start", "add_to_cart", "purchase"])
            events.append({"user_id": user, "event_name": name, "event_at": at,
                           "country": rng.choice(["KR", "US"]), "device_os": "iOS"})
    return events


def test_demo_builds_and_rebuilds_incrementally_with_every_test(warehouse):
    start = dt.datetime(2025, 1, 1)
    cutoff = start + dt.timedelta(days=20)
    events = stream(1, 20, start) + stream(2, 5, cutoff)
    # what had arrived by the cutoff, then the rest (none of it older than the cutoff)
    warehouse.load_events([e for e in events if e["event_at"] < cutoff])
    first = warehouse.dbt("build")
    warehouse.append_events([e for e in events if e["event_at"] >= cutoff])
    second = warehouse.dbt("build")    # the worked examples again, incrementally on the same seeds
    for build in (first, second):
        passed = {r.node.name for r in build.result.results if str(r.status) == "pass"}
        assert WORKED_EXAMPLE_CHECKS <= passed, WORKED_EXAMPLE_CHECKS - passed

    facts = warehouse.rows("fact__first_activation_events")
    wanted = oracle.first_activation_events(events, users_of(events), KEY_EVENTS)
    key = ("user_id", "event_name")
    assert canonical(facts, key) == canonical(wanted, key)
    assert_all_grains(warehouse, events)
    summary = warehouse.rows("fact_app_visit_activation_daily_summary")
    assert len(summary) >= 25 and sum(r["new_users"] for r in summary) == len(users_of(events))


def test_spark_refuses_a_process_time_zone_other_than_utc(warehouse):
    if warehouse.engine.name != "spark":
        pytest.skip("runs on the spark engine")
    os.environ["TZ"] = "Asia/Seoul"
    time.tzset()
    try:
        result = warehouse.dbt("compile", "--select", "fact_app_visit_first_last", expect_success=False)
    finally:
        os.environ["TZ"] = "UTC"
        time.tzset()
    assert not result.success
    assert "on Spark, dbt must run in the UTC time zone (set TZ=UTC)" in str(result.exception)
    assert "local time, which is UTC+9 hours here" in str(result.exception)
