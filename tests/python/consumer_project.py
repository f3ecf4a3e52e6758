"""A throwaway dbt project that installs this repository as a package, on any engine of the
suite: its models read the raw events the Warehouse harness loads (raw.app_events) and call
the public macros as a user would. Tests rewrite its model files between runs."""
from __future__ import annotations

import os

import textwrap
from pathlib import Path
from typing import Any

import yaml

from activation_demo.dbt_runner import PROJECT_DIR
from conftest import Warehouse

SOURCES = {"version": 2, "sources": [{
    "name": "raw", "schema": "raw",
    "tables": [{"name": "app_events"}],
}]}


class ConsumerWarehouse(Warehouse):
    """A Warehouse whose dbt runs are of a consumer project (profile `consumer`, the same
    targets as this repository's profiles.yml), so that the package's demo stays out."""

    def __init__(self, root: Path, engine, models: dict[str, str], threads: int | None = None,
                 macros: dict[str, str] | None = None):
        super().__init__(root, engine)
        self.project = self.project_dir = root / "consumer"
        (self.project / "models").mkdir(parents=True)
        (self.project / "macros").mkdir()
        dispatch = [{"macro_namespace": "dbt", "search_order": ["consumer", "dbt_activation", "dbt"]}]
        if macros:  # the consumer's own overrides of the package's dispatched macros
            dispatch.append({"macro_namespace": "dbt_activation", "search_order": ["consumer", "dbt_activation"]})
            for name, sql in macros.items():
                (self.project / "macros" / f"{name}.sql").write_text(textwrap.dedent(sql).strip() + "\n")
        (self.project / "dbt_project.yml").write_text(yaml.safe_dump({
            "name": "consumer", "version": "1.0", "config-version": 2, "profile": "consumer",
            # as the README says: dbt's incremental strategies bounded by the package
            "dispatch": dispatch,
            "models": {"consumer": {"staging": {"+materialized": "view"}}},
        }))
        (self.project / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
        profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
        profile = profiles.pop("dbt_activation")
        if threads:
            for output in profile["outputs"].values():
                output["threads"] = threads
        (self.project / "profiles.yml").write_text(yaml.safe_dump({"consumer": profile}))
        (self.project / "models" / "staging").mkdir()
        (self.project / "models" / "staging" / "_sources.yml").write_text(yaml.safe_dump(SOURCES))
        self.write_models(models)
        self._deps()

    def write_models(self, models: dict[str, str]) -> None:
        """Write (or, for a None body, delete) model files: name -> SQL."""
        for name, sql in models.items():
            path = self.project / "models" / f"{name}.sql"
            if sql is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(textwrap.dedent(sql).strip() + "\n")

    def session_time_zone(self, zone: str) -> None:
        """The time zone of dbt's database sessions (DuckDB and PostgreSQL)."""
        if self.engine.name == "duckdb":
            profiles = yaml.safe_load((self.project / "profiles.yml").read_text())
            profiles["consumer"]["outputs"]["duckdb"]["settings"]["TimeZone"] = zone
            (self.project / "profiles.yml").write_text(yaml.safe_dump(profiles))
        elif self.engine.name == "postgres":
            self.engine._admin(f"alter database {self.engine.database} set timezone to '{zone}'")
        else:
            raise ValueError(f"no session time zone setting for {self.engine.name}")

    def _deps(self) -> None:
        from dbt.cli.main import dbtRunner

        os.environ.update(self.engine.dbt_env())
        result = dbtRunner().invoke(["deps", "--project-dir", str(self.project), "--profiles-dir",
                                     str(self.project), "--quiet"])
        assert result.success, result.exception
