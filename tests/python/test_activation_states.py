"""activation_first_last + activation_states: the worked examples, calendar and time zone
cases, incremental scenarios, and random streams in random batches against the oracle."""
from __future__ import annotations

import datetime as dt
import os
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
import worked_examples
from conftest import canonical, late_batches, stored_columns, ts

GRAIN_MODELS = {
    "day": "fact_app_visit_activation_daily",
    "week": "fact_app_visit_activation_weekly",
    "month": "fact_app_visit_activation_monthly",
}
SELECT = " ".join(f"+{m}" for m in GRAIN_MODELS.values())
KEY = ("user_id", "period_start")
ATTRIBUTES = ("country", "device_os")
EXAMPLES = int(os.environ.get("ACTIVATION_PROPERTY_EXAMPLES", "8"))


def visit(user, at, country="KR", device_os="iOS"):
    return {"user_id": user, "event_name": "session_start",
            "event_at": ts(at) if isinstance(at, str) else at,
            "country": country, "device_os": device_os}


def expected(events, grain, timezone="UTC", week_start="monday", as_of=None):
    activity = [{"user_id": e["user_id"], "activity_at": e["event_at"],
                 **{a: e.get(a) for a in ATTRIBUTES}} for e in events]
    return oracle.activation_states(activity, grain, timezone=timezone, week_start=week_start,
                                    as_of=as_of, attributes=ATTRIBUTES)


def table(warehouse, grain):
    return warehouse.rows(f"{GRAIN_MODELS[grain]}")


def assert_all_grains(warehouse, events, **kwargs):
    for grain in GRAIN_MODELS:
        actual = table(warehouse, grain)
        wanted = expected(events, grain, **kwargs)
        assert canonical(actual, KEY) == canonical(wanted, KEY), grain


# The README's example (seeds/worked_example_activity.csv and the expected rows per grain)
WORKED_EXAMPLE = worked_examples.activity_events()


@pytest.mark.parametrize("grain", list(GRAIN_MODELS))
def test_worked_example(warehouse, grain):
    warehouse.load_events(WORKED_EXAMPLE)
    warehouse.run(f"+{GRAIN_MODELS[grain]}", vars={"activation__as_of": str(worked_examples.AS_OF)})
    rows = warehouse.rows(f"{GRAIN_MODELS[grain]}", order_by="user_id, period_start")
    seed = worked_examples.states_expected(grain)
    assert rows == worked_examples.rows(seed)
    assert list(rows[0].keys()) == stored_columns(
        warehouse, worked_examples.columns(seed), partition_column="period_start")


def test_worked_example_incrementally_day_by_day(warehouse):
    """Feed the worked example one day at a time; every grain ends as a full build."""
    days = sorted({e["event_at"].date() for e in WORKED_EXAMPLE})
    for i, day in enumerate(days):
        batch = [e for e in WORKED_EXAMPLE if e["event_at"].date() == day]
        (warehouse.load_events if i == 0 else warehouse.append_events)(batch)
        warehouse.run(SELECT)
    assert_all_grains(warehouse, WORKED_EXAMPLE)


def test_timezone_sunday_weeks_and_calendar_edges(warehouse):
    events = [
        visit("a", "2025-01-01 23:30"),      # 2025-01-02 in Seoul
        visit("a", "2024-12-31 14:59"),      # 2024-12-31 23:59 in Seoul: year boundary
        visit("b", "2024-02-28 15:30"),      # 2024-02-29 in Seoul: leap day
        visit("b", "2024-03-01 02:00"),
        visit("c", "2024-01-31 16:00"),      # 2024-02-01 in Seoul: month end
        visit("c", "2025-01-04 15:00"),      # Sunday 2025-01-05 in Seoul
    ]
    vars = {"activation__timezone": "Asia/Seoul", "activation__week_start": "sunday"}
    warehouse.load_events(events)
    warehouse.run(SELECT, vars=vars)
    assert_all_grains(warehouse, events, timezone="Asia/Seoul", week_start="sunday")
    daily = {(r["user_id"], r["period_start"]) for r in table(warehouse, "day")}
    assert ("a", dt.date(2025, 1, 2)) in daily and ("b", dt.date(2024, 2, 29)) in daily
    weekly = {(r["user_id"], r["period_start"]) for r in table(warehouse, "week")}
    assert ("c", dt.date(2025, 1, 5)) in weekly  # a Sunday week starts on the Sunday


def test_open_period_is_recomputed_as_it_fills(warehouse):
    """A weekly row written on Tuesday is right again on Sunday; the monthly too."""
    base = [visit("a", "2025-01-01 10:00"), visit("b", "2025-01-02 10:00"),
            visit("a", "2025-01-07 10:00")]          # Tuesday of the week of 01-06
    warehouse.load_events(base)
    warehouse.run(SELECT)
    # b is inactive in the week of 01-06 on Tuesday...
    weekly = {(r["user_id"], r["period_start"]): r for r in table(warehouse, "week")}
    assert weekly[("b", dt.date(2025, 1, 6))]["activation_state"] == "inactive"
    later = [visit("b", "2025-01-12 20:00"), visit("c", "2025-01-12 21:00")]  # ...not by Sunday
    warehouse.append_events(later)
    warehouse.run(SELECT)
    assert_all_grains(warehouse, base + later)
    weekly = {(r["user_id"], r["period_start"]): r for r in table(warehouse, "week")}
    assert weekly[("b", dt.date(2025, 1, 6))]["activation_state"] == "retained"


def test_as_of_in_the_middle_then_forward_and_rerun(warehouse):
    events = WORKED_EXAMPLE
    warehouse.load_events(events)
    warehouse.run(SELECT, vars={"activation__as_of": "2025-01-10"})
    assert_all_grains(warehouse, events, as_of=dt.date(2025, 1, 10))
    assert max(r["period_start"] for r in table(warehouse, "day")) <= dt.date(2025, 1, 10)
    warehouse.run(SELECT)   # as-of back to the latest activity
    assert_all_grains(warehouse, events)
    before = {g: table(warehouse, g) for g in GRAIN_MODELS}
    warehouse.run(SELECT)   # a re-run changes nothing
    for grain in GRAIN_MODELS:
        assert canonical(table(warehouse, grain), KEY) == canonical(before[grain], KEY)


def test_as_of_after_the_data_still_takes_in_late_activity(warehouse):
    # the stored rows end with churn rows after the latest activity: the window counts back
    # from the latest active period, not from those rows
    settings_ = {"activation__as_of": "2025-03-31", "activation__lookback_days": 3}
    first = [visit("u1", "2025-01-31 10:00")]
    warehouse.load_events(first)
    warehouse.run(SELECT, vars=settings_)
    late = [visit("u2", "2025-01-28 12:00")]   # 2.9 days before the latest activity
    warehouse.append_events(late)
    warehouse.run(SELECT, vars=settings_)
    assert_all_grains(warehouse, first + late, as_of=dt.date(2025, 3, 31))
    daily = {(r["user_id"], r["period_start"]): r["activation_state"] for r in table(warehouse, "day")}
    assert daily[("u2", dt.date(2025, 1, 28))] == "new"
    assert daily[("u2", dt.date(2025, 1, 29))] == "inactive"


def test_attributes_follow_the_earliest_instant_when_clocks_go_back(warehouse):
    # New York, 2024-11-03: 06:10 UTC is 01:10 EST, 05:30 UTC is 01:30 EDT (the earlier instant)
    events = [visit("a", "2024-11-03 06:10", country="CA"), visit("a", "2024-11-03 05:30", country="US")]
    warehouse.load_events(events)
    warehouse.run(SELECT, vars={"activation__timezone": "America/New_York"})
    assert {r["country"] for r in table(warehouse, "day") if r["is_active"]} == {"US"}
    assert_all_grains(warehouse, events, timezone="America/New_York")


def test_moving_as_of_back_asks_for_a_full_refresh(warehouse):
    warehouse.load_events(WORKED_EXAMPLE)
    warehouse.run(SELECT)
    result = warehouse.dbt("run", "--select", GRAIN_MODELS["day"],
                           vars={"activation__as_of": "2025-01-10"}, expect_success=False)
    assert not result.success
    assert ("activation_states: model fact_app_visit_activation_daily: its rows run to the period 2025-01-31 "
            "and this run's as-of period is 2025-01-10 (as_of 2025-01-10): moving the as-of period back would "
            "leave the later rows in place; rebuild it with --full-refresh (dbt run --select "
            "fact_app_visit_activation_daily --full-refresh), or set as_of to a date in the period 2025-01-31 "
            "or later. The table is unchanged.") in str(result.result[0].message)


def test_dropping_an_as_of_after_the_data_asks_for_a_full_refresh(warehouse):
    # the churn rows written up to the as-of period would outlive it
    warehouse.load_events(WORKED_EXAMPLE)
    warehouse.run(SELECT, vars={"activation__as_of": "2025-02-28"})   # the data ends 01-31
    result = warehouse.dbt("run", "--select", GRAIN_MODELS["day"], expect_success=False)
    assert not result.success
    message = str(result.result[0].message)
    assert ("its rows run to the period 2025-02-28 and this run's as-of period is 2025-01-31 (the period of "
            "the latest activity, as no as_of is set)") in message
    assert "rebuild it with --full-refresh" in message
    warehouse.run(SELECT, full_refresh=True)
    assert_all_grains(warehouse, WORKED_EXAMPLE)


def test_late_activity_within_the_lookback_corrects_later_rows(warehouse):
    events = [visit("a", "2025-01-01 10:00"), visit("a", "2025-01-05 10:00"),
              visit("a", "2025-01-06 10:00")]
    warehouse.load_events(events)
    warehouse.run(SELECT, vars={"activation__lookback_days": 3})
    late = [visit("a", "2025-01-04 10:00", country="JP")]   # joins the streak of 01-05
    warehouse.append_events(late)
    warehouse.run(SELECT, vars={"activation__lookback_days": 3})
    assert_all_grains(warehouse, events + late)
    daily = {r["period_start"]: r for r in table(warehouse, "day")}
    assert daily[dt.date(2025, 1, 6)]["active_streak"] == 3
    assert daily[dt.date(2025, 1, 4)]["inactive_periods"] == 2


def test_late_activity_in_a_partly_read_month_keeps_the_first_values(warehouse):
    # the latest activity is on 01-02, so a run with a 3-day lookback reads activity from
    # 12-30 and takes December's earlier activity from its stored rows
    events = [
        visit("a", "2024-12-10 10:00", country="KR"), visit("a", "2025-01-02 10:00"),
        visit("b", "2024-12-30 20:00", country="JP"), visit("b", "2025-01-02 11:00"),
        visit("c", "2024-12-05 10:00", country=None), visit("c", "2024-12-30 20:00", country="JP"),
        visit("d", "2024-12-05 10:00", country="JP", device_os=None),
        visit("d", "2024-12-30 20:00", country="KR", device_os="Android"),
        visit("e", "2024-12-05 10:00", country="JP"),
        visit("g", "2024-12-05 10:00", country="JP"), visit("h", "2024-12-05 10:00", country="JP"),
    ]
    warehouse.load_events(events)
    warehouse.run(SELECT, vars={"activation__lookback_days": 3})
    late = [
        visit("a", "2024-12-30 09:00", country="JP"),     # after an earlier stored value: kept
        visit("b", "2024-12-30 10:00", country="KR"),     # before the stored first value
        visit("c", "2024-12-30 10:00", country="KR"),     # the earlier activity had no country
        visit("d", "2024-12-30 10:00", country="US", device_os="iOS"),   # one of each
        visit("f", "2024-12-31 10:00", country="US"),     # a new user in December
        visit("g", "2024-12-30 10:00", country=None),     # no value since read_from
        visit("h", "2024-12-30 10:00", country="JP"),     # the same value
    ]
    warehouse.append_events(late)
    warehouse.run(SELECT, vars={"activation__lookback_days": 3})
    assert_all_grains(warehouse, events + late)
    december = {r["user_id"]: (r["country"], r["device_os"]) for r in table(warehouse, "month")
                if r["period_start"] == dt.date(2024, 12, 1)}
    assert december == {"a": ("KR", "iOS"), "b": ("KR", "iOS"), "c": ("KR", "iOS"),
                        "d": ("JP", "iOS"), "e": ("JP", "iOS"), "f": ("US", "iOS"),
                        "g": ("JP", "iOS"), "h": ("JP", "iOS")}


def test_a_weekly_or_monthly_run_reads_back_from_the_latest_activity_not_the_period_start(warehouse):
    # the latest data (a new user's first visit, Thursday 01-23 10:00) is the recorded
    # watermark, so a run with a 3-day lookback reads activity from 01-20, not from 3 days
    # before the latest stored week (01-20) or month (01-01). Late activity within the
    # lookback, users not seen again (their rows stay, or get the churn row of the new week
    # and month that the run adds) and new users all come out as on a full refresh
    settings_ = {"activation__lookback_days": 3}
    events = [visit("a", "2025-01-02 10:00"), visit("a", "2025-01-14 10:00"),
              visit("b", "2025-01-06 10:00"), visit("n", "2025-01-23 10:00")]
    warehouse.load_events(events)
    warehouse.run(SELECT, vars=settings_)
    later = [visit("b", "2025-01-20 11:00", country="JP"),   # 2 days 23 hours late
             visit("c", "2025-01-20 12:00"), visit("a", "2025-01-21 09:00"),
             visit("d", "2025-02-01 08:00")]
    warehouse.append_events(later)
    warehouse.run(SELECT, vars=settings_)
    assert_all_grains(warehouse, events + later)
    log = (warehouse.root / "logs" / "dbt.log").read_text()
    for grain in ("weekly", "monthly"):
        assert re.search(rf"fact_app_visit_activation_{grain}\S*: normal \(run 2\): reading activity since "
                         r"2025-01-20 ", log), grain


@pytest.mark.parametrize("timezone, latest, late", [
    # New York springs forward on 03-09: 72 hours before 03-10 00:30 EDT is 03-06 23:30 EST
    ("America/New_York", "2025-03-10 04:30", "2025-03-07 04:45"),
    # Berlin on 03-30: 72 hours before 04-01 00:30 CEST is 03-28 23:30 CET
    ("Europe/Berlin", "2025-03-31 22:30", "2025-03-28 22:45"),
])
def test_late_activity_within_the_lookback_across_a_change_to_summer_time(warehouse, timezone, latest, late):
    # the late event is less than 3 x 24 hours older than the latest data, but on the local
    # day before "the latest active period minus 3 days"
    settings_ = {"activation__lookback_days": 3, "activation__timezone": timezone}
    events = [visit("a", latest)]
    warehouse.load_events(events)
    warehouse.run(SELECT, vars=settings_)
    warehouse.append_events([visit("b", late)])
    warehouse.run(SELECT, vars=settings_)
    assert_all_grains(warehouse, events + [visit("b", late)], timezone=timezone)


def test_a_user_returning_after_a_long_gap_continues_their_counts(warehouse):
    events = [visit("a", f"2025-01-0{d} 10:00") for d in (1, 2, 3)]
    warehouse.load_events(events)
    warehouse.run(SELECT)
    filler = [visit("z", f"2025-01-{d:02d} 10:00") for d in range(4, 29)]
    warehouse.append_events(filler)
    warehouse.run(SELECT)
    back = [visit("a", "2025-01-29 09:00")]
    warehouse.append_events(back)
    warehouse.run(SELECT)
    assert_all_grains(warehouse, events + filler + back)
    row = max((r for r in table(warehouse, "day") if r["user_id"] == "a"), key=lambda r: r["period_start"])
    assert (row["activation_state"], row["periods_since_last_active"],
            row["lifetime_active_periods"]) == ("reactivated", 26, 4)


# ---- random streams in random batches --------------------------------------------------

START = dt.datetime(2024, 12, 20)


@st.composite
def streams(draw):
    lookback = draw(st.integers(min_value=1, max_value=4))
    events = []
    for user in range(draw(st.integers(min_value=1, max_value=5))):
        minutes = draw(st.lists(st.integers(0, 80 * 24 * 60), min_size=1, max_size=12))
        for m in minutes:
            events.append(visit(f"u{user}", START + dt.timedelta(minutes=m),
                                country=draw(st.sampled_from(["KR", "JP", None]))))
    batches = late_batches(draw, events, lookback, START, span_days=85, max_cuts=4)
    timezone = draw(st.sampled_from(["UTC", "Asia/Seoul", "America/New_York"]))
    week_start = draw(st.sampled_from(["monday", "sunday"]))
    return lookback, timezone, week_start, batches


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=streams())
def test_random_batches_equal_full_refresh_and_oracle(warehouse, case):
    lookback, timezone, week_start, batches = case
    vars = {"activation__lookback_days": lookback, "activation__timezone": timezone,
            "activation__week_start": week_start}
    seen = []
    for i, batch in enumerate(batches):
        (warehouse.load_events if i == 0 else warehouse.append_events)(batch)
        seen += batch
        warehouse.run(SELECT, vars=vars, full_refresh=(i == 0))
    incremental = {g: table(warehouse, g) for g in GRAIN_MODELS}
    assert_all_grains(warehouse, seen, timezone=timezone, week_start=week_start)
    warehouse.run(SELECT, vars=vars, full_refresh=True)
    for grain in GRAIN_MODELS:
        assert canonical(table(warehouse, grain), KEY) == canonical(incremental[grain], KEY)


# ---- analyses on sparse data -------------------------------------------------------------

def test_analyses_show_periods_without_rows(warehouse):
    """Week 2025-01-13 and the days 01-03 to 01-19 have no row at all: the retention
    triangle and DAU / WAU / MAU still show them, with zeros."""
    if warehouse.engine.name != "duckdb":
        pytest.skip("the analyses are run on DuckDB (tests/python/test_analyses.py)")
    events = [visit("a", "2025-01-01 10:00"), visit("b", "2025-01-01 11:00"), visit("a", "2025-01-20 10:00")]
    warehouse.load_events(events)
    warehouse.run(SELECT)
    names = ["activation_dau_wau_mau", "activation_cohort_retention"]
    warehouse.dbt("compile", "--select", *names)
    results = {}
    for name in names:
        sql = (warehouse.target_path / "compiled" / "dbt_activation" / "analyses" / f"{name}.sql").read_text()
        columns, rows = warehouse.engine.fetch(sql)
        results[name] = sorted((dict(zip(columns, row)) for row in rows),
                               key=lambda r: tuple(str(v) for v in r.values()))
    daily = {r["activity_date"]: r for r in results["activation_dau_wau_mau"]}
    assert sorted(daily) == [dt.date(2025, 1, d) for d in range(1, 21)]
    quiet = daily[dt.date(2025, 1, 10)]
    assert (quiet["daily_active_users"], quiet["weekly_active_users"], quiet["monthly_active_users"]) == (0, 0, 2)
    retention = sorted(results["activation_cohort_retention"], key=lambda r: r["periods_since_cohort"])
    assert [(r["periods_since_cohort"], r["active_users"]) for r in retention] == [(0, 2), (1, 0), (2, 0), (3, 1)]


# ---- summaries ---------------------------------------------------------------------------

def test_summary_equals_the_oracle_on_a_random_stream(warehouse):
    rng = random.Random(7)
    events = [visit(f"u{rng.randrange(40)}", START + dt.timedelta(minutes=rng.randrange(120 * 24 * 60)))
              for _ in range(600)]
    warehouse.load_events(events)
    summaries = " ".join(f"+{m}_summary" for m in GRAIN_MODELS.values())
    warehouse.run(summaries)
    for grain, model in GRAIN_MODELS.items():
        actual = warehouse.rows(f"{model}_summary")
        wanted = oracle.activation_summary(expected(events, grain), grain)
        assert len(actual) == len(wanted) > 3
        for got, want in zip(sorted(actual, key=lambda r: r["period_start"]), wanted):
            assert got.keys() == want.keys()
            for column, value in want.items():
                if isinstance(value, float):
                    # double precision: a single-precision rate (1/3 = 0.33333334) fails
                    assert got[column] == pytest.approx(value, rel=1e-12), (grain, column, got)
                else:
                    assert got[column] == value, (grain, column, got)


def test_summary_fills_empty_periods_with_zeros(warehouse):
    events = [visit("a", "2025-01-01 10:00"), visit("a", "2025-01-10 10:00")]
    warehouse.load_events(events)
    warehouse.run(f"+{GRAIN_MODELS['day']}_summary")
    rows = warehouse.rows(f"{GRAIN_MODELS['day']}_summary", order_by="period_start")
    assert [r["period_start"] for r in rows] == [dt.date(2025, 1, d) for d in range(1, 11)]
    quiet = rows[4]  # 2025-01-05: nobody active, nobody churned
    assert (quiet["active_users"], quiet["churned_users"], quiet["dormant_users"]) == (0, 0, 1)
    assert rows[9]["reactivation_rate"] == 1.0 and rows[1]["quick_ratio"] == 0.0


def test_summary_runs_to_an_as_of_after_the_data(warehouse):
    events = [visit("a", "2025-01-01 10:00"), visit("b", "2025-01-14 10:00")]  # Wednesday, Tuesday
    warehouse.load_events(events)
    summaries = " ".join(f"+{m}_summary" for m in GRAIN_MODELS.values())
    warehouse.run(summaries, vars={"activation__as_of": "2025-03-05", "activation__week_start": "sunday"})
    ends = {"day": dt.date(2025, 3, 5), "week": dt.date(2025, 3, 2), "month": dt.date(2025, 3, 1)}
    for grain, model in GRAIN_MODELS.items():
        rows = warehouse.rows(f"{model}_summary", order_by="period_start")
        assert rows[-1]["period_start"] == ends[grain], grain
        assert (rows[-1]["active_users"], rows[-1]["churned_users"], rows[-1]["dormant_users"]) == (0, 0, 2)
        wanted = oracle.activation_summary(
            expected(events, grain, week_start="sunday", as_of=dt.date(2025, 3, 5)), grain, ends[grain],
            as_of=dt.date(2025, 3, 5))
        # the as-of date ends the day, not the week or the month
        assert rows[-1]["is_period_complete"] == (grain == "day") and rows[-2]["is_period_complete"], grain
        assert [r["period_start"] for r in rows] == [w["period_start"] for w in wanted], grain
        for got, want in zip(rows, wanted):
            assert {k: got[k] for k in want if not isinstance(want[k], float)} == {
                k: v for k, v in want.items() if not isinstance(v, float)}, grain
