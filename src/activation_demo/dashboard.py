"""``activation-demo dashboard``: the activation dashboard, one self-contained static page.

The page is built from the standard outputs of the dbt project only, discovered from its
manifest (nothing about the demo is hard-coded):

- **first-activation facts**: models whose code calls ``first_activation_events``; the
  ``users`` model of that call supplies the attributes of the funnel breakdown (its
  low-cardinality text columns) and the key events come from the call (checked against
  the data);
- **activation models**: models calling ``activation_states`` (grain from the call's
  ``grain`` argument, or the ``_daily|_weekly|_monthly`` name suffix), grouped into
  metrics by their ``fact_<metric>_activation_<grain>`` name (or, failing that, their
  FirstLast model);
- **summaries**: models calling ``activation_summary`` on an activation model (computed
  the same way when a model has none).

A model whose meta has ``dashboard: false`` is left out.

(The date of a metric's latest activity, which says whether its last week or month is
still in progress, is its daily model's last day, else the latest activity in the
FirstLast model its ``activation_states`` calls read.)

DuckDB queries turn them into small aggregates (never one row per user): for the funnel,
first-visit users counted per (cohort day, attribute value, day of key event 1, day of key
event 2), days capped at ``max_days`` (later or never = 0), from which the page computes
any window N, M <= ``max_days`` at any cohort grain in the browser; for each activation
model its summary, transition counts, streak and gap distributions and retention
triangle, and per metric DAU / WAU / MAU from its daily model. The page embeds the data
as JSON and plotly.js, so it opens from the file system with no network, and draws the
charts with Plotly (``templates/dashboard.js``) into a Jinja template
(``templates/dashboard.html.j2``).
"""
from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_DIR / "target" / "activation.duckdb"
DEFAULT_MANIFEST = PROJECT_DIR / "target" / "manifest.json"
DEFAULT_OUT = PROJECT_DIR / "target" / "dashboard" / "index.html"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

GRAIN_OF_SUFFIX = {"daily": "day", "weekly": "week", "monthly": "month"}
GRAINS = ("day", "week", "month")
MAX_DAYS = 30            # funnel windows N, M selectable in the page: 1..MAX_DAYS
TOP_VALUES = 12          # attribute values kept by name; the rest are "(other)"
MAX_ATTRIBUTE_VALUES = 1000  # text columns with more distinct values are not attributes
RETENTION_MAX_PERIODS = 120  # the triangle keeps the latest cohorts and periods within this
ALL_USERS = "(all users)"
NO_VALUE = "(none)"
OTHER_VALUE = "(other)"

DEFINITIONS = [
    ("new", "the user's first active period ever."),
    ("retained", "active in this period and in the previous one."),
    ("reactivated", "active in this period, not in the previous one, active before."),
    ("churned (inactive)", "not active in this period but active in the previous one."),
    ("dormant", "active before this period and not active in it."),
    ("retention rate", "retained users / active users of the previous period."),
    ("reactivation rate", "reactivated users / dormant users of the previous period."),
    ("quick ratio", "(new + reactivated) / churned users; above 1 the active base grows."),
    ("stickiness", "DAU / MAU, DAU / WAU: share of the 30-day (7-day) active users active on the day."),
    ("funnel window", "days 1..N, day 1 = the first visit's; a cohort is open until day max(N, M) has data."),
]


# ---------------------------------------------------------------------------------------
# Discovery: which models to show, from the dbt manifest
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelSource:
    """A first-activation model and what its ``first_activation_events`` call says."""

    model: str
    users: str | None
    key_events: tuple[str, ...] | None
    first_visit_event: str = "first_visit"
    user_id: str = "user_id"
    first_visit_at: str = "first_datetime"


@dataclass(frozen=True)
class ActivationSource:
    """An activation model (``activation_states``) and its summary, if any."""

    model: str
    metric: str
    grain: str
    summary: str | None = None
    first_last: str | None = None


@dataclass(frozen=True)
class Project:
    funnels: tuple[FunnelSource, ...]
    activations: tuple[ActivationSource, ...]


def load_manifest(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no dbt manifest at {path}: run `dbt parse` (or `activation-demo demo`) first")
    return json.loads(path.read_text())


def macro_arguments(raw_code: str, macro: str) -> dict[str, str] | None:
    """The keyword arguments (name -> source text) of the first call of ``macro`` in
    ``raw_code``, or None when the code does not call it."""
    match = re.search(r"\b" + re.escape(macro) + r"\s*\(", raw_code)
    if not match:
        return None
    arguments, depth, start, quote = {}, 0, match.end(), None
    parts, i = [], start
    while i < len(raw_code):
        char = raw_code[i]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif char == ")" or (char == "," and depth == 0):
            parts.append(raw_code[start:i])
            start = i + 1
            if char == ")":
                break
        i += 1
    for part in parts:
        name, sep, value = part.partition("=")
        if sep and re.fullmatch(r"\s*\w+\s*", name):
            arguments[name.strip()] = value.strip()
        elif part.strip():
            arguments[f"_{len(arguments)}"] = part.strip()  # positional
    return arguments


def ref_name(text: str | None) -> str | None:
    match = re.search(r"\bref\(\s*['\"]([^'\"]+)['\"]\s*(?:,\s*['\"]([^'\"]+)['\"]\s*)?\)", text or "")
    if not match:
        return None
    return match.group(2) or match.group(1)  # ref('package', 'model') or ref('model')


def string_value(text: str | None) -> str | None:
    match = re.fullmatch(r"\s*['\"]([^'\"]*)['\"]\s*", text or "")
    return match.group(1) if match else None


def list_value(text: str | None) -> tuple[str, ...] | None:
    """A list literal, or the default list of ``var('name', [...])``."""
    match = re.search(r"\[[^\[\]]*\]", text or "")
    if not match:
        return None
    try:
        value = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError):
        return None
    return tuple(str(v) for v in value) if isinstance(value, list) else None


def metric_and_grain(model: str, grain_argument: str | None) -> tuple[str, str | None]:
    match = re.fullmatch(r"(?:fact_)?(.+?)_activation_(daily|weekly|monthly)", model)
    grain = string_value(grain_argument) if grain_argument else None
    if match:
        return match.group(1), grain or GRAIN_OF_SUFFIX[match.group(2)]
    return model, grain


def _models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The models, but those whose meta says ``dashboard: false`` (e.g. the worked examples,
    which call the macros on seeds to test them and are not metrics)."""
    return sorted((node for node in manifest.get("nodes", {}).values()
                   if node.get("resource_type") == "model"
                   and (node.get("config") or {}).get("meta", {}).get("dashboard") is not False),
                  key=lambda node: node["name"])


def discover(manifest: dict[str, Any]) -> Project:
    """The first-activation models, activation models and summaries of a dbt manifest."""
    funnels, activations, summaries = [], [], {}
    for node in _models(manifest):
        code = node.get("raw_code") or ""
        name = node.get("alias") or node["name"]
        if (call := macro_arguments(code, "first_activation_events")) is not None:
            funnels.append(FunnelSource(
                model=name,
                users=ref_name(call.get("users")),
                key_events=list_value(call.get("key_events")),
                first_visit_event=string_value(call.get("first_visit_event")) or "first_visit",
                user_id=string_value(call.get("user_id")) or "user_id",
                first_visit_at=string_value(call.get("first_visit_at")) or "first_datetime",
            ))
        elif (call := macro_arguments(code, "activation_states")) is not None:
            metric, grain = metric_and_grain(name, call.get("grain"))
            first_last = ref_name(call.get("first_last"))
            if metric == name and first_last:  # not named fact_<metric>_activation_<grain>
                metric = re.sub(r"^fact_|_first_last$", "", first_last)
            if grain in GRAINS:
                activations.append(ActivationSource(name, metric, grain, first_last=first_last))
        elif (call := macro_arguments(code, "activation_summary")) is not None:
            target = ref_name(call.get("activation") or call.get("_0"))
            if target:
                summaries.setdefault(target, name)
    activations = [ActivationSource(a.model, a.metric, a.grain, summaries.get(a.model), a.first_last)
                   for a in activations]
    activations.sort(key=lambda a: (a.metric, GRAINS.index(a.grain), a.model))
    return Project(tuple(funnels), tuple(activations))


# ---------------------------------------------------------------------------------------
# Reading the warehouse
# ---------------------------------------------------------------------------------------

class Warehouse:
    """A read-only DuckDB connection that finds each model's table by name."""

    def __init__(self, db_path: Path | str):
        if not Path(db_path).exists():
            raise ValueError(f"no DuckDB warehouse at {db_path}: run `activation-demo demo` first")
        self.con = duckdb.connect(str(db_path), read_only=True)
        self.con.execute("set enable_progress_bar = false")
        rows = self.con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')").fetchall()
        self._schemas: dict[str, list[str]] = defaultdict(list)
        for schema, table in rows:
            self._schemas[table].append(schema)

    def close(self) -> None:
        self.con.close()

    def has(self, model: str | None) -> bool:
        return bool(model) and model in self._schemas

    def relation(self, model: str) -> str:
        """The quoted relation of a model (the manifest's schema may be another target's)."""
        schemas = self._schemas.get(model)
        if not schemas:
            raise ValueError(f"model {model} is in the manifest but not in the warehouse: run dbt build")
        schema = "main" if "main" in schemas else sorted(schemas)[0]
        return f'"{schema}"."{model}"'

    def columns(self, model: str) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in self.con.execute(f"describe {self.relation(model)}").fetchall()]

    def query(self, sql: str, parameters: list[Any] | dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """Rows as columns (name -> list of JSON-ready values)."""
        cursor = self.con.execute(sql, parameters or [])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        return {name: [json_value(row[i]) for row in rows] for i, name in enumerate(names)}

    def scalar(self, sql: str, parameters: list[Any] | None = None) -> Any:
        return self.con.execute(sql, parameters or []).fetchone()[0]


def json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        return round(float(value), 6)
    return value


# ---------------------------------------------------------------------------------------
# Funnel data
# ---------------------------------------------------------------------------------------

def key_events_of(wh: Warehouse, source: FunnelSource) -> list[str]:
    """Key events in the data, in the call's order (then by users, for ones it does not list)."""
    found = wh.query(
        f"select event_name, count(*) as users from {wh.relation(source.model)} "
        "where event_name != ? group by event_name order by users desc, event_name",
        [source.first_visit_event])["event_name"]
    listed = [e for e in (source.key_events or ()) if e in found]
    return listed + [e for e in found if e not in listed]


def attribute_columns(wh: Warehouse, source: FunnelSource) -> list[str]:
    """Text or boolean columns of the users model with at most MAX_ATTRIBUTE_VALUES values."""
    if not wh.has(source.users):
        return []
    skip = {source.user_id.lower(), source.first_visit_at.lower()}
    candidates = [name for name, kind in wh.columns(source.users)
                  if name.lower() not in skip and kind.upper() in ("VARCHAR", "BOOLEAN")]
    if not candidates:
        return []
    counts = wh.con.execute("select " + ", ".join(
        f'count(distinct "{name}")' for name in candidates) + f" from {wh.relation(source.users)}").fetchone()
    return [name for name, count in zip(candidates, counts) if 0 < count <= MAX_ATTRIBUTE_VALUES]


def funnel_buckets(wh: Warehouse, source: FunnelSource, key_events: tuple[str, str],
                   attribute: str | None, max_days: int, top_values: int) -> dict[str, Any]:
    """First-visit users per (cohort day, attribute value, d1, d2): d1 (d2) is the day of the
    first key event 1 (2) counted from the first visit, 1..max_days, 0 when it came later or
    never; d2 is 0 too when d1 is. Values beyond the top ``top_values`` become "(other)"."""
    facts = wh.relation(source.model)
    if attribute is None:
        value, users_join = f"'{ALL_USERS}'", ""
    else:
        value = f'coalesce(cast(users."{attribute}" as varchar), \'{NO_VALUE}\')'
        users_join = (f'left outer join {wh.relation(source.users)} as users '
                      f'on visits.user_id = users."{source.user_id}"')
    result = wh.query(f"""
        with facts as (
            select user_id, event_name, first_visit_date, days_from_first_visit from {facts}
        ),
        visits as (select user_id, first_visit_date from facts where event_name = $first_visit),
        key_1 as (select user_id, days_from_first_visit as days from facts where event_name = $key_1),
        key_2 as (select user_id, days_from_first_visit as days from facts where event_name = $key_2),
        per_user as (
            select
                visits.first_visit_date,
                {value} as attribute_value,
                case when key_1.days <= $max_days then key_1.days else 0 end as d1,
                case when key_1.days <= $max_days and key_2.days <= $max_days then key_2.days else 0 end as d2
            from visits
            left outer join key_1 on visits.user_id = key_1.user_id
            left outer join key_2 on visits.user_id = key_2.user_id
            {users_join}
        ),
        ranked as (
            select attribute_value, row_number() over (order by count(*) desc, attribute_value) as value_rank
            from per_user group by attribute_value
        ),
        bucketed as (
            select
                per_user.first_visit_date,
                case
                    when ranked.value_rank <= $top_values or (select count(*) from ranked) <= $top_values + 1
                        then per_user.attribute_value
                    else '{OTHER_VALUE}'
                end as attribute_value,
                per_user.d1,
                per_user.d2
            from per_user inner join ranked on per_user.attribute_value = ranked.attribute_value
        )
        select first_visit_date, attribute_value, d1, d2, count(*) as users
        from bucketed group by all order by all
    """, {"first_visit": source.first_visit_event, "key_1": key_events[0], "key_2": key_events[1],
          "max_days": max_days, "top_values": top_values})
    totals: dict[str, int] = defaultdict(int)
    for name, users in zip(result["attribute_value"], result["users"]):
        totals[name] += users
    values = sorted(totals, key=lambda v: (v == OTHER_VALUE, -totals[v], v))
    index = {name: i for i, name in enumerate(values)}
    return {
        "attribute": attribute,
        "values": values,
        "value_users": [totals[v] for v in values],
        "rows": {
            "cohort": result["first_visit_date"],
            "value": [index[v] for v in result["attribute_value"]],
            "d1": result["d1"],
            "d2": result["d2"],
            "users": result["users"],
        },
    }


def pack_rows(table: dict[str, Any], first_day: dt.date, max_days: int) -> dict[str, Any]:
    """Encode the bucket rows compactly: each row's (cohort day number from ``first_day``,
    value index, d1, d2) as one integer key, rows sorted by key, keys sent as differences
    from the previous key (small numbers), with the users of each row.
    ``unpack_rows`` (and the page's ``unpackRows``) reverse it."""
    rows, base, n_values = table.pop("rows"), max_days + 1, len(table["values"])
    keys = [
        (((dt.date.fromisoformat(day) - first_day).days * n_values + value) * base + d1) * base + d2
        for day, value, d1, d2 in zip(rows["cohort"], rows["value"], rows["d1"], rows["d2"])
    ]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    previous, deltas = 0, []
    for i in order:
        deltas.append(keys[i] - previous)
        previous = keys[i]
    table["rows"] = {"key_deltas": deltas, "users": [rows["users"][i] for i in order]}
    return table


def unpack_rows(table: dict[str, Any], max_days: int) -> list[tuple[int, int, int, int, int]]:
    """(cohort day number, value index, d1, d2, users) rows of a packed bucket table."""
    base, n_values, key, rows = max_days + 1, len(table["values"]), 0, []
    for delta, users in zip(table["rows"]["key_deltas"], table["rows"]["users"]):
        key += delta
        rest, d2 = divmod(key, base)
        rest, d1 = divmod(rest, base)
        cohort, value = divmod(rest, n_values)
        rows.append((cohort, value, d1, d2, users))
    return rows


def funnel_payload(wh: Warehouse, source: FunnelSource, max_days: int = MAX_DAYS,
                   top_values: int = TOP_VALUES, key_events: tuple[str, str] | None = None) -> dict[str, Any]:
    events = key_events_of(wh, source)
    chosen = tuple(key_events) if key_events else tuple(events[:2])
    if len(chosen) < 2 or any(e not in events for e in chosen):
        raise ValueError(f"{source.model}: need two key events present in the data; found {events}")
    facts = wh.relation(source.model)
    first_cohort, last_cohort, latest_date, latest_at = wh.con.execute(
        f"select min(first_visit_date), max(first_visit_date), max(date), max(datetime) from {facts}").fetchone()
    if first_cohort is None:
        raise ValueError(f"{source.model} is empty")
    # without attributes, one table of all users (with attributes, any one sums to it)
    attributes = attribute_columns(wh, source) or [None]
    tables = [pack_rows(funnel_buckets(wh, source, chosen, a, max_days, top_values), first_cohort, max_days)
              for a in attributes]
    return {
        "model": source.model,
        "users_model": source.users,
        "first_visit_event": source.first_visit_event,
        "key_events": list(chosen),
        "all_key_events": events,
        "max_days": max_days,
        "first_cohort": first_cohort.isoformat(),
        "cohort_days": (last_cohort - first_cohort).days + 1,
        "latest_date": latest_date.isoformat(),
        "latest_at": json_value(latest_at),
        "attributes": tables,
    }


# ---------------------------------------------------------------------------------------
# Lifecycle data (one activation model)
# ---------------------------------------------------------------------------------------

SUMMARY_COLUMNS = ["period_start", "active_users", "new_users", "retained_users", "reactivated_users",
                   "churned_users", "dormant_users", "retention_rate", "reactivation_rate", "quick_ratio"]


def summary_sql(activation: str, grain: str) -> str:
    """The activation_summary macro's definitions, for a model that has no summary."""
    return f"""
        with activation as (select * from {activation}),
        periods as (
            select cast(range as date) as period_start
            from range(
                (select cast(min(period_start) as timestamp) from activation),
                (select cast(max(period_start) as timestamp) from activation) + interval 1 {grain},
                interval 1 {grain})
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
                - active_users as dormant_users
            from filled
        )
        select
            period_start, active_users, new_users, retained_users, reactivated_users, churned_users,
            dormant_users,
            retained_users / nullif(lag(active_users) over (order by period_start), 0) as retention_rate,
            reactivated_users / nullif(lag(dormant_users) over (order by period_start), 0) as reactivation_rate,
            (new_users + reactivated_users) / nullif(churned_users, 0) as quick_ratio
        from with_dormant
    """


def summary_data(wh: Warehouse, source: ActivationSource) -> dict[str, list[Any]]:
    if wh.has(source.summary):
        sql = f"select {', '.join(SUMMARY_COLUMNS)} from {wh.relation(source.summary)}"
    else:
        sql = summary_sql(wh.relation(source.model), source.grain)
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


def period_end(period_start: dt.date, grain: str) -> dt.date:
    """The last day of the period starting on ``period_start``."""
    if grain == "day":
        return period_start
    if grain == "week":
        return period_start + dt.timedelta(days=6)
    following = dt.date(period_start.year + period_start.month // 12, period_start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def activity_as_of(wh: Warehouse, sources: list[ActivationSource]) -> dt.date | None:
    """The latest activity date of a metric: its daily model's last day, else the date of
    the latest activity in its FirstLast model (UTC), else None."""
    for source in sources:
        if source.grain == "day":
            return wh.scalar(f"select max(period_start) from {wh.relation(source.model)}")
    first_last = sources[0].first_last
    if wh.has(first_last):
        latest = wh.scalar(f"select max(last_active_at) from {wh.relation(first_last)}")
        return latest.date() if latest else None
    return None


def lifecycle_payload(wh: Warehouse, source: ActivationSource, as_of: dt.date | None) -> dict[str, Any]:
    summary = summary_data(wh, source)
    periods = summary["period_start"]
    last = dt.date.fromisoformat(periods[-1]) if periods else None
    return {
        "model": source.model,
        "metric": source.metric,
        "grain": source.grain,
        "summary_model": source.summary if wh.has(source.summary) else None,
        "last_period": periods[-1] if periods else None,
        "last_period_in_progress": bool(last and as_of and as_of < period_end(last, source.grain)),
        "summary": summary,
        "transitions": transition_data(wh, source.model),
        "streaks": streak_data(wh, source.model),
        "gaps": gap_data(wh, source.model),
        "retention": retention_data(wh, source.model, periods),
    }


def lifecycle_metrics(wh: Warehouse, activations: tuple[ActivationSource, ...]) -> list[dict[str, Any]]:
    by_metric: dict[str, list[ActivationSource]] = defaultdict(list)
    for source in activations:
        if wh.has(source.model):
            by_metric[source.metric].append(source)
        else:
            print(f"dashboard: skipping {source.model}: in the manifest but not in the warehouse")
    metrics = []
    for metric, sources in by_metric.items():
        as_of = activity_as_of(wh, sources)
        daily = next((s.model for s in sources if s.grain == "day"), None)
        metrics.append({
            "metric": metric,
            "as_of_date": as_of.isoformat() if as_of else None,
            "models": [lifecycle_payload(wh, s, as_of) for s in sources],
            "active_windows": active_windows_data(wh, daily) if daily else None,
        })
    return metrics


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------

@dataclass
class Dashboard:
    path: Path
    payload_bytes: int
    page_bytes: int
    funnels: list[str] = field(default_factory=list)
    activation_models: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"wrote {self.path} ({self.page_bytes / 1e6:.1f} MB with plotly.js; data "
                f"{self.payload_bytes / 1e3:.0f} kB): funnel from {', '.join(self.funnels) or 'no model'}; "
                f"lifecycle of {', '.join(self.activation_models) or 'no model'}")


def build_payload(db_path: Path | str, manifest: dict[str, Any], max_days: int = MAX_DAYS,
                  top_values: int = TOP_VALUES) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready aggregates."""
    project = discover(manifest)
    wh = Warehouse(db_path)
    try:
        funnels = [funnel_payload(wh, f, max_days, top_values) for f in project.funnels if wh.has(f.model)]
        metrics = lifecycle_metrics(wh, project.activations)
    finally:
        wh.close()
    latest = max((f["latest_at"] for f in funnels if f["latest_at"]), default=None)
    return {
        "generated_at": build_time().strftime("%Y-%m-%d %H:%M UTC"),
        "as_of": latest,
        "project": manifest.get("metadata", {}).get("project_name") or "dbt project",
        "week_start": week_start_of(metrics),
        "definitions": [{"term": t, "text": d} for t, d in DEFINITIONS],
        "funnels": funnels,
        "metrics": metrics,
    }


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds: same data, same page)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)


def week_start_of(metrics: list[dict[str, Any]]) -> str:
    """'sunday' if the weekly activation models start their weeks on Sunday, else 'monday'."""
    for metric in metrics:
        for model in metric["models"]:
            if model["grain"] == "week" and model["summary"]["period_start"]:
                first = dt.date.fromisoformat(model["summary"]["period_start"][0])
                return "sunday" if first.weekday() == 6 else "monday"
    return "monday"


def to_json(payload: dict[str, Any]) -> str:
    """Compact JSON, safe inside a <script> element."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_page(payload: dict[str, Any], data_json: str | None = None) -> str:
    import jinja2
    from plotly.offline import get_plotlyjs

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = environment.get_template("dashboard.html.j2")
    return template.render(
        payload=payload,
        data_json=jinja2.utils.markupsafe.Markup(data_json or to_json(payload)),
        plotly_js=jinja2.utils.markupsafe.Markup(get_plotlyjs()),
        dashboard_js=jinja2.utils.markupsafe.Markup((TEMPLATES_DIR / "dashboard.js").read_text()),
    )


def build_dashboard(db_path: Path | str, manifest_path: Path | str, out: Path | str,
                    max_days: int = MAX_DAYS, top_values: int = TOP_VALUES) -> Dashboard:
    payload = build_payload(db_path, load_manifest(manifest_path), max_days, top_values)
    data_json = to_json(payload)
    page = render_page(payload, data_json)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return Dashboard(
        path=out, payload_bytes=len(data_json.encode()), page_bytes=len(page.encode()),
        funnels=[f["model"] for f in payload["funnels"]],
        activation_models=[m["model"] for metric in payload["metrics"] for m in metric["models"]],
    )


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------

def add_dashboard_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="build the activation dashboard: one static HTML page (works offline)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"DuckDB warehouse (default: {DEFAULT_DB})")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST,
                        help=f"dbt manifest listing the models to show (default: {DEFAULT_MANIFEST})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"page to write (default: {DEFAULT_OUT})")
    parser.add_argument("--max-days", type=int, default=MAX_DAYS,
                        help=f"longest funnel window selectable in the page, in days (default: {MAX_DAYS})")
    parser.add_argument("--top-values", type=int, default=TOP_VALUES,
                        help=f"attribute values shown by name, the rest as (other) (default: {TOP_VALUES})")
    parser.set_defaults(func=run_dashboard)


def run_dashboard(args: argparse.Namespace) -> int:
    if args.max_days < 1 or args.top_values < 1:
        raise ValueError("--max-days and --top-values must be at least 1")
    print(build_dashboard(args.db, args.manifest, args.out, args.max_days, args.top_values).describe())
    return 0


