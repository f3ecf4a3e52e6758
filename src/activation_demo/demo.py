"""``activation-demo demo``: build the demo warehouse on DuckDB and print the core metric.

Steps: generate the synthetic event stream into ``raw.app_events``, run ``dbt build``
(seeds, models, data tests, unit tests) on the project, then run the compiled analysis
``first_activation_core_metric`` and print it: by first-visit cohort, the users doing key
event 1 within 1 day and key event 2 within 7 days of their first visit.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import duckdb

from activation_demo.dbt_runner import PROJECT_DIR, invoke
from activation_demo.generate import EventStream, generate

DEFAULT_DB = PROJECT_DIR / "target" / "activation.duckdb"
CORE_METRIC = "first_activation_core_metric"


def dbt(args: list[str], db_path: Path) -> None:
    """Run one dbt command on the project against ``db_path``; raise if it fails."""
    result = invoke(args, db_path)
    if not result.success:
        raise RuntimeError(f"dbt {args[0]} failed; see the log above")


def core_metric(db_path: Path) -> tuple[list[str], list[tuple]]:
    """Compile and run the core-metric analysis; return its columns and rows."""
    dbt(["compile", "--select", "resource_type:analysis", "--quiet"], db_path)  # one node would be echoed
    compiled = PROJECT_DIR / "target" / "compiled" / "dbt_activation" / "analyses" / f"{CORE_METRIC}.sql"
    with duckdb.connect(str(db_path), read_only=True) as con:
        cursor = con.execute(compiled.read_text())
        return [d[0] for d in cursor.description], cursor.fetchall()


def format_table(columns: list[str], rows: list[tuple]) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float) or type(value).__name__ == "Decimal":
            return f"{float(value):.1%}"
        return "" if value is None else str(value)

    cells = [columns] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def add_demo_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate demo data, dbt build the project on DuckDB, print the core funnel metric",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"DuckDB file (default: {DEFAULT_DB})")
    parser.add_argument("--users", type=int, default=3000, help="new users over --days days (default: 3000)")
    parser.add_argument("--days", type=int, default=60, help="days of events (default: 60)")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1),
                        help="first day, YYYY-MM-DD (default: 2025-01-01)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument("--cohorts", type=int, default=14, help="latest cohorts to print (default: 14)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    stream = EventStream.from_users(args.users, args.days, start=args.start, seed=args.seed)
    print(generate(args.db, args.days, stream, progress=not args.quiet).describe("generated"), flush=True)
    dbt(["build", "--full-refresh"], args.db)
    columns, rows = core_metric(args.db)
    print(f"\nCore metric: add_to_cart within 1 day and purchase within 7 days of the first visit"
          f" (latest {args.cohorts} cohorts; is_window_complete = false: the 7-day window is still open)\n")
    print(format_table(columns, rows[-args.cohorts:]))
    complete = [r for r in rows if r[columns.index("is_window_complete")]]
    users = sum(r[columns.index("first_visit_users")] for r in complete)
    core = sum(r[columns.index("core_users")] for r in complete)
    print(f"\nAll complete cohorts: {core:,} of {users:,} first-visit users "
          f"({core / users:.1%}) reached the core metric." if users else "")
    print(f"Warehouse: {args.db} (built in {time.perf_counter() - started:.0f} s)")
    return 0
