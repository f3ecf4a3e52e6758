"""The worked examples, read from the seeds of the dbt project (seeds/*.csv), typed by the
column types of their properties file: one copy of each example, read by the demo's dbt
build (seeds and equality tests), by the dbt unit tests (tests/fixtures/ links to the same
files) and by the pytest suite through this module."""
from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from typing import Any

import yaml

from activation_demo.dbt_runner import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "seeds"
PROPERTIES = SEEDS_DIR / "_worked_examples__seeds.yml"

# The settings the activation examples are computed with (the seeds' descriptions say so).
AS_OF = dt.date(2025, 1, 31)
ATTRIBUTES = ("country", "device_os")
KEY_EVENTS = ("add_to_cart", "purchase")
GRAIN_SUFFIXES = {"day": "daily", "week": "weekly", "month": "monthly"}


@cache
def _column_types() -> dict[str, dict[str, str]]:
    seeds = yaml.safe_load(PROPERTIES.read_text())["seeds"]
    return {seed["name"]: seed["config"]["column_types"] for seed in seeds}


def _value(text: str, column_type: str) -> Any:
    """A CSV field as the engines load it: empty is null; the types of the properties file
    (a Jinja expression choosing the engine's name for a type counts as that type)."""
    if text == "":
        return None
    if "timestamp" in column_type:
        return dt.datetime.fromisoformat(text)
    if column_type == "date":
        return dt.date.fromisoformat(text)
    if column_type == "boolean":
        return {"true": True, "false": False}[text]
    if column_type == "integer":
        return int(text)
    return text


def columns(seed: str) -> list[str]:
    """The seed's columns, in the order of its file."""
    with open(SEEDS_DIR / f"{seed}.csv", newline="") as handle:
        return next(csv.reader(handle))


def rows(seed: str) -> list[dict[str, Any]]:
    """The seed's rows, in the order of its file, typed."""
    types = _column_types()[seed]
    with open(SEEDS_DIR / f"{seed}.csv", newline="") as handle:
        return [{name: _value(text, types[name]) for name, text in row.items()}
                for row in csv.DictReader(handle)]


# ---- the first-activation example (the reference's, user Jinseok) ------------------------

def first_activation_events() -> list[dict[str, Any]]:
    """The events, as raw events (user_id, event_name, event_at)."""
    return [{"user_id": r["user_id"], "event_name": r["event_name"], "event_at": r["datetime"]}
            for r in rows("worked_example_events")]


def first_activation_users() -> list[dict[str, Any]]:
    """The users and their first visit (user_id, first_visit_at)."""
    return [{"user_id": r["user_id"], "first_visit_at": r["first_datetime"]}
            for r in rows("worked_example_users")]


FIRST_ACTIVATION_EXPECTED = "worked_example_first_activation_events_expected"


# ---- the activation-states example (the README's, jinseok and minji) ---------------------

def activity() -> list[dict[str, Any]]:
    """The activity as oracle input (user_id, activity_at and the attributes)."""
    return [{"user_id": r["user_id"], "activity_at": r["datetime"], **{a: r[a] for a in ATTRIBUTES}}
            for r in rows("worked_example_activity")]


def activity_events() -> list[dict[str, Any]]:
    """The activity as raw app events (session starts), for the demo models."""
    return [{"user_id": r["user_id"], "event_name": "session_start", "event_at": r["datetime"],
             **{a: r[a] for a in ATTRIBUTES}}
            for r in rows("worked_example_activity")]


def states_expected(grain: str) -> str:
    """The name of the seed of the expected rows at a grain."""
    return f"worked_example_activation_{GRAIN_SUFFIXES[grain]}_expected"
