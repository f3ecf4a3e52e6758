"""The dashboard's read-only access to the DuckDB warehouse."""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb


class Warehouse:
    """A read-only DuckDB connection that finds each model's table by name."""

    def __init__(self, db_path: Path | str):
        if not Path(db_path).exists():
            raise ValueError(f"no DuckDB warehouse at {db_path}: run `activation-demo demo` first")
        self.con = duckdb.connect(str(db_path), read_only=True)
        self.con.execute("set enable_progress_bar = false")
        rows = self.con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')").fetchall()
        self._schemas: dict[str, list[str]] = defaultdict(list)
        for schema, table in rows:
            self._schemas[table].append(schema)

    def close(self) -> None:
        self.con.close()

    def has(self, model: str | None) -> bool:
        return bool(model) and model in self._schemas

    def relation(self, model: str) -> str:
        """The quoted relation of a model (the manifest's schema may be another target's)."""
        schemas = self._schemas.get(model)
        if not schemas:
            raise ValueError(f"model {model} is in the manifest but not in the warehouse: run dbt build")
        schema = "main" if "main" in schemas else sorted(schemas)[0]
        return f'"{schema}"."{model}"'

    def columns(self, model: str) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in self.con.execute(f"describe {self.relation(model)}").fetchall()]

    def query(self, sql: str, parameters: list[Any] | dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """Rows as columns (name -> list of JSON-ready values)."""
        cursor = self.con.execute(sql, parameters or [])
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        return {name: [json_value(row[i]) for row in rows] for i, name in enumerate(names)}

    def scalar(self, sql: str, parameters: list[Any] | None = None) -> Any:
        return self.con.execute(sql, parameters or []).fetchone()[0]

    def built_with(self, model: str) -> dict[str, Any] | None:
        """The configuration the model's table was last built with, as its run state
        (``<model>__run_state``, beside it) records it; None without a readable record."""
        run_state = f"{model}__run_state"
        if not self.has(run_state):
            return None
        text = self.scalar(f"select max_by(model_configuration, run_number) from {self.relation(run_state)} "
                           "where run_status = 'complete'")
        try:
            configuration = json.loads(text) if text else None
        except ValueError:
            return None
        return configuration if isinstance(configuration, dict) else None


def json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        return round(float(value), 6)
    return value
