"""``activation-demo dashboard``: the activation dashboard, one self-contained static page.

The page is built from the standard outputs of the dbt project only, found through the
configuration the dbt_activation macros record on each model they build
(``config.meta.dbt_activation`` in the dbt manifest), so any model name works:

- **first-activation facts** (``first_activation_events``): the key events and the
  first-visit event come from the recorded configuration; the users model the facts
  were built from (named in the model's run state) supplies the attributes of the
  funnel breakdown (its low-cardinality text columns);
- **activation models** (``activation_states``), with their recorded grain, time zone,
  week start and as-of date; models reading the same source in the same time zone are
  one metric shown at several grains;
- **summaries** (``activation_summary``) of those models (computed the same way when a
  model has none), whose ``is_period_complete`` marks the open period, hatched in the
  charts.

DuckDB queries turn them into small aggregates (never one row per user): for the funnel,
first-visit users counted per (cohort day, attribute value, day of key event 1, day of key
event 2), days capped at ``max_days`` (later or never = 0), from which the page computes
any window N, M <= ``max_days`` at any cohort grain in the browser; for each activation
model its summary, transition counts, streak and gap distributions and retention
triangle, and per metric DAU / WAU / MAU from its daily model. The page embeds the data
as JSON and plotly.js, so it opens from the file system with no network, and draws the
charts with Plotly.

Modules: ``dashboard_discovery`` (the manifest), ``dashboard_warehouse``,
``dashboard_funnel`` and ``dashboard_lifecycle`` (the queries), ``dashboard_page`` (the
payload and the page), and this one (the command line).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from activation_demo.dashboard_funnel import MAX_DAYS, TOP_VALUES
from activation_demo.dashboard_page import build_dashboard

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_DIR / "target" / "activation.duckdb"
DEFAULT_MANIFEST = PROJECT_DIR / "target" / "manifest.json"
DEFAULT_OUT = PROJECT_DIR / "target" / "dashboard" / "index.html"


def add_dashboard_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="build the activation dashboard: one static HTML page (works offline)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"DuckDB warehouse (default: {DEFAULT_DB})")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST,
                        help=f"dbt manifest listing the models to show (default: {DEFAULT_MANIFEST})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"page to write (default: {DEFAULT_OUT})")
    parser.add_argument("--max-days", type=int, default=MAX_DAYS,
                        help=f"longest funnel window selectable in the page, in days (default: {MAX_DAYS})")
    parser.add_argument("--top-values", type=int, default=TOP_VALUES,
                        help=f"attribute values shown by name, the rest as (other) (default: {TOP_VALUES})")
    parser.set_defaults(func=run_dashboard)


def run_dashboard(args: argparse.Namespace) -> int:
    if args.max_days < 1 or args.top_values < 1:
        raise ValueError("--max-days and --top-values must be at least 1")
    print(build_dashboard(args.db, args.manifest, args.out, args.max_days, args.top_values).describe())
    return 0
