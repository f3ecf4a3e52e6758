"""The macros' SQL, linted. sqlfluff's dbt templater lints the models (`make lint`), but a
model here is one macro call, and sqlfluff ignores what the templating produced: the SQL the
macros write would go unchecked. So this lints that SQL itself: every demo model the public
macros build, compiled on a full build and on an incremental run (DuckDB), with this
project's .sqlfluff rules (lower case throughout, explicit `as` and join types, references
qualified consistently, no keyword as a name, no self-alias...). Left out, and why:

- layout rules (LT*): the whitespace of compiled SQL is the templates', not written by hand;
- RF06 (unnecessary quoted identifiers): dbt quotes the relation names it renders;
- CV11 (one casting style): dbt-core's cross-database macros cast with `::` on DuckDB.

And the macro files themselves: no line over 120 characters, no tab, no trailing space."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

from activation_demo.dbt_runner import PROJECT_DIR
from conftest import Warehouse
from engines import DuckDBEngine
from test_demo_build import stream

EXCLUDED = ("LT", "RF06", "CV11")
# the models built by the public macros (the worked examples' negative cases are hand-written)
MACRO_MODELS = ("models/demo/activation", "models/demo/marts", "models/demo/worked_examples")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, str]:
    """name -> the compiled SQL of each macro-built demo model, full build and incremental."""
    root = tmp_path_factory.mktemp("macro_sql")
    warehouse = Warehouse(root, DuckDBEngine(root))
    start = dt.datetime(2025, 1, 1)
    cutoff = start + dt.timedelta(days=20)
    events = stream(1, 20, start) + stream(2, 5, cutoff)
    warehouse.load_events([e for e in events if e["event_at"] < cutoff])
    found = {}
    warehouse.dbt("seed")
    for run, batch in (("full", None), ("incremental", [e for e in events if e["event_at"] >= cutoff])):
        if batch:
            warehouse.append_events(batch)
        warehouse.dbt("run")
        base = warehouse.target_path / "compiled" / "dbt_activation"
        for folder in MACRO_MODELS:
            for path in sorted((base / folder).glob("*.sql")):
                found[f"{run}/{path.stem}"] = path.read_text()
        shutil.rmtree(warehouse.target_path / "compiled")
    return found


def test_the_sql_the_macros_write_follows_the_house_style(compiled):
    linter = Linter(config=FluffConfig.from_path(str(PROJECT_DIR), overrides={"templater": "raw"}))
    problems = []
    for name, sql in compiled.items():
        lines = sql.splitlines()
        for violation in linter.lint_string(sql).get_violations():
            if not violation.rule_code().startswith(EXCLUDED):
                problems.append(f"{name}:{violation.line_no} {violation.rule_code()} {violation.desc()}: "
                                f"{lines[violation.line_no - 1].strip()[:100]}")
    assert len(compiled) >= 20 and any(name.startswith("incremental/") for name in compiled)
    assert problems == []


def test_the_linter_reports_what_it_is_asked_to(compiled):
    """The same linter finds an upper-case keyword, an implicit alias and a keyword as a name."""
    linter = Linter(config=FluffConfig.from_path(str(PROJECT_DIR), overrides={"templater": "raw"}))
    sql = "select stored.user_id from events stored WHERE stored.user_id is not null\n"
    codes = {v.rule_code() for v in linter.lint_string(sql).get_violations()}
    assert {"CP01", "AL01", "RF04"} <= codes, codes


def test_macro_files_have_short_lines_no_tabs_no_trailing_spaces():
    problems = []
    for path in sorted((PROJECT_DIR / "macros").rglob("*.sql")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.relative_to(PROJECT_DIR)}:{number}"
            if len(line) > 120:
                problems.append(f"{where}: {len(line)} characters")
            if "\t" in line:
                problems.append(f"{where}: a tab")
            if line != line.rstrip():
                problems.append(f"{where}: trailing space")
    assert problems == []
