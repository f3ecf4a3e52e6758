"""Test harness: drive the dbt project in-process (dbtRunner) against a throwaway
warehouse on each selected engine (see engines.py), load raw events, run models over
several invocations and read tables back."""
from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path
from typing import Any, Iterable

import pytest
from hypothesis import strategies as st
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import PROJECT_DIR, release_duckdb
from engines import (RAW_COLUMNS, BigQueryEmulatorServer, BigQueryEngine, DuckDBEngine, PostgresEngine,
                     PostgresServer, SparkEngine, SparkSessionServer, selected_engines)


class DbtError(AssertionError):
    pass


class Warehouse:
    """Raw events in a database of one engine, and dbt runs of this project against it."""

    def __init__(self, root: Path, engine):
        self.root = root
        self.engine = engine
        self.target_path = root / "target"
        self.project_dir = PROJECT_DIR
        self._next_event = 0

    # ---- raw data -------------------------------------------------------------------
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
        statements = ["create schema if not exists raw",
                      f"create table if not exists raw.app_events ({columns})"]
        if replace:  # empty it in place: the staging view depends on the table
            statements.append("delete from raw.app_events")
        placeholders = ", ".join("?" for _ in RAW_COLUMNS)
        self.engine.execute(statements, rows, f"insert into raw.app_events values ({placeholders})")

    def append_events(self, events: Iterable[dict[str, Any]]) -> None:
        self.load_events(events, replace=False)

    # ---- dbt ---------------------------------------------------------------------------
    def dbt(self, *args: str, vars: dict[str, Any] | None = None, expect_success: bool = True):
        os.environ.update(self.engine.dbt_env())
        cli = [
            *args,
            "--project-dir", str(self.project_dir),
            "--profiles-dir", str(self.project_dir),
            "--target-path", str(self.target_path),
            "--log-path", str(self.root / "logs"),
            "--quiet",
        ]
        if vars:
            cli += ["--vars", json.dumps(vars, default=str)]
        try:
            result = dbtRunner().invoke(cli)
        finally:
            release_duckdb()
            os.environ.pop("DBT_TARGET", None)
        if expect_success and not result.success:
            detail = result.exception or [
                f"{r.node.name}: {r.message}" for r in (result.result or []) if r.status in ("error", "fail")
            ]
            raise DbtError(f"dbt {' '.join(args)} on {self.engine.name} failed: {detail}")
        return result

    def run(self, select: str, vars: dict[str, Any] | None = None, full_refresh: bool = False):
        args = ["run", "--select", select]
        if full_refresh:
            args.append("--full-refresh")
        return self.dbt(*args, vars=vars)

    # ---- reading -----------------------------------------------------------------------
    def rows(self, model: str, order_by: str | None = None) -> list[dict[str, Any]]:
        sql = f"select * from {self.engine.schema}.{model}" + (f" order by {order_by}" if order_by else "")
        names, rows = self.engine.fetch(sql)
        return [dict(zip(names, row)) for row in rows]


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bigquery_emulator():
    server = BigQueryEmulatorServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def spark_session():
    server = SparkSessionServer()
    yield server
    server.stop()


@pytest.fixture
def warehouse_engine(request):
    """Makes an engine by name (a fresh database, schema or project of the session's server),
    closed at the end of the test."""
    made = []

    def make(name: str):
        if name == "postgres":
            engine = PostgresEngine(request.getfixturevalue("postgres_server"))
        elif name == "bigquery":
            engine = BigQueryEngine(request.getfixturevalue("bigquery_emulator"))
        elif name == "duckdb":
            engine = DuckDBEngine(request.getfixturevalue("tmp_path"))
        elif name == "spark":
            engine = SparkEngine(request.getfixturevalue("spark_session"))
        else:
            raise ValueError(f"unknown engine {name!r} in ACTIVATION_ENGINES")
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


@pytest.fixture(params=selected_engines())
def warehouse(request, tmp_path: Path, warehouse_engine) -> Warehouse:
    return Warehouse(tmp_path, warehouse_engine(request.param))


def late_batches(draw, events, lookback_days: int, start: dt.datetime, span_days: int, max_cuts: int):
    """Cut events into batches by arrival time, each event arriving late by less than the
    lookback (a hypothesis `draw` chooses the delays' seed and the cut points)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    arrivals = [e["event_at"] + dt.timedelta(minutes=rng.randrange(0, lookback_days * 24 * 60))
                for e in events]
    cuts = sorted(draw(st.lists(st.integers(0, span_days * 24 * 60), min_size=1, max_size=max_cuts)))
    bounds = [start + dt.timedelta(minutes=c) for c in cuts]
    batches = [[] for _ in range(len(bounds) + 1)]
    for event, arrival in zip(events, arrivals):
        batches[sum(arrival >= b for b in bounds)].append(event)
    return [batch for batch in batches if batch]


def stored_columns(warehouse: Warehouse, columns: list[str], partition_column: str) -> list[str]:
    """A model's columns in the order the engine stores them: Spark puts the partition
    column last."""
    if getattr(warehouse.engine, "partition_columns_last", False):
        return [c for c in columns if c != partition_column] + [partition_column]
    return columns


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
