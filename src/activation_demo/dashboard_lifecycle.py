"""The lifecycle data of activation models: small aggregates of each ``activation_states``
model (its summary, transition counts, streak and gap distributions, retention triangle)
and, per metric, DAU / WAU / MAU from its daily model.

The summary is the model's ``activation_summary`` model when it has one; otherwise the
same definitions are computed here (``summary_sql``), the open period included: every
period but the last is complete, and the last (the as-of period) is complete only when the
model's recorded ``as_of`` date is its last day or later.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from activation_demo.dashboard_discovery import GRAINS, ActivationSource
from activation_demo.dashboard_warehouse import Warehouse

RETENTION_MAX_PERIODS = 120  # the triangle keeps the latest cohorts and periods within this

SUMMARY_COLUMNS = ["period_start", "active_users", "new_users", "retained_users", "reactivated_users",
                   "churned_users", "dormant_users", "retention_rate", "reactivation_rate", "quick_ratio",
                   "is_period_complete"]


def summary_sql(activation: str, grain: str, as_of: str | None = None) -> str:
    """The activation_summary macro's definitions, for a model that has no summary: one row
    per period from the model's first period to its last one or, when later, the period
    of ``as_of`` (its periods are aligned on the model's own, so its week start holds)."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}; got {grain!r}")
    as_of_date = dt.date.fromisoformat(as_of) if as_of else None
    as_of_period = {
        None: "max(period_start)",
        "day": f"date '{as_of_date}'",
        "week": f"min(period_start) + 7 * cast(floor((date '{as_of_date}' - min(period_start)) / 7) as integer)",
        "month": f"cast(date_trunc('month', date '{as_of_date}') as date)",
    }[grain if as_of_date else None]
    as_of_ends_last = (f"date '{as_of_date}' >= cast(bounds.last_period + interval 1 {grain} as date) - 1"
                       if as_of_date else "false")
    return f"""
        with activation as (select * from {activation}),
        bounds as (
            select min(period_start) as first_period,
                   greatest(max(period_start), {as_of_period}) as last_period
            from activation
        ),
        periods as (
            select cast(unnest(generate_series(
                cast(first_period as timestamp), cast(last_period as timestamp), interval 1 {grain})) as date)
                as period_start
            from bounds where first_period is not null
        ),
        counts as (
            select
                period_start,
                count(*) filter (where is_active) as active_users,
                count(*) filter (where activation_state = 'new') as new_users,
                count(*) filter (where activation_state = 'retained') as retained_users,
                count(*) filter (where activation_state = 'reactivated') as reactivated_users,
                count(*) filter (where activation_state = 'inactive') as churned_users
            from activation group by period_start
        ),
        filled as (
            select periods.period_start,
                coalesce(active_users, 0) as active_users, coalesce(new_users, 0) as new_users,
                coalesce(retained_users, 0) as retained_users,
                coalesce(reactivated_users, 0) as reactivated_users,
                coalesce(churned_users, 0) as churned_users
            from periods left outer join counts on periods.period_start = counts.period_start
        ),
        with_dormant as (
            select *, sum(new_users) over (order by period_start rows unbounded preceding)
                - new_users - retained_users - reactivated_users as dormant_users
            from filled
        )
        select
            period_start, active_users, new_users, retained_users, reactivated_users, churned_users,
            cast(dormant_users as bigint) as dormant_users,
            retained_users / nullif(lag(active_users) over (order by period_start), 0) as retention_rate,
            reactivated_users / nullif(lag(dormant_users) over (order by period_start), 0) as reactivation_rate,
            (new_users + reactivated_users) / nullif(churned_users, 0) as quick_ratio,
            period_start < bounds.last_period or {as_of_ends_last} as is_period_complete
        from with_dormant cross join bounds
    """


def summary_data(wh: Warehouse, source: ActivationSource) -> dict[str, list[Any]]:
    if wh.has(source.summary):
        sql = f"select {', '.join(SUMMARY_COLUMNS)} from {wh.relation(source.summary)}"
    else:
        sql = summary_sql(wh.relation(source.model), source.grain, source.as_of)
    return wh.query(f"select * from ({sql}) as summary order by period_start")


def transition_data(wh: Warehouse, model: str) -> dict[str, list[Any]]:
    return wh.query(f"""
        select coalesce(previous_state, 'none') as previous_state, activation_state,
               count(*) as transition_rows
        from {wh.relation(model)} group by all order by all""")


def streak_data(wh: Warehouse, model: str) -> dict[str, list[Any]]:
    """Streaks counted once at their final length; ongoing = still running in the last row."""
    return wh.query(f"""
        with user_rows as (
            select active_streak, is_active,
                   lead(activation_state) over (partition by user_id order by period_start) as next_state
            from {wh.relation(model)}
        )
        select active_streak as streak_length,
               count(*) filter (where next_state is not null) as ended_streaks,
               count(*) filter (where next_state is null) as ongoing_streaks
        from user_rows
        where is_active and (next_state is null or next_state != 'retained')
        group by active_streak order by active_streak""")


def gap_data(wh: Warehouse, model: str) -> dict[str, list[Any]]:
    return wh.query(f"""
        select inactive_periods, count(*) as reactivations
        from {wh.relation(model)} where activation_state = 'reactivated'
        group by inactive_periods order by inactive_periods""")


def retention_data(wh: Warehouse, model: str, periods: list[str],
                   max_periods: int = RETENTION_MAX_PERIODS) -> dict[str, Any]:
    """The retention triangle over the model's contiguous ``periods``: per cohort (first
    active period) its users and, for each period from its start on, its active users.
    Only the latest ``max_periods`` cohorts, each up to ``max_periods`` periods."""
    relation = wh.relation(model)
    sizes = wh.query(f"""
        select first_active_period, count(distinct user_id) as cohort_users
        from {relation} group by first_active_period order by first_active_period""")
    cells = wh.query(f"""
        select first_active_period, period_start, count(distinct user_id) as active_users
        from {relation} where is_active group by all""")
    index = {period: i for i, period in enumerate(periods)}
    active = {(cohort, period): users for cohort, period, users
              in zip(cells["first_active_period"], cells["period_start"], cells["active_users"])}
    cohorts = [(c, n) for c, n in zip(sizes["first_active_period"], sizes["cohort_users"])][-max_periods:]
    return {
        "cohorts": [c for c, _ in cohorts],
        "cohort_users": [n for _, n in cohorts],
        "active_users": [[active.get((c, p), 0) for p in periods[index[c]:index[c] + max_periods]]
                         for c, _ in cohorts],
    }


def active_windows_data(wh: Warehouse, daily_model: str) -> dict[str, Any]:
    """DAU, WAU (7 days) and MAU (30 days) per day of a daily model. A user counts on day x
    in a window of W days when active on one of x-W+1..x: each active day a covers
    a..min(a+W, next active day)-1, so the counts are running sums of +1 / -1 steps."""
    relation = wh.relation(daily_model)
    data = wh.query(f"""
        with active_days as (
            select period_start as day,
                   lead(period_start) over (partition by user_id order by period_start) as next_day
            from {relation} where is_active
        ),
        steps as (
            select day, 1 as dau, 1 as wau, 1 as mau from active_days
            union all select day + 1, -1, 0, 0 from active_days
            union all select least(day + 7, coalesce(next_day, day + 7)), 0, -1, 0 from active_days
            union all select least(day + 30, coalesce(next_day, day + 30)), 0, 0, -1 from active_days
        ),
        daily_steps as (select day, sum(dau) as dau, sum(wau) as wau, sum(mau) as mau from steps group by day),
        days as (
            select cast(range as date) as day
            from range(
                (select cast(min(period_start) as timestamp) from {relation}),
                (select cast(max(period_start) as timestamp) from {relation}) + interval 1 day,
                interval 1 day)
        )
        select days.day,
            cast(sum(coalesce(dau, 0)) over (order by days.day) as bigint) as daily_active_users,
            cast(sum(coalesce(wau, 0)) over (order by days.day) as bigint) as weekly_active_users,
            cast(sum(coalesce(mau, 0)) over (order by days.day) as bigint) as monthly_active_users
        from days left outer join daily_steps on days.day = daily_steps.day
        order by days.day""")
    return {"model": daily_model, **data}


def activity_through(wh: Warehouse, sources: list[ActivationSource]) -> str | None:
    """The latest day a metric's users were active: its daily model's last active day, or None
    (a weekly or monthly model does not say which day of its last period the data reaches)."""
    for source in sources:
        if source.grain == "day":
            latest = wh.scalar(f"select max(period_start) from {wh.relation(source.model)} where is_active")
            return latest.isoformat() if latest else None
    return None


def lifecycle_payload(wh: Warehouse, source: ActivationSource) -> dict[str, Any]:
    summary = summary_data(wh, source)
    periods = summary["period_start"]
    return {
        "model": source.model,
        "metric": source.metric,
        "grain": source.grain,
        "week_start": source.week_start,
        "timezone": source.timezone,
        "as_of": source.as_of,
        "summary_model": source.summary if wh.has(source.summary) else None,
        "last_period": periods[-1] if periods else None,
        "summary": summary,
        "transitions": transition_data(wh, source.model),
        "streaks": streak_data(wh, source.model),
        "gaps": gap_data(wh, source.model),
        "retention": retention_data(wh, source.model, periods),
    }


def settings_not_built(wh: Warehouse, source: ActivationSource) -> str | None:
    """The settings of the manifest (the model file, perhaps changed since) that the
    model's table was not built with, as its run state records them, e.g. ``grain 'day'
    (now 'week')``; None when they agree or nothing is recorded."""
    built = wh.built_with(source.model)
    if built is None:
        return None
    given = {"grain": source.grain, "timezone": source.timezone,
             "week_start": source.week_start if source.grain == "week" else None, "as_of": source.as_of}
    changed = [f"{name} {built.get(name)!r} (now {value!r})" for name, value in given.items()
               if built.get(name) != value]
    return ", ".join(changed) or None


def lifecycle_metrics(wh: Warehouse, activations: tuple[ActivationSource, ...]) -> list[dict[str, Any]]:
    by_metric: dict[str, list[ActivationSource]] = defaultdict(list)
    for source in activations:
        if not wh.has(source.model):
            print(f"dashboard: skipping {source.model}: in the manifest but not in the warehouse")
        elif changed := settings_not_built(wh, source):
            print(f"dashboard: skipping {source.model}: its table was last built with {changed}, "
                  "not what its model now gives: run the model first")
        else:
            by_metric[source.metric].append(source)
    metrics = []
    for metric, sources in by_metric.items():
        daily = next((s.model for s in sources if s.grain == "day"), None)
        metrics.append({
            "metric": metric,
            "activity_through": activity_through(wh, sources),
            "models": [lifecycle_payload(wh, s) for s in sources],
            "active_windows": active_windows_data(wh, daily) if daily else None,
        })
    return metrics
