"""dbt_activation installed as a package by another project: the macros work there, the
demo models stay out of its build, and bad arguments fail with a message naming the
macro, the argument and the value."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import PROJECT_DIR, release_duckdb

EVENTS_CSV = """user_id,event_name,occurred_at,country
a,first_visit,2025-01-01 09:00:00,KR
a,purchase,2025-01-02 10:00:00,KR
a,session_start,2025-01-09 10:00:00,JP
b,first_visit,2025-01-03 09:00:00,US
b,add_to_cart,2025-01-03 09:30:00,US
"""

GOOD_MODELS = {
    "users.sql": "select user_id, min(occurred_at) as first_seen_at from {{ ref('events') }} "
                 "where event_name = 'first_visit' group by user_id",
    "fact_first_activation.sql": """
        {{ dbt_activation.first_activation_events(
            events=ref('events'), users=ref('users'), key_events=['add_to_cart', 'purchase'],
            event_at='occurred_at', first_visit_at='first_seen_at') }}""",
    # a users table that repeats each user, the copy an hour later: counted once, earliest visit
    "users_repeated.sql": "select user_id, first_seen_at from {{ ref('users') }} union all "
                          "select user_id, first_seen_at + interval 1 hour from {{ ref('users') }}",
    "fact_first_activation_repeated_users.sql": """
        {{ dbt_activation.first_activation_events(
            events=ref('events'), users=ref('users_repeated'), key_events=['add_to_cart', 'purchase'],
            event_at='occurred_at', first_visit_at='first_seen_at') }}""",
    "fact_visit_first_last.sql": """
        {{ dbt_activation.activation_first_last(source=ref('events'), activity_at='occurred_at') }}""",
    "fact_visit_activation_weekly.sql": """
        {{ dbt_activation.activation_states(
            source=ref('events'), first_last=ref('fact_visit_first_last'), grain='week',
            activity_at='occurred_at', attributes=['country']) }}""",
    "fact_visit_activation_weekly_summary.sql": """
        {{ dbt_activation.activation_summary(activation=ref('fact_visit_activation_weekly')) }}""",
    # activity recorded as a DATE; a time zone named in lower case
    "events_by_day.sql": "select user_id, cast(occurred_at as date) as active_on from {{ ref('events') }}",
    "fact_day_first_last.sql": """
        {{ dbt_activation.activation_first_last(source=ref('events_by_day'), activity_at='active_on') }}""",
    "fact_day_activation_daily.sql": """
        {{ dbt_activation.activation_states(
            source=ref('events_by_day'), first_last=ref('fact_day_first_last'), grain='day',
            activity_at='active_on', timezone='asia/seoul') }}""",
}


class Consumer:
    def __init__(self, root: Path):
        self.root = root
        (root / "models").mkdir(parents=True)
        (root / "seeds").mkdir()
        (root / "seeds" / "events.csv").write_text(EVENTS_CSV)
        (root / "dbt_project.yml").write_text(yaml.safe_dump({
            "name": "consumer", "version": "1.0", "config-version": 2, "profile": "consumer",
            "seeds": {"consumer": {"events": {"+column_types": {"occurred_at": "timestamp"}}}},
        }))
        (root / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
        (root / "profiles.yml").write_text(yaml.safe_dump({"consumer": {"target": "dev", "outputs": {
            "dev": {"type": "duckdb", "path": str(root / "consumer.duckdb"), "threads": 1}}}}))
        for name, sql in GOOD_MODELS.items():
            (root / "models" / name).write_text(textwrap.dedent(sql).strip() + "\n")

    def dbt(self, *args: str):
        result = dbtRunner().invoke([*args, "--project-dir", str(self.root),
                                     "--profiles-dir", str(self.root), "--quiet"])
        release_duckdb()
        return result


@pytest.fixture(scope="module")
def consumer(tmp_path_factory) -> Consumer:
    project = Consumer(tmp_path_factory.mktemp("consumer"))
    assert project.dbt("deps").success
    result = project.dbt("build")
    assert result.success, [r.message for r in result.result or []]
    return project


def test_macros_work_in_another_project_and_the_demo_stays_out(consumer):
    result = consumer.dbt("ls", "--resource-types", "model", "--output", "name")
    listed = set(result.result)
    assert {"fact_first_activation", "fact_visit_activation_weekly"} <= listed
    assert not listed & {"dim__users", "fact__events", "fact_app_visit_activation_daily"}
    import duckdb
    with duckdb.connect(str(consumer.root / "consumer.duckdb"), read_only=True) as con:
        rows = con.execute("select user_id, event_name, days_from_first_visit from main.fact_first_activation "
                           "order by user_id, event_name").fetchall()
        assert rows == [("a", "first_visit", 1), ("a", "purchase", 2),
                        ("b", "add_to_cart", 1), ("b", "first_visit", 1)]
        weekly = con.execute("select user_id, activation_state, country from main.fact_visit_activation_weekly "
                             "order by user_id, period_start").fetchall()
        assert weekly == [("a", "new", "KR"), ("a", "retained", "JP"), ("b", "new", "US"), ("b", "inactive", None)]
        summary = con.execute("select count(*) from main.fact_visit_activation_weekly_summary").fetchall()
        assert summary == [(2,)]
        repeated = con.execute("select * from main.fact_first_activation_repeated_users "
                               "order by user_id, event_name").fetchall()
        assert repeated == con.execute("select * from main.fact_first_activation "
                                       "order by user_id, event_name").fetchall()


def test_first_last_given_to_activation_states_is_ignored_with_a_warning(consumer):
    messages: list[tuple[str, str]] = []
    result = dbtRunner(callbacks=[lambda event: messages.append((event.info.level, event.info.msg))]).invoke(
        ["compile", "--select", "fact_visit_activation_weekly", "--project-dir", str(consumer.root),
         "--profiles-dir", str(consumer.root), "--quiet"])
    release_duckdb()
    assert result.success
    assert ("warn", "Warning: activation_states: model fact_visit_activation_weekly: first_last is no longer "
            "read (the model records its own watermark) and can be removed from the call") in messages


def test_a_date_activity_column_runs_incrementally(consumer):
    # (its model also names its time zone in lower case: accepted, as the engine accepts it)
    import duckdb
    query = "select * from main.fact_day_activation_daily order by user_id, period_start"
    with duckdb.connect(str(consumer.root / "consumer.duckdb"), read_only=True) as con:
        built = con.execute(query).fetchall()
        assert con.execute("select count(*) from main.fact_day_first_last").fetchall() == [(2,)]
    result = consumer.dbt("run", "--select", "fact_day_first_last", "fact_day_activation_daily")
    assert result.success, [r.message for r in result.result or []]
    with duckdb.connect(str(consumer.root / "consumer.duckdb"), read_only=True) as con:
        assert con.execute(query).fetchall() == built
    assert [r[2] for r in built if r[1] == "a"] == ["new", "retained", "inactive", "reactivated"]


FIRST = "dbt_activation.first_activation_events(events=ref('events'), users=ref('users'), " \
        "event_at='occurred_at', first_visit_at='first_seen_at', "
STATES = "dbt_activation.activation_states(source=ref('events'), first_last=ref('fact_visit_first_last'), " \
         "activity_at='occurred_at', "

BAD_CALLS = [
    (FIRST + "key_events=[])", "first_activation_events: key_events must be a non-empty list of strings; got []"),
    (FIRST + "key_events='purchase')", 'first_activation_events: key_events must be a list of strings; got "purchase"'),
    (FIRST + "key_events=['first_visit'])", "first_activation_events: key_events must be a list that does not contain first_visit_event 'first_visit'"),
    (FIRST + "key_events=[\"it's\", 'a<b&c'])",
     "first_activation_events: key_events must be event names without single quotes; got [\"it's\", \"a<b&c\"]"),
    (FIRST + "key_events=['purchase'], first_visit_event=\"o'clock\")",
     "first_activation_events: first_visit_event must be an event name without single quotes; got \"o'clock\""),
    (FIRST + "key_events=['purchase'], lookback_days=-1)", "first_activation_events: lookback_days must be a whole number of days >= 0; got -1"),
    (FIRST + "key_events=['purchase'], timezone='Asia/Seol')", 'first_activation_events: timezone must be a time zone this database knows'),
    (FIRST + "key_events=['purchase'], timezone=\"UTC'; drop table x; --\")", "first_activation_events: timezone must be an IANA time zone name"),
    ("dbt_activation.first_activation_events(events=ref('events'), users=ref('users'), key_events=['purchase'], "
     "first_visit_at='first_seen_at', event_at='happened_at')",
     'first_activation_events: event_at must name a column of'),
    ("dbt_activation.first_activation_events(events='events', users=ref('users'), key_events=['purchase'])",
     'first_activation_events: events must be a relation such as ref('),
    ("dbt_activation.first_activation_events(events=ref('events'), users=ref('users'), first_visit_at='first_seen_at')",
     "first_activation_events: key_events must be a non-empty list of strings; got nothing (the argument is missing)"),
    (STATES + "timezone='UTC')", "activation_states: grain must be one of 'day', 'week', 'month'; got nothing (the argument is missing)"),
    (STATES + "grain='wek')", "activation_states: grain must be one of 'day', 'week', 'month'; got \"wek\""),
    (STATES + "grain='week', week_start='tuesday')", "activation_states: week_start must be one of 'monday', 'sunday'; got \"tuesday\""),
    (STATES + "grain='week', attributes='country')", 'activation_states: attributes must be a list of strings; got "country"'),
    (STATES + "grain='week', attributes=['period_start'])", "activation_states: attributes must be columns whose names differ from the output columns"),
    (STATES + "grain='week', attributes=['activity_instant'])", "activation_states: attributes must be columns whose names differ from the output columns and the working columns"),
    (STATES + "grain='week', attributes=['city'])", 'activation_states: attributes must name a column of'),
    (STATES + "grain='day', as_of='2025-02-30')", "activation_states: as_of must be a date 'YYYY-MM-DD' or null; got \"2025-02-30\""),
    (FIRST + "key_events=['purchase'], events_partition_column='event_day')",
     'first_activation_events: events_partition_column must name a column of'),
    (STATES + "grain='day', source_partition_column='date; drop table x')",
     'activation_states: source_partition_column must be a column name (letters, digits and underscores'),
    ("dbt_activation.activation_first_last(source=ref('events'), activity_at='occurred_at', source_partition_column=7)",
     'activation_first_last: source_partition_column must be a column name'),
    ("dbt_activation.activation_summary(activation=ref('fact_visit_activation_weekly'), grain='year')",
     "activation_summary: grain must be one of 'day', 'week', 'month'; got \"year\""),
    ("dbt_activation.activation_summary(activation=ref('users'))",
     "activation_summary: grain is required for"),
    ("dbt_activation.activation_summary(activation=ref('fact_visit_activation_weekly'), grain='day')",
     'activation_summary: grain "day" disagrees with the grain "week" that'),
]


@pytest.mark.parametrize("call, message", BAD_CALLS, ids=[m.split(";")[0][:60] for _, m in BAD_CALLS])
def test_bad_arguments_fail_at_compile_time_with_a_clear_message(consumer, call, message):
    model = consumer.root / "models" / "bad_call.sql"
    model.write_text("{{ " + call + " }}\n")
    try:
        result = consumer.dbt("compile", "--select", "bad_call")
    finally:
        model.unlink()
    assert not result.success
    text = str(result.exception) if result.exception else " ".join(str(r.message) for r in result.result)
    assert message in text


def test_a_summary_deferred_to_another_target_s_model_reads_that_table(tmp_path):
    """`dbt run --defer --state`: a developer builds only the summary; its ref names the
    production table of the activation model, whose recorded configuration it reads (before,
    the model was not found and the summary asked for a grain), and whose run state it checks
    against the model file."""
    root = tmp_path / "deferring"
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    (root / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "consumer", "version": "1.0", "config-version": 2, "profile": "consumer"}))
    (root / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
    (root / "profiles.yml").write_text(yaml.safe_dump({"consumer": {"target": "prod", "outputs": {
        name: {"type": "duckdb", "path": str(root / "w.duckdb"), "schema": name, "threads": 1}
        for name in ("prod", "dev")}}}))
    (root / "models" / "visits.sql").write_text(
        "select * from (values ('a', timestamp '2025-01-01 10:00:00'), ('a', timestamp '2025-01-09 10:00:00'),"
        " ('b', timestamp '2025-01-02 10:00:00')) as visits(user_id, datetime)\n")
    weekly = "{{ dbt_activation.activation_states(source=ref('visits'), grain='week') }}\n"
    (root / "models" / "visits_wk.sql").write_text(weekly)
    (root / "models" / "visits_wk_summary.sql").write_text(
        "{{ dbt_activation.activation_summary(activation=ref('visits_wk')) }}\n")

    def dbt(*args: str):
        result = dbtRunner().invoke([*args, "--project-dir", str(root), "--profiles-dir", str(root), "--quiet"])
        release_duckdb()
        return result

    assert dbt("deps").success
    assert dbt("build", "--target-path", str(root / "prod_state")).success
    deferred = ("run", "--target", "dev", "--select", "visits_wk_summary", "--defer", "--state",
                str(root / "prod_state"))
    result = dbt(*deferred)
    assert result.success, [str(r.message) for r in result.result or []] or result.exception
    import duckdb
    with duckdb.connect(str(root / "w.duckdb"), read_only=True) as con:
        assert con.execute("select * from dev.visits_wk_summary order by period_start").fetchall() == \
            con.execute("select * from prod.visits_wk_summary order by period_start").fetchall()
    (root / "models" / "visits_wk.sql").write_text(weekly.replace("'week'", "'month'"))
    result = dbt(*deferred)
    assert not result.success
    assert ('activation_summary: the table of visits_wk was last built with grain "week", but its model now '
            'gives grain "month"') in " ".join(str(r.message) for r in result.result or [])
