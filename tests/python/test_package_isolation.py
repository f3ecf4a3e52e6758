"""A project that installs dbt_activation gets its macros and generic tests, and nothing of
the demo: it may name its models as the README recommends (the demo's names) and describe
them in its own YAML, and no model, YAML, source, seed, data test, unit test or analysis
of this repository is parsed, built or listed there."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import PROJECT_DIR, release_duckdb

PACKAGE = "dbt_activation"

EVENTS_CSV = """user_id,event_name,event_at,country
a,first_visit,2025-01-01 09:00:00,KR
a,add_to_cart,2025-01-01 09:10:00,KR
a,purchase,2025-01-02 10:00:00,KR
a,session_start,2025-01-09 10:00:00,JP
b,first_visit,2025-01-03 09:00:00,US
b,add_to_cart,2025-01-03 09:30:00,US
c,first_visit,2025-01-06 12:00:00,KR
c,session_start,2025-01-08 12:00:00,KR
"""

# The README's recommended names, which are also the demo's: the events fact and users
# dimension, the first-activation facts, a FirstLast, two activation models and a summary.
MODELS = {
    "fact__events": "select user_id, event_name, event_at, country from {{ ref('app_events') }}",
    "dim__users": "select user_id, min(event_at) as first_visit_at from {{ ref('app_events') }} "
                  "where event_name = 'first_visit' group by user_id",
    "fact__first_activation_events": """
        {{ dbt_activation.first_activation_events(
            events=ref('fact__events'), users=ref('dim__users'), key_events=['add_to_cart', 'purchase'],
            event_at='event_at', first_visit_at='first_visit_at') }}""",
    "fact_app_visit_first_last": """
        {{ dbt_activation.activation_first_last(source=ref('fact__events'), activity_at='event_at') }}""",
    "fact_app_visit_activation_daily": """
        {{ dbt_activation.activation_states(
            source=ref('fact__events'), first_last=ref('fact_app_visit_first_last'), grain='day',
            activity_at='event_at', attributes=['country']) }}""",
    "fact_app_visit_activation_weekly": """
        {{ dbt_activation.activation_states(
            source=ref('fact__events'), first_last=ref('fact_app_visit_first_last'), grain='week',
            activity_at='event_at') }}""",
    "fact_app_visit_activation_daily_summary": """
        {{ dbt_activation.activation_summary(activation=ref('fact_app_visit_activation_daily')) }}""",
}


def activation_tests(grain: str) -> list:
    return [
        {f"{PACKAGE}.unique_combination_of_columns": {
            "arguments": {"combination_of_columns": ["user_id", "period_start"]}}},
        f"{PACKAGE}.activation_transitions",
        f"{PACKAGE}.activation_accounting",
        {f"{PACKAGE}.activation_state_columns": {"arguments": {"grain": grain}}},
    ]


# The consumer's own description of its models (the demo describes models of these names too).
SCHEMA = {"version": 2, "models": [
    {"name": "fact__first_activation_events", "description": "First-activation funnel facts.",
     "data_tests": [{f"{PACKAGE}.unique_combination_of_columns": {
         "arguments": {"combination_of_columns": ["user_id", "event_name"]}}}],
     "columns": [{"name": "user_id", "data_tests": ["not_null"]},
                 {"name": "event_name", "data_tests": [{"accepted_values": {
                     "arguments": {"values": ["first_visit", "add_to_cart", "purchase"]}}}]}]},
    {"name": "fact_app_visit_first_last", "description": "FirstLast of app visits.",
     "columns": [{"name": "user_id", "data_tests": ["unique", "not_null"]}]},
    {"name": "fact_app_visit_activation_daily", "description": "App-visit activation by day.",
     "data_tests": activation_tests("day")},
    {"name": "fact_app_visit_activation_weekly", "description": "App-visit activation by week.",
     "data_tests": activation_tests("week")},
    {"name": "fact_app_visit_activation_daily_summary", "description": "Daily summary.",
     "columns": [{"name": "period_start", "data_tests": ["unique", "not_null"]}]},
]}

# every manifest collection but macros may hold nothing of the package
RESOURCE_COLLECTIONS = ("nodes", "sources", "unit_tests", "disabled", "exposures", "metrics", "groups",
                        "semantic_models", "saved_queries", "docs", "functions")


class Consumer:
    def __init__(self, root: Path):
        self.root = root
        (root / "models").mkdir(parents=True)
        (root / "seeds").mkdir()
        (root / "seeds" / "app_events.csv").write_text(EVENTS_CSV)
        (root / "dbt_project.yml").write_text(yaml.safe_dump({
            "name": "activation_consumer", "version": "1.0", "config-version": 2,
            "profile": "activation_consumer",
            "flags": {"send_anonymous_usage_stats": False},
            "seeds": {"activation_consumer": {"app_events": {"+column_types": {"event_at": "timestamp"}}}},
        }))
        (root / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
        (root / "profiles.yml").write_text(yaml.safe_dump({"activation_consumer": {"target": "dev", "outputs": {
            "dev": {"type": "duckdb", "path": str(root / "consumer.duckdb"), "threads": 1}}}}))
        for name, sql in MODELS.items():
            (root / "models" / f"{name}.sql").write_text(textwrap.dedent(sql).strip() + "\n")
        (root / "models" / "_activation__models.yml").write_text(yaml.safe_dump(SCHEMA, sort_keys=False))

    def dbt(self, *args: str):
        result = dbtRunner().invoke([*args, "--project-dir", str(self.root),
                                     "--profiles-dir", str(self.root), "--quiet"])
        release_duckdb()
        return result


def failure(result) -> str:
    if result.exception:
        return str(result.exception)
    return str([f"{r.node.name}: {r.message}" for r in result.result or [] if r.status in ("error", "fail")])


@pytest.fixture(scope="module")
def consumer(tmp_path_factory) -> dict:
    project = Consumer(tmp_path_factory.mktemp("isolation"))
    assert project.dbt("deps").success
    parsed = project.dbt("parse")
    manifest = project.root / "target" / "manifest.json"
    manifest = json.loads(manifest.read_text()) if parsed.success else None
    built = project.dbt("build")
    listed = project.dbt("ls", "--output", "json", "--output-keys", "unique_id package_name")
    return {"project": project, "parsed": parsed, "manifest": manifest, "built": built, "listed": listed}


def test_parse_sees_nothing_of_the_package_but_macros(consumer):
    assert consumer["parsed"].success, failure(consumer["parsed"])
    manifest = consumer["manifest"]
    leaked = {}
    for collection in RESOURCE_COLLECTIONS:
        items = manifest.get(collection) or {}
        for unique_id, entry in items.items():
            # `disabled` maps a unique id to a list of versions of the resource
            for resource in entry if isinstance(entry, list) else [entry]:
                if resource.get("package_name") == PACKAGE:
                    leaked.setdefault(collection, []).append(unique_id)
    assert leaked == {}

    macros = [m for m in manifest["macros"].values() if m["package_name"] == PACKAGE]
    assert {m["original_file_path"].split("/")[0] for m in macros} == {"macros"}
    names = {m["name"] for m in macros}
    assert {"first_activation_events", "activation_first_last", "activation_states", "activation_summary",
            "test_activation_transitions", "test_activation_accounting", "test_activation_state_columns",
            "test_unique_combination_of_columns"} <= names

    # the consumer's own models, described by its own YAML, use the package's generic tests
    ours = {n["name"]: n for n in manifest["nodes"].values() if n["package_name"] == "activation_consumer"}
    assert set(MODELS) <= set(ours)
    assert ours["fact_app_visit_first_last"]["description"] == "FirstLast of app visits."
    generic = {n["test_metadata"]["namespace"] for n in ours.values()
               if n["resource_type"] == "test" and n.get("test_metadata")}
    assert PACKAGE in generic


def test_build_succeeds_with_the_package_generic_tests(consumer):
    built = consumer["built"]
    assert built.success, failure(built)
    by_type: dict[str, int] = {}
    for r in built.result:
        by_type[r.node.resource_type] = by_type.get(r.node.resource_type, 0) + 1
        assert r.node.package_name == "activation_consumer"
    assert by_type["model"] == len(MODELS) and by_type["seed"] == 1
    assert by_type["test"] >= 4 * 2
    import duckdb
    with duckdb.connect(str(consumer["project"].root / "consumer.duckdb"), read_only=True) as con:
        states = con.execute("select user_id, activation_state from main.fact_app_visit_activation_weekly "
                             "order by user_id, period_start").fetchall()
    assert states == [("a", "new"), ("a", "retained"), ("b", "new"), ("b", "inactive"),
                      ("c", "new")]


def test_ls_lists_nothing_of_the_package(consumer):
    listed = consumer["listed"]
    assert listed.success, failure(listed)
    resources = [json.loads(line) for line in listed.result]
    assert resources and all(r["package_name"] == "activation_consumer" for r in resources), \
        sorted(r["unique_id"] for r in resources if r["package_name"] != "activation_consumer")
