"""Everything dbt compiles and runs for BigQuery (models on both incremental branches,
the MERGE statements, analyses, data and unit tests) parses as BigQuery SQL (sqlglot)."""
from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest

from engines import EMULATOR_BIN, selected_engines
from test_activation_states import WORKED_EXAMPLE, visit

pytestmark = pytest.mark.skipif("bigquery" not in selected_engines(), reason="bigquery not in ACTIVATION_ENGINES")

PARSE = """
import json, sys, sqlglot
failures = {}
for path in json.load(sys.stdin):
    try:
        sqlglot.parse(open(path).read(), read="bigquery")
    except Exception as error:
        failures[path] = str(error)[:300]
print(json.dumps(failures))
"""


def test_compiled_sql_parses_as_bigquery(warehouse):
    if warehouse.engine.name != "bigquery":
        pytest.skip("runs on the bigquery engine")
    events = WORKED_EXAMPLE + [dict(visit("minji", "2025-01-05 15:00"), event_name="first_visit"),
                               dict(visit("minji", "2025-01-06 15:00"), event_name="purchase")]
    warehouse.load_events(events)
    warehouse.dbt("build")                       # full-build SQL in target/run
    warehouse.append_events([visit("minji", "2025-02-01 10:00")])
    warehouse.dbt("run")                         # incremental MERGEs in target/run
    warehouse.dbt("compile")                     # models (incremental branch), analyses, tests
    files = sorted(str(p) for p in Path(warehouse.target_path).glob("*/dbt_activation/**/*.sql"))
    assert len([f for f in files if "/analyses/" in f]) >= 10
    assert any("merge into" in Path(f).read_text().lower() for f in files)
    python = Path(EMULATOR_BIN).parent / "python"
    result = subprocess.run([str(python), "-c", PARSE], input=json.dumps(files), capture_output=True,
                            text=True, check=True)
    assert json.loads(result.stdout) == {}


def daily_history(days: int) -> list[dict]:
    """From 2024-11-01, `days` days: a visitor every day, and each day a new user who visits
    and buys."""
    start = dt.date(2024, 11, 1)
    return [dict(visit(user, f"{day} {hour:02d}:00"), event_name=name)
            for day in (start + dt.timedelta(days=n) for n in range(days))
            for user, hour, name in (("jinseok", 9, "session_start"), (f"u{day}", 10, "first_visit"),
                                     (f"u{day}", 11, "purchase"))]


# Demo models that name `date` as the DATE partition column of their source (fact__events,
# partitioned by it on BigQuery); the purchase models do not.
PARTITION_FILTERED = ["fact__first_activation_events", "fact_app_visit_first_last",
                      "fact_app_visit_activation_daily", "fact_app_visit_activation_weekly",
                      "fact_app_visit_activation_monthly"]


def test_incremental_bigquery_sql_filters_the_source_on_its_partition_column(warehouse):
    """Bytes scanned follow the new data: the incremental SQL compiled for BigQuery reads
    fact__events only from a recent `date` partition (a literal BigQuery can prune on), one
    day before the first instant each model's plan reads; models without a partition
    column argument carry no such filter."""
    if warehouse.engine.name != "bigquery":
        pytest.skip("runs on the bigquery engine")
    # 2024-11-01 .. 2025-01-28
    warehouse.load_events(daily_history(89))
    warehouse.dbt("seed")                        # the worked examples' models read the seeds
    warehouse.dbt("run")
    warehouse.append_events([visit("minji", "2025-02-01 10:00")])
    warehouse.dbt("run")
    # the models' statements as compiled (the states models' run SQL is a MERGE from a
    # temporary table, written first from this SQL)
    compiled_dir = Path(warehouse.target_path) / "compiled" / "dbt_activation" / "models" / "demo"
    compiled = {p.stem: p.read_text().lower() for p in compiled_dir.rglob("*.sql")}
    predicate = re.compile(r"(?<![.\w])date >= cast\('(\d{4}-\d\d-\d\d)' as date\)")
    # the watermark (the latest data taken in) is 2025-01-28 11:00, lookback 3 days; the
    # partition filter starts one day before the first instant read. The states models read
    # whole local days from the watermark minus the lookback (01-25), from midnight one day
    # earlier; the weekly and monthly models also read the first rewritten period (begun
    # earlier), again from one day before it, for which users have earlier attribute values.
    wanted = {
        "fact__first_activation_events": ["2025-01-24"],    # reads from 01-28 11:00 - 3 days
        "fact_app_visit_first_last": ["2025-01-24"],        # reads from 01-28 11:00 - 3 days
        "fact_app_visit_activation_daily": ["2025-01-23"],  # rewrites from 01-25, reads from 01-24
        # from 01-25 (its week, 01-20): reads from 01-24, and from 01-19
        "fact_app_visit_activation_weekly": ["2025-01-23", "2025-01-18"],
        # from 01-25 (its month, 01-01): reads from 01-24, and from 12-31
        "fact_app_visit_activation_monthly": ["2025-01-23", "2024-12-30"],
    }
    assert sorted(wanted) == sorted(PARTITION_FILTERED)
    assert {model: predicate.findall(compiled[model]) for model in wanted} == wanted
    assert not predicate.search(compiled["fact_purchase_first_last"])


CHECKER = Path(__file__).with_name("stored_table_reads.py")


def stored_table_problems(statements: list[str], partitioned: dict[str, str], allowed: list[str]) -> list[dict]:
    """Run stored_table_reads.py (sqlglot, in the emulator's venv) on the statements."""
    python = Path(EMULATOR_BIN).parent / "python"
    request = {"statements": statements, "partitioned": partitioned, "per_user": allowed}
    result = subprocess.run([str(python), str(CHECKER)], input=json.dumps(request), capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def test_the_read_check_reports_a_stored_table_read_without_a_literal_bound():
    """The checker itself, on statements shaped as the models' (no emulator needed)."""
    if not EMULATOR_BIN.exists():
        pytest.skip("needs the emulator's venv (sqlglot)")
    partitioned, allowed = {"states": "period_start", "facts": "date"}, ["states__user_state"]
    merge = ("merge into `p`.`d`.`states` as DBT_INTERNAL_DEST using (select * from `p`.`d`.`states__dbt_tmp`) "
             "as DBT_INTERNAL_SOURCE on (DBT_INTERNAL_SOURCE.user_id = DBT_INTERNAL_DEST.user_id) {bound} "
             "when matched then update set user_id = DBT_INTERNAL_SOURCE.user_id")
    bounded = merge.format(bound="and DBT_INTERNAL_DEST.period_start >= cast('2025-01-20' as date)")
    read = ("select stored.user_id from `p`.`d`.`facts` as stored inner join seen on stored.user_id = seen.user_id "
            "where stored.event_name = 'x' {bound}")
    assert stored_table_problems([bounded, read.format(bound="and stored.date >= cast('2025-01-19' as date)"),
                                  "select * from `p`.`d`.`states__user_state`"], partitioned, allowed) == []
    # dropped, moved under an OR, or compared with a column: reported
    assert stored_table_problems([merge.format(bound=""), read.format(bound=""),
                                  read.format(bound="or stored.date >= cast('2025-01-19' as date)"),
                                  read.format(bound="and stored.date >= seen.date")], partitioned, allowed) == [
        {"statement": 0, "table": "states", "why": "no literal predicate on period_start in the MERGE's ON"},
        {"statement": 1, "table": "facts", "why": "no literal predicate on date in the query that reads it"},
        {"statement": 2, "table": "facts", "why": "no literal predicate on date in the query that reads it"},
        {"statement": 3, "table": "facts", "why": "no literal predicate on date in the query that reads it"},
    ]


def test_every_read_of_a_stored_table_in_a_daily_run_is_bounded(warehouse):
    """The SQL of a daily incremental run on BigQuery (every statement dbt sends: the plan's
    queries, the hooks, the model's statement, the MERGE): each reference to a partitioned
    model table carries a literal predicate on its partition column, or the table is one of
    one row per user (a FirstLast model, a user state) or the run state."""
    if warehouse.engine.name != "bigquery":
        pytest.skip("runs on the bigquery engine")
    warehouse.load_events(daily_history(60))
    warehouse.dbt("seed")
    warehouse.dbt("run")
    warehouse.append_events([visit("minji", "2024-12-31 10:00"), dict(visit("u2024-12-29", "2024-12-31 11:00"),
                                                                     event_name="add_to_cart")])
    log = warehouse.root / "logs" / "dbt.log"
    log.unlink()
    warehouse.dbt("run", "--log-format-file", "json", "--log-level-file", "debug")
    manifest = json.loads((Path(warehouse.target_path) / "manifest.json").read_text())
    incremental = {uid: node for uid, node in manifest["nodes"].items()
                   if node.get("resource_type") == "model" and node["config"].get("materialized") == "incremental"}
    partitioned = {node["alias"]: node["config"]["partition_by"]["field"] for node in incremental.values()
                   if node["config"].get("partition_by")}
    allowed = [f"{node['alias']}__{suffix}" for node in incremental.values() for suffix in ("run_state", "user_state")]
    allowed += [node["alias"] for node in incremental.values() if not node["config"].get("partition_by")]
    statements = []
    for line in log.read_text().splitlines():
        event = json.loads(line)
        if event["info"]["name"] == "SQLQuery" and (event["data"].get("node_info") or {}).get("unique_id") in incremental:
            statements.append(event["data"]["sql"])
    assert len(statements) > 20 and any("merge into" in s.lower() for s in statements), statements[:3]
    assert stored_table_problems(statements, partitioned, allowed) == []
