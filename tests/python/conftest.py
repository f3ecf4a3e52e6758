"""Test harness: drive the dbt project in-process (dbtRunner) against a throwaway DuckDB
file, load raw events, run models over several invocations and read tables back."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, Iterable

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import PROJECT_DIR, release_duckdb

RAW_COLUMNS = [
    ("event_id", "varchar"),
    ("user_id", "varchar"),
    ("event_name", "varchar"),
    ("event_at", "timestamp"),
    ("country", "varchar"),
    ("device_os", "varchar"),
    ("app_version", "varchar"),
    ("utm_campaign", "varchar"),
    ("utm_medium", "varchar"),
    ("utm_source", "varchar"),
    ("revenue", "double"),
]


class DbtError(AssertionError):
    pass


class Warehouse:
    """A DuckDB file with the raw event table, and dbt runs of this project against it."""

    def __init__(self, root: Path):
        self.root = root
        self.db_path = root / "warehouse.duckdb"
        self.target_path = root / "target"
        self._next_event = 0
        self.logs: list[str] = []

    # ---- raw data -------------------------------------------------------------------
    def _connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db_path))

    def load_events(self, events: Iterable[dict[str, Any]], replace: bool = True) -> None:
        """Write events (dicts with at least user_id, event_name, event_at) to raw.app_events."""
        columns = ", ".join(f"{name} {kind}" for name, kind in RAW_COLUMNS)
        rows = []
        for event in events:
            self._next_event += 1
            row = {name: None for name, _ in RAW_COLUMNS}
            row["event_id"] = f"t{self._next_event:08d}"
            row.update(event)
            rows.append([row[name] for name, _ in RAW_COLUMNS])
        with self._connect() as con:
            con.execute("create schema if not exists raw")
            if replace:
                con.execute(f"create or replace table raw.app_events ({columns})")
            else:
                con.execute(f"create table if not exists raw.app_events ({columns})")
            if rows:
                placeholders = ", ".join("?" for _ in RAW_COLUMNS)
                con.executemany(f"insert into raw.app_events values ({placeholders})", rows)

    def append_events(self, events: Iterable[dict[str, Any]]) -> None:
        self.load_events(events, replace=False)

    # ---- dbt ---------------------------------------------------------------------------
    def dbt(self, *args: str, vars: dict[str, Any] | None = None, expect_success: bool = True):
        os.environ["DBT_ACTIVATION_DUCKDB_PATH"] = str(self.db_path)
        cli = [
            *args,
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR),
            "--target-path", str(self.target_path),
            "--log-path", str(self.root / "logs"),
            "--quiet",
        ]
        if vars:
            cli += ["--vars", json.dumps(vars, default=str)]
        result = dbtRunner().invoke(cli)
        release_duckdb()
        if expect_success and not result.success:
            detail = result.exception or [
                f"{r.node.name}: {r.message}" for r in (result.result or []) if r.status in ("error", "fail")
            ]
            raise DbtError(f"dbt {' '.join(args)} failed: {detail}")
        return result

    def run(self, select: str, vars: dict[str, Any] | None = None, full_refresh: bool = False):
        args = ["run", "--select", select]
        if full_refresh:
            args.append("--full-refresh")
        return self.dbt(*args, vars=vars)

    # ---- reading -----------------------------------------------------------------------
    def rows(self, relation: str, order_by: str | None = None) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            cursor = con.execute(
                f"select * from {relation}" + (f" order by {order_by}" if order_by else "")
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def canonical(rows: Iterable[dict[str, Any]], key: tuple[str, ...]) -> list[tuple]:
    """Rows as sorted tuples of (column, value) pairs, for exact comparison."""
    out = []
    for row in rows:
        out.append(tuple(sorted((k, _normal(v)) for k, v in row.items())))
    index = {name: i for i, name in enumerate(sorted(rows[0].keys()))} if rows else {}
    return sorted(out, key=lambda r: tuple(str(r[index[k]][1]) for k in key))


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
