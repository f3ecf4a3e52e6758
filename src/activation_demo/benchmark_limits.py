"""The benchmark's *limit queries*: for each demo activation model, the simplest correct
SQL for the same output, as one plain ``create table ... as select`` on DuckDB.

They are written from the README's definitions, not from the macros: no incremental
machinery, no compile-time plan, just a group-by or window query over the same upstream
tables the models read (``fact__events``, ``fact__purchases``, ``dim__users`` and, for the
summaries, the activation model). A model's full build is held against its limit query's
time, and the two tables must be equal (see :mod:`activation_demo.benchmark`).

The demo runs with the default vars: time zone UTC, weeks from Monday, no as-of date
(the as-of period is the period of the latest activity).
"""
from __future__ import annotations

from dataclasses import dataclass

LIMIT_SCHEMA = "bench_limit"
MODEL_SCHEMA = "main"

KEY_EVENTS = ("add_to_cart", "purchase")

# ---------------------------------------------------------------------------------------
# first_activation_events: min per user and key event at or after the first visit,
# joined to the user's first visit, plus one first_visit row per user.
# ---------------------------------------------------------------------------------------

FIRST_ACTIVATION = """
create or replace table {out} as
with users as (

    select user_id, first_datetime
    from {models}.dim__users
    where user_id is not null and first_datetime is not null

),

firsts as (

    select users.user_id, 'first_visit' as event_name, users.first_datetime as datetime
    from users

    union all

    select events.user_id, events.event_name, min(events.datetime) as datetime
    from {models}.fact__events as events
    inner join users
        on events.user_id = users.user_id
    where
        events.event_name in ({key_events})
        and events.datetime >= users.first_datetime
    group by events.user_id, events.event_name

)

select
    cast(firsts.datetime as date) as date,
    firsts.datetime,
    firsts.user_id,
    firsts.event_name,
    cast(users.first_datetime as date) as first_visit_date,
    users.first_datetime as first_visit_datetime,
    date_diff('hour', date_trunc('hour', users.first_datetime), date_trunc('hour', firsts.datetime)) + 1
        as hours_from_first_visit,
    date_diff('day', cast(users.first_datetime as date), cast(firsts.datetime as date)) + 1
        as days_from_first_visit
from firsts
inner join users
    on firsts.user_id = users.user_id
"""

# ---------------------------------------------------------------------------------------
# activation_first_last: min / max activity per user.
# ---------------------------------------------------------------------------------------

FIRST_LAST = """
create or replace table {out} as
select
    user_id,
    min(datetime) as first_active_at,
    max(datetime) as last_active_at
from {models}.{source}
where user_id is not null and datetime is not null
group by user_id
"""

# ---------------------------------------------------------------------------------------
# activation_states: group by user and period, then one window pass per user (lag / lead
# / row_number) and gaps-and-islands for the streak. A period is numbered (days, weeks or
# months since an epoch) so that "consecutive" is "number differs by one".
# ---------------------------------------------------------------------------------------

PERIOD_START = {
    "day": "cast({ts} as date)",
    "week": "cast(date_trunc('week', {ts}) as date)",  # ISO weeks: Monday
    "month": "cast(date_trunc('month', {ts}) as date)",
}
PERIOD_NUMBER = {
    "day": "(period_start - date '1970-01-01')",
    "week": "((period_start - date '1970-01-05') // 7)",  # 1970-01-05 is a Monday
    "month": "(year(period_start) * 12 + month(period_start))",
}

STATES = """
create or replace table {out} as
with activity as (

    select *
    from {models}.{source}
    where user_id is not null and datetime is not null

),

-- one row per user and active period, with the first non-null attribute values
active_periods as (

    select
        user_id,
        {period_start} as period_start{attribute_aggregates}
    from activity
    group by user_id, period_start

),

-- the period of the latest activity
as_of as (

    select max(period_start) as as_of_period
    from active_periods

),

sequenced as (

    select
        *,
        period_number - lag(period_number) over by_user as gap,
        lag(period_number) over by_user - lag(period_number, 2) over by_user as previous_gap,
        lead(period_number) over by_user - period_number as gap_to_next,
        row_number() over by_user as lifetime_active_periods,
        first_value(period_start) over by_user as first_active_period
    from (select *, {period_number} as period_number from active_periods) as numbered
    window by_user as (partition by user_id order by period_number)

),

active_rows as (

    select
        period_start,
        user_id,
        case when gap is null then 'new' when gap = 1 then 'retained' else 'reactivated' end
            as activation_state,
        case
            when gap is null then null
            when gap > 1 then 'inactive'
            when previous_gap is null then 'new'
            when previous_gap = 1 then 'retained'
            else 'reactivated'
        end as previous_state,
        true as is_active,
        -- islands: consecutive periods share period_number - lifetime_active_periods
        row_number() over (
            partition by user_id, period_number - lifetime_active_periods order by period_number
        ) as active_streak,
        gap as periods_since_last_active,
        gap - 1 as inactive_periods,
        first_active_period,
        lifetime_active_periods,
        gap_to_next{attribute_columns}
    from sequenced

),

-- the churn row: the period after an active period that the next one does not follow
churn_rows as (

    select
        cast(active_rows.period_start + interval 1 {grain} as date) as period_start,
        active_rows.user_id,
        'inactive' as activation_state,
        active_rows.activation_state as previous_state,
        false as is_active,
        0 as active_streak,
        1 as periods_since_last_active,
        0 as inactive_periods,
        active_rows.first_active_period,
        active_rows.lifetime_active_periods{null_attributes}
    from active_rows
    inner join as_of
        on active_rows.period_start + interval 1 {grain} <= as_of.as_of_period
    where active_rows.gap_to_next is null or active_rows.gap_to_next > 1

),

all_rows as (

    select * exclude (gap_to_next) from active_rows
    union all
    select * from churn_rows

)

select
    period_start,
    user_id,
    activation_state,
    previous_state,
    coalesce(previous_state, 'none') || '_to_' || activation_state as state_transition,
    is_active,
    active_streak,
    periods_since_last_active,
    inactive_periods,
    first_active_period,
    lifetime_active_periods{attribute_names}
from all_rows
"""

# ---------------------------------------------------------------------------------------
# activation_summary: counts per period over a spine of every period, then windows.
# ---------------------------------------------------------------------------------------

SUMMARY = """
create or replace table {out} as
with counts as (

    select
        period_start,
        count(*) filter (where is_active) as active_users,
        count(*) filter (where activation_state = 'new') as new_users,
        count(*) filter (where activation_state = 'retained') as retained_users,
        count(*) filter (where activation_state = 'reactivated') as reactivated_users,
        count(*) filter (where activation_state = 'inactive') as churned_users
    from {models}.{activation}
    group by period_start

),

spine as (

    select cast(range as date) as period_start
    from range(
        (select min(period_start) from counts),
        (select max(period_start) + interval 1 {grain} from counts),
        interval 1 {grain}
    )

),

filled as (

    select
        spine.period_start,
        coalesce(counts.active_users, 0) as active_users,
        coalesce(counts.new_users, 0) as new_users,
        coalesce(counts.retained_users, 0) as retained_users,
        coalesce(counts.reactivated_users, 0) as reactivated_users,
        coalesce(counts.churned_users, 0) as churned_users,
        sum(coalesce(counts.new_users, 0)) over (order by spine.period_start)
            - coalesce(counts.active_users, 0) as dormant_users
    from spine
    left join counts
        on spine.period_start = counts.period_start

)

select
    period_start,
    active_users,
    new_users,
    retained_users,
    reactivated_users,
    churned_users,
    dormant_users,
    retained_users / nullif(lag(active_users) over (order by period_start), 0) as retention_rate,
    reactivated_users / nullif(lag(dormant_users) over (order by period_start), 0) as reactivation_rate,
    (new_users + reactivated_users) / nullif(churned_users, 0) as quick_ratio,
    -- the last period is still open (the benchmark sets no as_of)
    period_start < max(period_start) over () as is_period_complete
from filled
"""


# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limit:
    """A model of the demo and its limit query."""

    model: str
    kind: str  # first_activation | first_last | states | summary
    sql: str  # the create-table statement, writing LIMIT_SCHEMA.<model>
    incremental: bool  # the model is incremental (summaries are tables rebuilt each run)

    @property
    def table(self) -> str:
        return f"{LIMIT_SCHEMA}.{self.model}"


def _states_sql(source: str, grain: str, attributes: tuple[str, ...]) -> str:
    period_start = PERIOD_START[grain]
    return STATES.format(
        out="{out}",
        models="{models}",
        source=source,
        grain=grain,
        period_start=period_start.format(ts="datetime"),
        period_number=PERIOD_NUMBER[grain],
        # the first non-null value in the period (ties: the smallest value)
        attribute_aggregates="".join(
            f",\n        arg_min({a}, (datetime, {a})) filter (where {a} is not null) as {a}"
            for a in attributes),
        attribute_columns="".join(f",\n        {a}" for a in attributes),
        null_attributes="".join(f",\n        null as {a}" for a in attributes),
        attribute_names="".join(f",\n    {a}" for a in attributes),
    )


def _limits() -> list[Limit]:
    key_events = ", ".join(f"'{name}'" for name in KEY_EVENTS)
    limits = [
        Limit("fact__first_activation_events", "first_activation",
              FIRST_ACTIVATION.replace("{key_events}", key_events), True),
        Limit("fact_app_visit_first_last", "first_last",
              FIRST_LAST.replace("{source}", "fact__events"), True),
        Limit("fact_purchase_first_last", "first_last",
              FIRST_LAST.replace("{source}", "fact__purchases"), True),
    ]
    app_attributes = ("country", "device_os")
    for name, source, grain, attributes in [
        ("fact_app_visit_activation_daily", "fact__events", "day", app_attributes),
        ("fact_app_visit_activation_weekly", "fact__events", "week", app_attributes),
        ("fact_app_visit_activation_monthly", "fact__events", "month", app_attributes),
        ("fact_purchase_activation_weekly", "fact__purchases", "week", ()),
    ]:
        limits.append(Limit(name, "states", _states_sql(source, grain, attributes), True))
    for name, grain in [
        ("fact_app_visit_activation_daily", "day"),
        ("fact_app_visit_activation_weekly", "week"),
        ("fact_app_visit_activation_monthly", "month"),
        ("fact_purchase_activation_weekly", "week"),
    ]:
        sql = SUMMARY.replace("{activation}", name).replace("{grain}", grain)
        limits.append(Limit(f"{name}_summary", "summary", sql, False))
    return [
        Limit(limit.model, limit.kind,
              limit.sql.replace("{out}", limit.table).replace("{models}", MODEL_SCHEMA),
              limit.incremental)
        for limit in limits
    ]


LIMITS: list[Limit] = _limits()
LIMITS_BY_MODEL: dict[str, Limit] = {limit.model: limit for limit in LIMITS}
