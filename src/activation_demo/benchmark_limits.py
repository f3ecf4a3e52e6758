"""The benchmark's *limit queries*: for each demo activation model, the simplest correct
SQL for the same output, as one plain ``create table ... as select`` on DuckDB, in
``limits/*.sql`` (templates: the names in braces are filled here).

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
from pathlib import Path

LIMITS_DIR = Path(__file__).with_name("limits")


def _template(name: str) -> str:
    """A limit query's template, limits/<name>.sql, without its opening comment."""
    text = (LIMITS_DIR / f"{name}.sql").read_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith("--")) + "\n"

LIMIT_SCHEMA = "bench_limit"
MODEL_SCHEMA = "main"

KEY_EVENTS = ("add_to_cart", "purchase")

# ---------------------------------------------------------------------------------------
# first_activation_events: min per user and key event at or after the first visit,
# joined to the user's first visit, plus one first_visit row per user.
# ---------------------------------------------------------------------------------------

FIRST_ACTIVATION = _template("first_activation_events")

# ---------------------------------------------------------------------------------------
# activation_first_last: min / max activity per user.
# ---------------------------------------------------------------------------------------

FIRST_LAST = _template("activation_first_last")

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

STATES = _template("activation_states")

# ---------------------------------------------------------------------------------------
# activation_summary: counts per period over a spine of every period, then windows.
# ---------------------------------------------------------------------------------------

SUMMARY = _template("activation_summary")


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
