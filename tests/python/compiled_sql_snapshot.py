"""Write the SQL dbt ran for every demo model, on a full build and on an incremental run
after more events, to a folder per engine: run it before and after a refactor of the macros
and `diff -r` the two folders to see what changed.

    PYTHONPATH=src:tests/python .venv/bin/python tests/python/compiled_sql_snapshot.py OUT
    ACTIVATION_ENGINES=duckdb,postgres,bigquery,spark ... (default: duckdb)

Names that differ between runs (the test database, schema or BigQuery project) are written
as <warehouse>."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import tempfile
from pathlib import Path

from conftest import Warehouse
from engines import (BigQueryEmulatorServer, BigQueryEngine, DuckDBEngine, PostgresEngine, PostgresServer,
                     SparkEngine, SparkSessionServer, selected_engines)
from test_demo_build import stream


def snapshot(warehouse: Warehouse, out: Path, names: list[str]) -> None:
    run_dir = warehouse.target_path / "run"
    for path in sorted(run_dir.rglob("*.sql")):
        text = path.read_text()
        for name in names:
            text = text.replace(name, "<warehouse>")
        text = re.sub(r"__dbt_tmp\w*", "__dbt_tmp", text)
        target = out / path.relative_to(run_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    shutil.rmtree(run_dir)


def main(out: Path) -> None:
    start = dt.datetime(2025, 1, 1)
    cutoff = start + dt.timedelta(days=20)
    events = stream(1, 20, start) + stream(2, 5, cutoff)
    servers = []
    for engine_name in selected_engines():
        root = Path(tempfile.mkdtemp(prefix=f"snapshot-{engine_name}-"))
        if engine_name == "duckdb":
            engine = DuckDBEngine(root)
        elif engine_name == "postgres":
            servers.append(PostgresServer())
            engine = PostgresEngine(servers[-1])
        elif engine_name == "bigquery":
            servers.append(BigQueryEmulatorServer())
            engine = BigQueryEngine(servers[-1])
        else:
            servers.append(SparkSessionServer())
            engine = SparkEngine(servers[-1])
        names = [n for n in (getattr(engine, "project", None), getattr(engine, "database", None),
                             engine.schema if engine_name == "spark" else None, str(root)) if n]
        warehouse = Warehouse(root, engine)
        warehouse.load_events([e for e in events if e["event_at"] < cutoff])
        warehouse.dbt("run")
        snapshot(warehouse, out / engine_name / "full", names)
        warehouse.append_events([e for e in events if e["event_at"] >= cutoff])
        warehouse.dbt("run")
        snapshot(warehouse, out / engine_name / "incremental", names)
        engine.close()
    for server in servers:
        server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
