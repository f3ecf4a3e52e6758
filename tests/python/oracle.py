"""Independent reference implementation ("oracle") of the dbt_activation models.

Written only from the specification, in plain Python (standard library only),
for use in property-based tests that compare the SQL models with this module.

The code favours being obviously correct over being fast or clever: every
function works with plain loops over sorted per-user period lists.

Conventions
-----------
* Input datetimes are naive and mean UTC.
* Local datetimes in the output are naive wall-clock values in ``timezone``.
* Periods are ``datetime.date`` values (the first local day of the period).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

__all__ = [
    "to_local",
    "period_start_of",
    "next_period",
    "periods_between",
    "first_activation_events",
    "activation_states",
    "activation_summary",
]

GRAINS = ("day", "week", "month")
WEEK_STARTS = ("monday", "sunday")

STATE_COLUMNS = (
    "period_start",
    "user_id",
    "activation_state",
    "previous_state",
    "state_transition",
    "is_active",
    "active_streak",
    "periods_since_last_active",
    "inactive_periods",
    "first_active_period",
    "lifetime_active_periods",
)

SUMMARY_COLUMNS = (
    "period_start",
    "active_users",
    "new_users",
    "retained_users",
    "reactivated_users",
    "churned_users",
    "dormant_users",
    "retention_rate",
    "reactivation_rate",
    "quick_ratio",
    "is_period_complete",
)

FIRST_ACTIVATION_COLUMNS = (
    "date",
    "datetime",
    "user_id",
    "event_name",
    "first_visit_date",
    "first_visit_datetime",
    "hours_from_first_visit",
    "days_from_first_visit",
)


# ---------------------------------------------------------------------------
# Helpers: time zones and period arithmetic
# ---------------------------------------------------------------------------


def to_local(utc_naive: dt.datetime, timezone: str) -> dt.datetime:
    """Convert a naive UTC datetime to a naive wall-clock datetime in ``timezone``."""
    aware = utc_naive.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def _check_grain(grain: str, week_start: str = "monday") -> None:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, got {grain!r}")
    if week_start not in WEEK_STARTS:
        raise ValueError(f"week_start must be one of {WEEK_STARTS}, got {week_start!r}")


def period_start_of(day: dt.date, grain: str, week_start: str = "monday") -> dt.date:
    """The first day of the period of ``grain`` containing the local date ``day``."""
    _check_grain(grain, week_start)
    if isinstance(day, dt.datetime):
        day = day.date()
    if grain == "day":
        return day
    if grain == "week":
        if week_start == "monday":
            offset = day.weekday()  # Monday = 0 ... Sunday = 6
        else:
            offset = (day.weekday() + 1) % 7  # Sunday = 0 ... Saturday = 6
        return day - dt.timedelta(days=offset)
    # month
    return day.replace(day=1)


def next_period(period: dt.date, grain: str) -> dt.date:
    """The period start following ``period`` (which must itself be a period start)."""
    _check_grain(grain)
    if grain == "day":
        return period + dt.timedelta(days=1)
    if grain == "week":
        return period + dt.timedelta(days=7)
    if period.month == 12:
        return dt.date(period.year + 1, 1, 1)
    return dt.date(period.year, period.month + 1, 1)


def periods_between(earlier: dt.date, later: dt.date, grain: str) -> int:
    """Number of periods from ``earlier`` to ``later`` (both period starts)."""
    _check_grain(grain)
    if grain == "day":
        return (later - earlier).days
    if grain == "week":
        days = (later - earlier).days
        assert days % 7 == 0, (earlier, later)
        return days // 7
    return (later.year - earlier.year) * 12 + (later.month - earlier.month)


# ---------------------------------------------------------------------------
# Function 1: first activation events
# ---------------------------------------------------------------------------


def _trunc_hour(value: dt.datetime) -> dt.datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def first_activation_events(
    events,
    users,
    key_events,
    first_visit_event: str = "first_visit",
    timezone: str = "UTC",
) -> list[dict]:
    """One first-visit row per user plus one row per (user, key event) holding the
    earliest occurrence of that key event at or after the user's first visit.

    Rows are returned sorted by (user_id, UTC instant, first visit before key
    events, event_name); the order carries no meaning for the comparison.
    """
    key_events = list(key_events)
    if first_visit_event in key_events:
        raise ValueError(
            f"key_events must not contain the first visit event {first_visit_event!r}"
        )
    key_event_set = set(key_events)

    # user_id -> first visit (UTC, naive)
    first_visit_utc: dict = {}
    for user in users:
        user_id = user["user_id"]
        first_visit_at = user["first_visit_at"]
        if user_id is None or first_visit_at is None:
            continue
        if user_id in first_visit_utc:
            raise ValueError(f"duplicate user_id in users: {user_id!r}")
        first_visit_utc[user_id] = first_visit_at

    # (user_id, event_name) -> earliest event_at (UTC) at or after the first visit
    earliest: dict = {}
    for event in events:
        user_id = event["user_id"]
        event_name = event["event_name"]
        event_at = event["event_at"]
        if user_id is None or event_at is None:
            continue
        if event_name not in key_event_set:
            continue
        if user_id not in first_visit_utc:
            continue
        if event_at < first_visit_utc[user_id]:
            continue
        key = (user_id, event_name)
        if key not in earliest or event_at < earliest[key]:
            earliest[key] = event_at

    def make_row(user_id, event_name, event_utc):
        local_first = to_local(first_visit_utc[user_id], timezone)
        local_event = to_local(event_utc, timezone)
        hour_delta = _trunc_hour(local_event) - _trunc_hour(local_first)
        hours = hour_delta // dt.timedelta(hours=1)
        return {
            "date": local_event.date(),
            "datetime": local_event,
            "user_id": user_id,
            "event_name": event_name,
            "first_visit_date": local_first.date(),
            "first_visit_datetime": local_first,
            "hours_from_first_visit": hours + 1,
            "days_from_first_visit": (local_event.date() - local_first.date()).days + 1,
        }

    keyed_rows = []
    for user_id, first_at in first_visit_utc.items():
        keyed_rows.append(
            ((user_id, first_at, 0, first_visit_event), make_row(user_id, first_visit_event, first_at))
        )
    for (user_id, event_name), event_at in earliest.items():
        keyed_rows.append(
            ((user_id, event_at, 1, event_name), make_row(user_id, event_name, event_at))
        )
    keyed_rows.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed_rows]


# ---------------------------------------------------------------------------
# Function 2: activation states
# ---------------------------------------------------------------------------


def _first_non_null(values_with_time):
    """values_with_time: list of (activity_at, value). First non-None value by
    activity_at, ties broken by the smallest value; None if all are None."""
    candidates = [(at, value) for at, value in values_with_time if value is not None]
    if not candidates:
        return None
    return min(candidates)[1]


def activation_states(
    activity,
    grain: str,
    timezone: str = "UTC",
    week_start: str = "monday",
    as_of=None,
    attributes=(),
) -> list[dict]:
    """Per-user, per-period activation states (see module docstring / spec).

    Rows are returned sorted by (user_id, period_start).
    """
    _check_grain(grain, week_start)
    attributes = tuple(attributes)
    for name in attributes:
        if name in STATE_COLUMNS:
            raise ValueError(f"attribute {name!r} collides with an output column")
    if len(set(attributes)) != len(attributes):
        raise ValueError("duplicate attribute names")

    # Keep only valid rows, converted to local time.
    valid = []  # (user_id, local_datetime, utc_datetime, row)
    for row in activity:
        user_id = row["user_id"]
        activity_at = row["activity_at"]
        if user_id is None or activity_at is None:
            continue
        valid.append((user_id, to_local(activity_at, timezone), activity_at, row))

    # The as-of period.
    if as_of is None:
        if not valid:
            return []
        latest_local = max(local for _, local, _, _ in valid)
        as_of_period = period_start_of(latest_local.date(), grain, week_start)
    else:
        if isinstance(as_of, dt.datetime):
            as_of = as_of.date()
        as_of_period = period_start_of(as_of, grain, week_start)

    # user_id -> period -> list of (activity_at, row); periods after as-of dropped.
    per_user: dict = defaultdict(lambda: defaultdict(list))
    for user_id, local, utc, row in valid:
        period = period_start_of(local.date(), grain, week_start)
        if period > as_of_period:
            continue
        per_user[user_id][period].append((utc, row))

    def attribute_values(period_rows):
        return {
            name: _first_non_null([(at, row.get(name)) for at, row in period_rows])
            for name in attributes
        }

    out = []
    for user_id in sorted(per_user):
        periods = sorted(per_user[user_id])
        first_active = periods[0]
        lifetime = 0
        streak = 0
        previous_period = None  # previous ACTIVE period
        previous_state = None  # activation_state of the previous active period's row
        for period in periods:
            lifetime += 1
            if previous_period is None:
                state, prev_state = "new", None
                streak = 1
                since, inactive = None, None
            else:
                gap = periods_between(previous_period, period, grain)
                assert gap >= 1
                if gap == 1:
                    state, prev_state = "retained", previous_state
                    streak += 1
                    since, inactive = 1, 0
                else:
                    state, prev_state = "reactivated", "inactive"
                    streak = 1
                    since, inactive = gap, gap - 1
            row = {
                "period_start": period,
                "user_id": user_id,
                "activation_state": state,
                "previous_state": prev_state,
                "state_transition": (
                    "none_to_new" if state == "new" else f"{prev_state}_to_{state}"
                ),
                "is_active": True,
                "active_streak": streak,
                "periods_since_last_active": since,
                "inactive_periods": inactive,
                "first_active_period": first_active,
                "lifetime_active_periods": lifetime,
            }
            row.update(attribute_values(per_user[user_id][period]))
            out.append(row)

            # Churn row in the following period, if the user is not active then
            # and that period is not after the as-of period.
            following = next_period(period, grain)
            if following not in per_user[user_id] and following <= as_of_period:
                churn = {
                    "period_start": following,
                    "user_id": user_id,
                    "activation_state": "inactive",
                    "previous_state": state,
                    "state_transition": f"{state}_to_inactive",
                    "is_active": False,
                    "active_streak": 0,
                    "periods_since_last_active": 1,
                    "inactive_periods": 0,
                    "first_active_period": first_active,
                    "lifetime_active_periods": lifetime,
                }
                churn.update({name: None for name in attributes})
                out.append(churn)

            previous_period = period
            previous_state = state

    # Rows of one user are already in period order (a churn row always precedes
    # the next active period); sort anyway to make the order explicit.
    out.sort(key=lambda r: (r["user_id"], r["period_start"]))
    return out


# ---------------------------------------------------------------------------
# Function 3: activation summary
# ---------------------------------------------------------------------------


def activation_summary(states_rows, grain: str, as_of_period=None, as_of=None) -> list[dict]:
    """One row per period between the earliest period_start of ``states_rows`` and the
    latest one or ``as_of_period``, whichever is later (inclusive, no gaps), sorted by
    period_start. ``is_period_complete``: every period but the last; the last one too when
    the as-of date ``as_of`` (a date, or None) is its last day or later."""
    _check_grain(grain)
    states_rows = list(states_rows)
    if not states_rows:
        return []

    first_active_of: dict = {}  # user_id -> first_active_period
    rows_by_period: dict = defaultdict(list)
    for row in states_rows:
        first_active_of[row["user_id"]] = row["first_active_period"]
        rows_by_period[row["period_start"]].append(row)

    start = min(rows_by_period)
    end = max([*rows_by_period, *([as_of_period] if as_of_period else [])])

    last_complete = as_of is not None and as_of >= next_period(end, grain) - dt.timedelta(days=1)
    out = []
    previous = None
    period = start
    while period <= end:
        rows = rows_by_period.get(period, [])
        active_ids = {r["user_id"] for r in rows if r["is_active"]}
        counts = {
            state: sum(1 for r in rows if r["activation_state"] == state)
            for state in ("new", "retained", "reactivated", "inactive")
        }
        dormant = sum(
            1
            for user_id, first_active in first_active_of.items()
            if first_active < period and user_id not in active_ids
        )
        row = {
            "period_start": period,
            "active_users": sum(1 for r in rows if r["is_active"]),
            "new_users": counts["new"],
            "retained_users": counts["retained"],
            "reactivated_users": counts["reactivated"],
            "churned_users": counts["inactive"],
            "dormant_users": dormant,
        }
        if previous is None or previous["active_users"] == 0:
            row["retention_rate"] = None
        else:
            row["retention_rate"] = row["retained_users"] / previous["active_users"]
        if previous is None or previous["dormant_users"] == 0:
            row["reactivation_rate"] = None
        else:
            row["reactivation_rate"] = row["reactivated_users"] / previous["dormant_users"]
        if row["churned_users"] == 0:
            row["quick_ratio"] = None
        else:
            row["quick_ratio"] = (row["new_users"] + row["reactivated_users"]) / row["churned_users"]
        row["is_period_complete"] = period < end or last_complete
        out.append(row)
        previous = row
        period = next_period(period, grain)
    return out
