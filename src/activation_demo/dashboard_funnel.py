"""The funnel's data: small aggregates of a ``first_activation_events`` model.

First-visit users counted per (cohort day, attribute value, day of key event 1, day of key
event 2), days capped at ``max_days`` (later or never = 0), from which the page computes
any window N, M <= ``max_days`` at any cohort grain. The attributes of the breakdown are
the low-cardinality text columns of the users model the facts were built from.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from activation_demo.dashboard_discovery import FunnelSource
from activation_demo.dashboard_warehouse import Warehouse, json_value

MAX_DAYS = 30            # funnel windows N, M selectable in the page: 1..MAX_DAYS
TOP_VALUES = 12          # attribute values kept by name; the rest are "(other)"
MAX_ATTRIBUTE_VALUES = 1000  # text columns with more distinct values are not attributes
ALL_USERS = "(all users)"
NO_VALUE = "(none)"
OTHER_VALUE = "(other)"


@dataclass(frozen=True)
class UsersModel:
    """The users model a first-activation model was built from, and its two columns."""

    model: str
    user_id: str
    first_visit_at: str


def users_model(wh: Warehouse, source: FunnelSource) -> UsersModel | None:
    """The ``users`` relation, ``user_id`` and ``first_visit_at`` the model's last complete
    run was built with, as its run state (``<model>__run_state``) records them (the
    manifest's meta does not hold them); None when there is no such record or the users
    model is not among the model's inputs in the warehouse."""
    configuration = wh.built_with(source.model) or {}
    users = next((name for name in source.inputs if name.lower() == str(configuration.get("users")).lower()), None)
    if not (users and wh.has(users) and configuration.get("user_id") and configuration.get("first_visit_at")):
        return None
    return UsersModel(users, configuration["user_id"], configuration["first_visit_at"])


def key_events_of(wh: Warehouse, source: FunnelSource) -> list[str]:
    """Key events in the data, in the recorded order (then by users, for ones it does not list)."""
    found = wh.query(
        f"select event_name, count(*) as users from {wh.relation(source.model)} "
        "where event_name != ? group by event_name order by users desc, event_name",
        [source.first_visit_event])["event_name"]
    listed = [e for e in (source.key_events or ()) if e in found]
    return listed + [e for e in found if e not in listed]


def attribute_columns(wh: Warehouse, users: UsersModel | None) -> list[str]:
    """Text or boolean columns of the users model with at most MAX_ATTRIBUTE_VALUES values."""
    if users is None:
        return []
    skip = {users.user_id.lower(), users.first_visit_at.lower()}
    candidates = [name for name, kind in wh.columns(users.model)
                  if name.lower() not in skip and kind.upper() in ("VARCHAR", "BOOLEAN")]
    if not candidates:
        return []
    counts = wh.con.execute("select " + ", ".join(
        f'count(distinct "{name}")' for name in candidates) + f" from {wh.relation(users.model)}").fetchone()
    return [name for name, count in zip(candidates, counts) if 0 < count <= MAX_ATTRIBUTE_VALUES]


def funnel_buckets(wh: Warehouse, source: FunnelSource, users: UsersModel | None,
                   key_events: tuple[str, str], attribute: str | None, max_days: int,
                   top_values: int) -> dict[str, Any]:
    """First-visit users per (cohort day, attribute value, d1, d2): d1 (d2) is the day of the
    first key event 1 (2) counted from the first visit, 1..max_days, 0 when it came later or
    never; d2 is 0 too when d1 is. Values beyond the top ``top_values`` become "(other)"."""
    facts = wh.relation(source.model)
    if attribute is None or users is None:
        value, users_join = f"'{ALL_USERS}'", ""
    else:
        value = f'coalesce(cast(users."{attribute}" as varchar), \'{NO_VALUE}\')'
        users_join = (f'left outer join {wh.relation(users.model)} as users '
                      f'on visits.user_id = users."{users.user_id}"')
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
    users = users_model(wh, source)
    if users is None:
        print(f"dashboard: {source.model}: its users model is not recorded in {source.model}__run_state"
              " (or not in the warehouse): the funnel has no breakdown by user attributes")
    # without attributes, one table of all users (with attributes, any one sums to it)
    attributes = attribute_columns(wh, users) or [None]
    tables = [pack_rows(funnel_buckets(wh, source, users, chosen, a, max_days, top_values), first_cohort, max_days)
              for a in attributes]
    return {
        "model": source.model,
        "users_model": users.model if users else None,
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
