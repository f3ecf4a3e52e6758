"""Everything dbt compiles and runs for BigQuery (models on both incremental branches,
the MERGE statements, analyses, data and unit tests) parses as BigQuery SQL (sqlglot)."""
from __future__ import annotations

import json
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
