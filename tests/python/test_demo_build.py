"""The whole demo project builds on each engine: `dbt build` (seeds, every model, the dbt
unit tests of both incremental branches and the data tests, warn-level ones included) on a
small stream, then again incrementally after more events arrive. The summaries and the
first-activation facts are then checked against the oracle."""
from __future__ import annotations

import datetime as dt
import random

import oracle
from conftest import canonical
from test_first_activation import users_of

KEY_EVENTS = ["add_to_cart", "purchase"]


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
    history = stream(1, 20, start)
    warehouse.load_events(history)
    warehouse.dbt("build")
    late = stream(2, 5, start + dt.timedelta(days=20))
    warehouse.append_events(late)
    warehouse.dbt("build")

    events = history + late
    facts = warehouse.rows("fact__first_activation_events")
    wanted = oracle.first_activation_events(events, users_of(events), KEY_EVENTS)
    key = ("user_id", "event_name")
    assert canonical(facts, key) == canonical(wanted, key)
    summary = warehouse.rows("fact_app_visit_activation_daily_summary")
    assert len(summary) >= 25 and sum(r["new_users"] for r in summary) == len(users_of(events))
