"""A deployment changes over its life: settings, model files, attributes, time types, tables
dropped by hand, runs interrupted. In a throwaway project that installs this package, on
every engine: a change that would alter the rows already stored is refused at compile time
by a message naming the macro, the model, the setting and both values, and the table is left
untouched; a change the models can take in (an attribute added or removed, key events) gives
exactly a full refresh's rows; time columns give the same rows whatever their type and the
session time zone."""
from __future__ import annotations

import datetime as dt
import os

import pytest

import oracle
from conftest import canonical, ts
from consumer_project import ConsumerWarehouse
from engines import selected_engines

STATES = "activation_states(source=ref('events'), activity_at='event_at'"
MODELS = {
    "staging/events": """
        select user_id, event_name, event_at, event_at as occurred_at, country, device_os,
            cast(event_at as {{ dbt.type_string() }}) as event_at_text
        from {{ source('raw', 'app_events') }}""",
    "members": """
        {{ config(materialized='table') }}
        select user_id, min(event_at) as first_seen_at
        from {{ ref('events') }} where event_name = 'first_visit' group by user_id""",
    "visits_wk": "{{ dbt_activation." + STATES + ", grain='week', attributes=['country']) }}",
    "visits_first_last": "{{ dbt_activation.activation_first_last(source=ref('events'), activity_at='event_at') }}",
    "funnel": """
        {{ dbt_activation.first_activation_events(events=ref('events'), users=ref('members'),
            key_events=['purchase'], event_at='event_at', first_visit_at='first_seen_at') }}""",
}


def visit(user, at, name="session_start", country="KR", device_os="iOS"):
    return {"user_id": user, "event_name": name, "event_at": ts(at), "country": country, "device_os": device_os}


FIRST = [visit("a", "2025-01-01 09:00", "first_visit"), visit("a", "2025-01-02 10:00", "purchase"),
         visit("b", "2025-01-03 23:30", "first_visit", country="US"), visit("a", "2025-01-09 10:00"),
         visit("c", "2025-01-12 22:00", "first_visit", country=None, device_os="Android"),
         visit("b", "2025-01-13 01:00:00.500000", country="JP")]
# the latest instant of each batch has microseconds: the watermark is compared to the microsecond
LATER = [visit("c", "2025-01-14 08:00", "purchase", country="KR"), visit("d", "2025-01-15 12:00", "first_visit"),
         visit("a", "2025-01-15 18:00:00.250000", "purchase", country="JP", device_os="Android")]


def states_expected(events, grain="week", attributes=("country",), **settings):
    activity = [{"user_id": e["user_id"], "activity_at": e["event_at"], "country": e.get("country"),
                 "device_os": e.get("device_os")} for e in events]
    return oracle.activation_states(activity, grain, attributes=attributes, **settings)


def funnel_expected(events, key_events=("purchase",)):
    users = {}
    for e in events:
        if e["event_name"] == "first_visit":
            users[e["user_id"]] = min(users.get(e["user_id"], e["event_at"]), e["event_at"])
    return oracle.first_activation_events(events, [{"user_id": u, "first_visit_at": t} for u, t in users.items()],
                                          list(key_events))


@pytest.fixture(params=selected_engines())
def consumer(request, tmp_path, warehouse_engine):
    return ConsumerWarehouse(tmp_path, warehouse_engine(request.param), MODELS)


def contents(project, table):
    return sorted(repr(row) for row in canonical(project.rows(table), ("user_id",)))


def refused(project, select, message_parts, vars=None):
    """Run `select`; it must fail at compile time with every part of the message, and leave
    the tables of `select` as they were."""
    tables = select.split()
    before = {t: contents(project, t) for t in tables}
    result = project.dbt("run", "--select", *tables, vars=vars, expect_success=False)
    assert not result.success
    text = " ".join(str(r.message) for r in result.result or []) or str(result.exception)
    for part in message_parts:
        assert part in text, (part, text)
    assert "The table is unchanged." in text
    for t in tables:
        assert contents(project, t) == before[t], t


def test_a_setting_that_reshapes_stored_rows_is_refused_and_the_table_untouched(consumer):
    consumer.load_events(FIRST)
    consumer.dbt("run")
    consumer.append_events(LATER)
    rebuild = "rebuild it with --full-refresh (dbt run --select visits_wk --full-refresh)"
    refused(consumer, "visits_wk", ['activation_states: model visits_wk: its rows were built with week_start '
                                    '"monday" and this run has week_start "sunday"', rebuild,
                                    'or set week_start back to "monday"'],
            vars={"activation__week_start": "sunday"})
    refused(consumer, "visits_wk funnel", [
        'activation_states: model visits_wk: its rows were built with timezone "UTC" and this run has '
        'timezone "Asia/Seoul"',
        'first_activation_events: model funnel: its rows were built with timezone "UTC" and this run has '
        'timezone "Asia/Seoul"'], vars={"activation__timezone": "Asia/Seoul"})
    consumer.write_models({"visits_wk": "{{ dbt_activation." + STATES + ", grain='month', attributes=['country']) }}"})
    refused(consumer, "visits_wk", ['its rows were built with grain "week" and this run has grain "month"'])
    consumer.write_models({"visits_wk": "{{ dbt_activation.activation_states(source=ref('events'), "
                                        "activity_at='occurred_at', grain='week', attributes=['country']) }}"})
    refused(consumer, "visits_wk", ['built with activity_at "event_at" and this run has activity_at "occurred_at"'])
    # a table of the same name in another schema is another source
    consumer.write_models({
        "elsewhere/events_elsewhere": "{{ config(schema='other', alias='events') }} select * from {{ ref('events') }}",
        "visits_wk": MODELS["visits_wk"].replace("ref('events')", "ref('events_elsewhere')")})
    consumer.dbt("run", "--select", "events_elsewhere")
    refused(consumer, "visits_wk", ['its rows were built with source_schema null and this run has source_schema "',
                                    '_other": the rows already stored would not match the new ones; rebuild it with '
                                    '--full-refresh (dbt run --select visits_wk --full-refresh), or read the relation '
                                    "of the schema it was built from again (null: the model's own schema)"])
    consumer.write_models({"visits_wk": MODELS["visits_wk"]})
    refused(consumer, "visits_wk", ["its rows run to the period 2025-01-13 and this run's as-of period is "
                                    "2025-01-06 (as_of 2025-01-08)", "or set as_of to a date in the period "
                                    "2025-01-13 or later"], vars={"activation__as_of": "2025-01-08"})
    # the first_last model has no time zone: it runs on
    consumer.dbt("run", "--select", "visits_first_last", vars={"activation__timezone": "Asia/Seoul"})
    # unchanged settings: the run takes the new data in, as a full refresh would
    consumer.dbt("run")
    key = ("user_id", "period_start")
    assert canonical(consumer.rows("visits_wk"), key) == canonical(states_expected(FIRST + LATER), key)
    assert canonical(consumer.rows("funnel"), ("user_id", "event_name")) == canonical(
        funnel_expected(FIRST + LATER), ("user_id", "event_name"))
    # the new setting, after the full refresh the message asks for
    consumer.dbt("run", "--select", "visits_wk", "--full-refresh", vars={"activation__week_start": "sunday"})
    assert canonical(consumer.rows("visits_wk"), key) == canonical(
        states_expected(FIRST + LATER, week_start="sunday"), key)


def test_attributes_added_then_removed_give_a_full_refresh_s_rows(consumer):
    key = ("user_id", "period_start")
    consumer.load_events(FIRST)
    consumer.dbt("run", "--select", "+visits_wk")
    consumer.append_events(LATER)
    consumer.write_models({"visits_wk": "{{ dbt_activation." + STATES
                           + ", grain='week', attributes=['country', 'device_os']) }}"})
    consumer.dbt("run", "--select", "visits_wk")
    rows = consumer.rows("visits_wk")
    assert "device_os" in rows[0]
    assert canonical(rows, key) == canonical(states_expected(FIRST + LATER, attributes=("country", "device_os")), key)
    consumer.write_models({"visits_wk": "{{ dbt_activation." + STATES + ", grain='week', attributes=['device_os']) }}"})
    if consumer.engine.name == "spark":
        refused(consumer, "visits_wk", ['its attributes ["country", "device_os"] became ["device_os"], and this '
                                        'engine cannot drop a column'])
        return
    if consumer.engine.name == "bigquery":
        # BigQuery drops the column (dbt-bigquery's ALTER TABLE ... DROP COLUMN); the emulator
        # the suite runs on cannot, and says so
        result = consumer.dbt("run", "--select", "visits_wk", expect_success=False)
        assert "Not supported by Crucible: ALTER TABLE action DROP COLUMN `country`" in str(result.result[0].message)
        return
    consumer.dbt("run", "--select", "visits_wk")
    rows = consumer.rows("visits_wk")
    assert "country" not in rows[0]
    assert canonical(rows, key) == canonical(states_expected(FIRST + LATER, attributes=("device_os",)), key)


def test_key_events_added_are_backfilled_and_removed_ones_removed(consumer):
    key = ("user_id", "event_name")
    consumer.load_events(FIRST + LATER)
    consumer.dbt("run", "--select", "+funnel")
    consumer.write_models({"funnel": MODELS["funnel"].replace("key_events=['purchase']",
                                                              "key_events=['session_start']")})
    # a compile logs the plan it would run, and writes nothing
    consumer.dbt("compile", "--select", "funnel")
    log = (consumer.root / "logs" / "dbt.log").read_text()
    assert ("backfilling session_start, removing purchase; watermark 2025-01-15 18:00:00.250000; "
            "compiled only (dbt compile), nothing is written") in log
    assert canonical(consumer.rows("funnel"), key) == canonical(funnel_expected(FIRST + LATER), key)
    consumer.dbt("run", "--select", "funnel")
    assert canonical(consumer.rows("funnel"), key) == canonical(
        funnel_expected(FIRST + LATER, ("session_start",)), key)
    log = (consumer.root / "logs" / "dbt.log").read_text()
    assert "key_events_changed (run 2): reading events since" in log
    assert "backfilling session_start, removing purchase; watermark 2025-01-15 18:00:00.250000\n" in log
    assert "backfilling session_start, removing purchase" in log


def test_a_key_event_that_never_occurs_is_named_in_a_warning(consumer):
    consumer.load_events(FIRST)
    consumer.write_models({"funnel": MODELS["funnel"].replace("key_events=['purchase']",
                                                              "key_events=['purchase', 'purchse']")})
    consumer.dbt("run", "--select", "+funnel")
    log = (consumer.root / "logs" / "dbt.log").read_text()
    warning = ('Warning: first_activation_events: model funnel: key event ["purchse"] never occurs in the events '
               'read (no user performed it at or after their first visit); check the spelling in key_events')
    # logged at the warn level (dbt's console shows it, --warn-error makes it fail)
    assert any("[warn ]" in line and line.endswith(warning) for line in log.splitlines()), warning


def test_tables_dropped_by_hand_and_interrupted_runs(consumer):
    key = ("user_id", "period_start")
    consumer.load_events(FIRST)
    consumer.dbt("run", "--select", "+visits_wk")
    schema = consumer.engine.schema
    # the model's table dropped: the next run builds it afresh
    consumer.engine.execute([f"drop table {schema}.visits_wk"])
    consumer.append_events(LATER)
    consumer.dbt("run", "--select", "visits_wk")
    assert canonical(consumer.rows("visits_wk"), key) == canonical(states_expected(FIRST + LATER), key)
    # its run state dropped: the settings cannot be checked
    consumer.engine.execute([f"drop table {schema}.visits_wk__run_state"])
    refused(consumer, "visits_wk", ["activation_states: model visits_wk: the table", "exists but has no run "
                                    "state in", "rebuild it with --full-refresh"])
    consumer.dbt("run", "--select", "visits_wk", "--full-refresh")
    states = consumer.rows("visits_wk__run_state")
    assert [(r["run_number"], r["run_status"], r["run_mode"]) for r in states] == [(1, "complete", "full_build")]
    # a run that began with other settings and did not finish (on an engine without
    # transactions, its 'started' row is all that is left of it)
    configuration = states[0]["model_configuration"].replace('"UTC"', '"Asia/Seoul"')
    consumer.engine.execute([
        f"insert into {schema}.visits_wk__run_state (run_number, run_status, run_mode, model_configuration, "
        f"watermark_at, run_details, dbt_invocation_id, recorded_at) select 2, 'started', 'normal', "
        f"'{configuration}', cast(null as timestamp), '{{}}', 'x', cast(null as timestamp)"])
    refused(consumer, "visits_wk", ["its last run (run 2, normal) was interrupted after it began with other "
                                    "settings than this run's"])
    consumer.dbt("run", "--select", "visits_wk", "--full-refresh")
    assert canonical(consumer.rows("visits_wk"), key) == canonical(states_expected(FIRST + LATER), key)


@pytest.mark.parametrize("engine_name", [e for e in selected_engines() if e in ("duckdb", "postgres")])
def test_time_columns_give_the_same_rows_whatever_the_session_time_zone(tmp_path, warehouse_engine, engine_name):
    """A timestamp with time zone (and a date) activity column, with the session time zone set
    to America/Los_Angeles, over a full build and an incremental run: the rows a UTC session
    gets from a timestamp column holding UTC. A text column is refused."""
    models = {
        "staging/events": """
            select
                raw_events.user_id, raw_events.event_name, raw_events.country, raw_events.device_os,
                raw_events.event_at at time zone 'UTC' as event_at,
                cast(raw_events.event_at as date) as event_on,
                cast(raw_events.event_at as {{ dbt.type_string() }}) as event_at_text
            from {{ source('raw', 'app_events') }} as raw_events""",
        "members": MODELS["members"],
        "visits_wk": MODELS["visits_wk"],
        "visits_daily": "{{ dbt_activation." + STATES + ", grain='day') }}",
        "visits_by_date": "{{ dbt_activation.activation_states(source=ref('events'), activity_at='event_on', "
                          "grain='day') }}",
        "visits_first_last": MODELS["visits_first_last"],
        "funnel": MODELS["funnel"],
    }
    project = ConsumerWarehouse(tmp_path, warehouse_engine(engine_name), models)
    zone = "America/Los_Angeles"
    project.session_time_zone(zone)
    project.load_events(FIRST)
    project.dbt("run")
    project.append_events(LATER)
    project.dbt("run")
    events = FIRST + LATER
    key = ("user_id", "period_start")
    assert canonical(project.rows("visits_wk"), key) == canonical(states_expected(events), key)
    assert canonical(project.rows("visits_daily"), key) == canonical(states_expected(events, "day", ()), key)
    by_date = [dict(e, event_at=dt.datetime.combine(e["event_at"].date(), dt.time())) for e in events]
    assert canonical(project.rows("visits_by_date"), key) == canonical(states_expected(by_date, "day", ()), key)
    assert canonical(project.rows("funnel"), ("user_id", "event_name")) == canonical(
        funnel_expected(events), ("user_id", "event_name"))
    first_last = {r["user_id"]: (r["first_active_at"], r["last_active_at"]) for r in project.rows("visits_first_last")}
    assert first_last["a"] == (ts("2025-01-01 09:00"), ts("2025-01-15 18:00:00.250000"))
    project.write_models({"visits_text": "{{ dbt_activation." + STATES.replace("'event_at'", "'event_at_text'")
                          + ", grain='day') }}"})
    result = project.dbt("run", "--select", "visits_text", expect_success=False)
    text = " ".join(str(r.message) for r in result.result or [])
    assert ('activation_states: activity_at must name a timestamp, timestamp with time zone or date column; '
            'column "event_at_text" of') in text


@pytest.mark.parametrize("engine_name", [e for e in selected_engines() if e != "spark"])
def test_models_built_side_by_side_keep_their_own_run_state(tmp_path, warehouse_engine, engine_name):
    """Four threads, five incremental models in one run, twice: each has its own run state,
    with a complete row per run."""
    models = dict(MODELS, visits_daily="{{ dbt_activation." + STATES + ", grain='day') }}",
                  visits_monthly="{{ dbt_activation." + STATES + ", grain='month') }}")
    project = ConsumerWarehouse(tmp_path, warehouse_engine(engine_name), models, threads=4)
    project.load_events(FIRST)
    project.dbt("run")
    project.append_events(LATER)
    project.dbt("run")
    for model in ("visits_wk", "visits_daily", "visits_monthly", "visits_first_last", "funnel"):
        runs = sorted((r["run_number"], r["run_status"], r["run_mode"]) for r in project.rows(f"{model}__run_state"))
        assert runs == [(1, "complete", "full_build"), (2, "complete", "normal"), (2, "started", "normal")], model


def test_the_summary_and_the_generic_tests_read_the_model_s_configuration(consumer):
    """Any model name works: the grain and week start come from the activation model's
    recorded configuration; a grain given that disagrees is refused."""
    consumer.write_models({
        "my_states_day": "{{ dbt_activation." + STATES + ", grain='day', week_start='sunday') }}",
        "my_states_day_summary": "{{ dbt_activation.activation_summary(activation=ref('my_states_day')) }}",
    })
    (consumer.project / "models" / "my_states.yml").write_text(
        "version: 2\nmodels:\n  - name: my_states_day\n    data_tests:\n"
        "      - dbt_activation.activation_accounting\n      - dbt_activation.activation_state_columns\n"
        "      - dbt_activation.activation_accounting:\n          name: accounting_of_some_users\n"
        "          config: {where: \"user_id <> 'b'\"}\n")
    consumer.load_events(FIRST)
    consumer.dbt("build", "--select", "+my_states_day_summary", "my_states_day")
    summary = consumer.rows("my_states_day_summary")
    assert len(summary) == 13 and sum(r["new_users"] for r in summary) == 3
    assert [r["is_period_complete"] for r in sorted(summary, key=lambda r: r["period_start"])][-2:] == [True, False]
    consumer.write_models({"my_states_day_summary": "{{ dbt_activation.activation_summary("
                                                    "activation=ref('my_states_day'), grain='week') }}"})
    result = consumer.dbt("run", "--select", "my_states_day_summary", expect_success=False)
    text = " ".join(str(r.message) for r in result.result or [])
    assert 'activation_summary: grain "week" disagrees with the grain "day" that' in text
    assert 'is built with; leave grain out (it is read from the model) or set it to "day"' in text
    # the model file changed and not yet run (here, refused): the summary and the tests refuse
    # rather than compute weekly figures over the stored daily rows
    consumer.write_models({
        "my_states_day": "{{ dbt_activation." + STATES + ", grain='week', week_start='sunday') }}",
        "my_states_day_summary": "{{ dbt_activation.activation_summary(activation=ref('my_states_day')) }}"})
    before = sorted(repr(sorted(row.items())) for row in consumer.rows("my_states_day_summary"))
    message = ('the table of my_states_day was last built with grain "day", but its model now gives grain '
               '"week"; run that model first (dbt run --select my_states_day; a changed grain, time zone or '
               'week start, or an earlier as_of, needs --full-refresh), or restore grain "day"')
    result = consumer.dbt("run", "--select", "my_states_day_summary", expect_success=False)
    assert "activation_summary: " + message in " ".join(str(r.message) for r in result.result or [])
    assert sorted(repr(sorted(row.items())) for row in consumer.rows("my_states_day_summary")) == before
    result = consumer.dbt("test", "--select", "my_states_day", expect_success=False)
    texts = [str(r.message) for r in result.result or []]
    assert len(texts) == 3 and all(message in t for t in texts), texts
    assert any("activation_accounting: " + message in t for t in texts)
    assert any("activation_state_columns: " + message in t for t in texts)
    # once the model is rebuilt with the new grain, they follow it
    consumer.dbt("build", "--select", "my_states_day+", "--full-refresh")
    assert len(consumer.rows("my_states_day_summary")) == 3


# A consumer's override of the package's bound, one period too late (a day for the first
# activation's date partitions): the rows of the first rewritten period are then not replaced
LATE_BOUND = {"late_bound": """
    {% macro default___merge_bound_predicate(alias) %}
        {%- set plan = dbt_activation._run_state_from_sql() -%}
        {%- set bound = plan.details.get('merge_bound') if plan is not none else none -%}
        {%- if not bound -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set first = dbt_activation._as_date(bound['from']) -%}
        {%- set grain = plan.configuration.get('grain', 'day') -%}
        {{ return(alias ~ '.' ~ bound.column ~ ' >= '
            ~ dbt_activation._date_literal(dbt_activation._py_next_period(first, grain))) }}
    {% endmacro %}"""}


@pytest.mark.parametrize("late", [False, True], ids=["real_bound", "bound_one_period_late"])
@pytest.mark.parametrize("engine_name", [e for e in selected_engines() if e != "spark"])
def test_the_merge_bound_is_exact(tmp_path, warehouse_engine, engine_name, late):
    """The bound on the target of the MERGE (BigQuery) or delete (DuckDB, PostgreSQL): with the
    package's, a daily run equals a full refresh; one period later, stored rows of the first
    rewritten period are not replaced and the grain's uniqueness fails. (Spark overwrites the
    partitions a run emits: no bound.)"""
    models = {**MODELS, "visits_daily": "{{ dbt_activation." + STATES + ", grain='day') }}"}
    project = ConsumerWarehouse(tmp_path, warehouse_engine(engine_name), models, macros=LATE_BOUND if late else None)
    (project.project / "models" / "unique.yml").write_text(
        "version: 2\nmodels:\n  - name: visits_daily\n    data_tests:\n"
        "      - dbt_activation.unique_combination_of_columns:\n"
        "          arguments: {combination_of_columns: [user_id, period_start]}\n")
    project.load_events(FIRST)
    project.dbt("run", "--select", "+visits_daily")
    project.append_events(LATER)
    project.dbt("run", "--select", "visits_daily")
    result = project.dbt("test", "--select", "visits_daily", expect_success=not late)
    key = ("user_id", "period_start")
    if late:
        assert not result.success and sum(r.failures or 0 for r in result.result) >= 1
    else:
        assert canonical(project.rows("visits_daily"), key) == canonical(states_expected(FIRST + LATER, "day", ()), key)
