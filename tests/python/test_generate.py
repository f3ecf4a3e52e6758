"""Tests of the synthetic event stream generator (activation_demo.generate) and its CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activation_demo import generate as generate_module
from activation_demo.cli import main
from activation_demo.generate import (
    EVENT_NAMES,
    EventStream,
    append_days,
    generate,
    iter_event_chunks,
    version_name,
)

STREAM = EventStream(users_per_day=25, start=dt.date(2025, 1, 1), seed=7)
DAYS = 30
EXPECTED_COLUMNS = [
    ("event_id", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("event_name", "VARCHAR"),
    ("event_at", "TIMESTAMP"),
    ("country", "VARCHAR"),
    ("device_os", "VARCHAR"),
    ("app_version", "VARCHAR"),
    ("utm_campaign", "VARCHAR"),
    ("utm_medium", "VARCHAR"),
    ("utm_source", "VARCHAR"),
    ("revenue", "DOUBLE"),
]


def rows(db: Path, before: dt.datetime | None = None) -> list[tuple]:
    """All events (optionally those before a time), in a canonical order."""
    with duckdb.connect(str(db), read_only=True) as con:
        if before is None:
            return con.execute("select * from raw.app_events order by event_id").fetchall()
        return con.execute("select * from raw.app_events where event_at < ? order by event_id", [before]).fetchall()


def day(n: int, stream: EventStream = STREAM) -> dt.datetime:
    return dt.datetime.combine(stream.start + dt.timedelta(days=n), dt.time())


def events(stream: EventStream, first_day: int, end_day: int) -> dict[str, np.ndarray]:
    chunks = list(iter_event_chunks(stream, first_day, end_day))
    return {name: np.concatenate([c[name] for c in chunks]) for name in chunks[0]}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("generate") / "demo.duckdb"
    generate(path, DAYS, STREAM)
    return path


@pytest.fixture(scope="module")
def con(db: Path):
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


# ---------------------------------------------------------------------------------------
# Schema and invariants
# ---------------------------------------------------------------------------------------


def test_columns_and_types(con):
    described = con.execute("describe raw.app_events").fetchall()
    assert [(name, type_) for name, type_, *_ in described] == EXPECTED_COLUMNS


def test_summary_matches_table(tmp_path):
    summary = generate(tmp_path / "s.duckdb", 10, STREAM)
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert summary.events == scalar(con, "select count(*) from raw.app_events")
        assert summary.new_users == scalar(con, "select count(distinct user_id) from raw.app_events")
    assert (summary.first_day, summary.end_day) == (dt.date(2025, 1, 1), dt.date(2025, 1, 11))
    assert "2025-01-01 .. 2025-01-10 (10 days)" in summary.describe()


def test_event_ids_unique_and_columns_set(con):
    assert scalar(con, "select count(*) - count(distinct event_id) from raw.app_events") == 0
    nulls = scalar(
        con,
        "select count(*) from raw.app_events where event_id is null or user_id is null or event_name is null"
        " or event_at is null or country is null or device_os is null or app_version is null",
    )
    assert nulls == 0
    bad_user_ids = "select count(*) from raw.app_events where not regexp_full_match(user_id, 'u[0-9]{7}')"
    assert scalar(con, bad_user_ids) == 0


def test_event_names_and_time_window(con):
    names = {r[0] for r in con.execute("select distinct event_name from raw.app_events").fetchall()}
    assert names == set(EVENT_NAMES)
    lo, hi = con.execute("select min(event_at), max(event_at) from raw.app_events").fetchall()[0]
    assert day(0) <= lo and hi < day(DAYS)


def test_exactly_one_first_visit_and_it_comes_first(con):
    bad = con.execute(
        """
        select user_id
        from raw.app_events
        group by user_id
        having count(*) filter (where event_name = 'first_visit') <> 1
            or min(event_at) filter (where event_name <> 'first_visit')
               <= min(event_at) filter (where event_name = 'first_visit')
        """
    ).fetchall()
    assert bad == []


def test_revenue_only_on_purchases(con):
    wrong = scalar(
        con,
        "select count(*) from raw.app_events"
        " where (event_name = 'purchase') <> (revenue is not null) or revenue <= 0",
    )
    assert wrong == 0
    assert scalar(con, "select count(*) from raw.app_events where event_name = 'purchase'") > 0


def test_utm_only_on_first_visit_and_complete(con):
    utm_elsewhere = "select count(*) from raw.app_events where event_name <> 'first_visit' and utm_source is not null"
    assert scalar(con, utm_elsewhere) == 0
    incomplete = scalar(
        con,
        "select count(*) from raw.app_events"
        " where (utm_source is null) <> (utm_medium is null)"
        " or (utm_source is null) <> (utm_campaign is null)",
    )
    assert incomplete == 0


def test_funnel_steps_follow_each_other(con):
    counts = dict(con.execute("select event_name, count(*) from raw.app_events group by 1").fetchall())
    assert counts["view_item"] > counts["session_start"] > counts["add_to_cart"]
    assert counts["add_to_cart"] > counts["begin_checkout"] > counts["purchase"]


def test_mobile_app_versions_never_go_back(con):
    per_user: dict[str, tuple[int, ...]] = {}
    for user, version in con.execute(
        "select user_id, app_version from raw.app_events where device_os <> 'Web' order by user_id, event_at"
    ).fetchall():
        parsed = tuple(int(p) for p in version.split("."))
        assert parsed >= per_user.get(user, parsed)
        per_user[user] = parsed


def test_version_names():
    assert [version_name(r) for r in (0, 1, 2, 25, 26, 52, 54)] == [
        "1.0.0", "1.0.1", "1.1.0", "1.12.1", "2.0.0", "3.0.0", "3.1.0",
    ]


# ---------------------------------------------------------------------------------------
# Determinism, prefixes, appends
# ---------------------------------------------------------------------------------------


def test_same_seed_same_table_other_seed_other_table(tmp_path, db):
    generate(tmp_path / "again.duckdb", DAYS, STREAM)
    assert rows(tmp_path / "again.duckdb") == rows(db)
    generate(tmp_path / "other.duckdb", DAYS, EventStream(STREAM.users_per_day, STREAM.start, seed=8))
    assert rows(tmp_path / "other.duckdb") != rows(db)


def test_generate_replaces_the_table(tmp_path, db):
    path = tmp_path / "replace.duckdb"
    generate(path, 5, EventStream(users_per_day=3, seed=1))
    generate(path, DAYS, STREAM)
    assert rows(path) == rows(db)


@pytest.mark.parametrize("shorter", [1, 12, 29])
def test_prefix_of_a_longer_run_is_the_shorter_run(tmp_path, db, shorter):
    generate(tmp_path / "short.duckdb", shorter, STREAM)
    assert rows(tmp_path / "short.duckdb") == rows(db, before=day(shorter))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32),
    users_per_day=st.floats(0.5, 30),
    start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    cut=st.integers(1, 20),
    extra=st.integers(1, 20),
)
def test_prefix_stability_property(seed, users_per_day, start, cut, extra):
    stream = EventStream(users_per_day=users_per_day, start=start, seed=seed)
    short, long = events(stream, 0, cut), events(stream, 0, cut + extra)
    before = long["event_at"] < np.datetime64(day(cut, stream), "us")
    for name in short:
        np.testing.assert_array_equal(short[name], long[name][before], err_msg=name)


def test_chunk_and_block_sizes_do_not_change_events(monkeypatch):
    whole = events(STREAM, 0, DAYS)
    monkeypatch.setattr(generate_module, "TARGET_DAY_ROWS_PER_CHUNK", 40)
    monkeypatch.setattr(generate_module, "USER_BLOCK", 7)
    assert len(list(iter_event_chunks(STREAM, 0, DAYS))) > 10
    pieces = events(STREAM, 0, DAYS)
    for name in whole:
        np.testing.assert_array_equal(pieces[name], whole[name], err_msg=name)


def test_append_equals_longer_generation(tmp_path, db):
    path = tmp_path / "appended.duckdb"
    generate(path, 20, STREAM)
    first = append_days(path, 20, 3, STREAM)
    second = append_days(path, 23, 7, STREAM)
    assert rows(path) == rows(db)
    with duckdb.connect(str(path), read_only=True) as con:
        old_users_in_new_days = con.execute(
            "select count(distinct user_id) from raw.app_events where event_at >= $1 and user_id in"
            " (select user_id from raw.app_events where event_name = 'first_visit' and event_at < $1)",
            [day(20)],
        ).fetchall()[0][0]
    assert old_users_in_new_days > 0
    assert first.first_day == dt.date(2025, 1, 21) and second.end_day == dt.date(2025, 1, 31)


def test_append_into_empty_database_equals_window(tmp_path, db):
    path = tmp_path / "window.duckdb"
    append_days(path, 10, 5, STREAM)
    assert rows(path) == [r for r in rows(db) if day(10) <= r[3] < day(15)]


def test_append_refuses_overlap(tmp_path):
    path = tmp_path / "overlap.duckdb"
    generate(path, 10, STREAM)
    with pytest.raises(ValueError, match="already has events"):
        append_days(path, 9, 2, STREAM)


# ---------------------------------------------------------------------------------------
# Realism (loose)
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def year() -> dict[str, np.ndarray]:
    """About 25 k users over a year, in memory."""
    return events(EventStream(users_per_day=65, seed=3), 0, 365)


def test_events_per_user_and_purchasers(year):
    users = np.unique(year["user_number"])
    assert 40 < len(year["event_name"]) / len(users) < 120
    buyers = np.unique(year["user_number"][year["event_name"] == EVENT_NAMES.index("purchase")])
    assert 0.03 < len(buyers) / len(users) < 0.4


def active_user_days(year: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (user, UTC day) pairs sorted by user and day, and each user's first day."""
    user, days = year["user_number"], year["event_at"].astype("datetime64[D]").astype(np.int64)
    pairs = np.unique(user * 100_000 + days)
    first_day = np.full(user.max() + 1, -1)
    visits = year["event_name"] == 0
    first_day[user[visits]] = days[visits]
    return pairs // 100_000, pairs % 100_000, first_day


def test_retention_decays_and_users_come_back_after_gaps(year):
    user, days, first_day = active_user_days(year)
    age = days - first_day[user]
    cohort = np.flatnonzero((first_day >= 0) & (first_day < days.max() - 30))

    def retention(a: int) -> float:
        return np.isin(cohort, user[age == a]).mean()

    assert 0.1 < retention(1) < 0.5
    assert retention(1) > retention(7) > retention(30) > 0.01
    same_user = user[1:] == user[:-1]
    gaps = np.diff(days)[same_user]
    assert np.mean(gaps >= 7) > 0.05
    assert np.unique(user[1:][same_user & (np.diff(days) >= 14)]).size > 100


def test_weekday_arrivals_exceed_weekend_arrivals(year):
    visits = year["event_name"] == 0
    arrival_day = year["event_at"][visits].astype("datetime64[D]") - np.datetime64("2025-01-01")
    per_day = np.bincount(arrival_day.astype(np.int64))
    weekday = (np.arange(len(per_day)) + dt.date(2025, 1, 1).weekday()) % 7
    assert per_day[weekday < 5].mean() > 1.1 * per_day[weekday >= 5].mean()
    assert per_day[-60:].mean() > per_day[:60].mean()


def test_first_day_conversion_spike(year):
    *_, first_day = active_user_days(year)
    user, days = year["user_number"], year["event_at"].astype("datetime64[D]").astype(np.int64)
    purchases = year["event_name"] == EVENT_NAMES.index("purchase")
    by_age = np.bincount(days[purchases] - first_day[user[purchases]])
    assert by_age[0] > 3 * by_age[1] and by_age[0] > by_age[1:].max()
    assert by_age[30:].sum() > by_age[0]


def test_attributes_are_skewed_and_sometimes_change(year):
    visits = year["event_name"] == 0
    countries = np.bincount(year["country"][visits], minlength=8) / visits.sum()
    assert countries.argmax() == 0 and countries[0] > 0.25 and countries.min() > 0.02
    organic = np.mean(year["campaign"][visits] == 0)
    assert 0.35 < organic < 0.75
    order = np.lexsort((year["event_at"], year["user_number"]))
    user, release = year["user_number"][order], year["release"][order]
    last = np.r_[user[1:] != user[:-1], True]
    first = np.r_[True, user[1:] != user[:-1]]
    assert np.mean(release[last] != release[first]) > 0.05


# ---------------------------------------------------------------------------------------
# CLI and parameters
# ---------------------------------------------------------------------------------------


def test_from_users_sets_the_rate():
    stream = EventStream.from_users(3650, 365, start=dt.date(2024, 6, 1), seed=5)
    assert stream == EventStream(users_per_day=10.0, start=dt.date(2024, 6, 1), seed=5)
    with pytest.raises(ValueError):
        EventStream(users_per_day=0)
    with pytest.raises(ValueError):
        EventStream(seed=-1)


def test_cli_generate_and_append(tmp_path, capsys):
    full, short = tmp_path / "full.duckdb", tmp_path / "short.duckdb"
    assert main(["generate", "--db", str(full), "--users", "750", "--days", "30", "--seed", "7", "--quiet"]) == 0
    assert "generated" in capsys.readouterr().out
    short_args = ["generate", "--db", str(short), "--users", "500", "--days", "20", "--start", "2025-01-01",
                  "--seed", "7", "--quiet"]
    assert main(short_args) == 0
    # 500 users over 20 days is the rate of 750 over 30: appending 10 days gives the full run.
    assert main([*short_args, "--append-days", "10"]) == 0
    out = capsys.readouterr().out
    assert "appended" in out and "2025-01-21 .. 2025-01-30 (10 days)" in out
    assert rows(short) == rows(full)
    with pytest.raises(SystemExit) as exit_info:
        main([*short_args, "--append-days", "1"])
    assert exit_info.value.code == 2
    assert "already has events" in capsys.readouterr().err
