"""Run dbt commands on this project in-process, against a given DuckDB file."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]


def release_duckdb() -> None:
    """dbt-duckdb keeps its database open in this process after a command; close it so that
    this process can open the file itself (or run dbt on another file)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def invoke(args: list[str], db_path: Path | str, project_dir: Path = PROJECT_DIR) -> Any:
    """Run one dbt command on the project with its DuckDB file at ``db_path``; return dbt's result."""
    from dbt.cli.main import dbtRunner  # imported late: dbt is slow to import

    os.environ["DBT_ACTIVATION_DUCKDB_PATH"] = str(db_path)
    try:
        return dbtRunner().invoke(
            [*args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)])
    finally:
        release_duckdb()
