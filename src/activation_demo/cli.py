"""``activation-demo`` command line.

Each subcommand is a pair of functions: ``add_<name>_parser(subparsers)`` declares its
arguments and sets ``func`` to ``run_<name>(args) -> int``; :data:`SUBCOMMANDS` lists the
``add_*`` functions, so a new subcommand is one more pair and one more entry.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Sequence

from activation_demo.benchmark import add_benchmark_parser
from activation_demo.dashboard import add_dashboard_parser
from activation_demo.demo import add_demo_parser
from activation_demo.generate import EventStream, append_days, generate


def add_generate_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write the synthetic raw.app_events table into a DuckDB file",
        description=(
            "Write the synthetic app event stream into raw.app_events. --users and --days "
            "set the arrival rate (users / days new users a day, realised count is "
            "approximate); the same --users, --days, --start and --seed always give the "
            "same events. With --append-days K the table must hold the --days days "
            "already, and the next K days are appended exactly as a run of days + K "
            "days at the same rate would have written them."
        ),
    )
    parser.add_argument("--db", required=True, help="DuckDB database file")
    parser.add_argument("--users", type=int, default=3000, help="new users over --days days (default: 3000)")
    parser.add_argument("--days", type=int, default=60, help="days from --start (default: 60)")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1),
                        help="first day, YYYY-MM-DD (default: 2025-01-01)")
    parser.add_argument("--seed", type=int, default=42, help="random seed, >= 0 (default: 42)")
    parser.add_argument("--append-days", type=int, metavar="K",
                        help="append K days after the existing --days days instead of regenerating")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    stream = EventStream.from_users(args.users, args.days, start=args.start, seed=args.seed)
    if args.append_days is None:
        summary = generate(args.db, args.days, stream, progress=not args.quiet)
        print(summary.describe("generated"))
    else:
        summary = append_days(args.db, args.days, args.append_days, stream, progress=not args.quiet)
        print(summary.describe("appended"))
    return 0


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_generate_parser, add_demo_parser, add_dashboard_parser, add_benchmark_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="activation-demo", description="Jobs around the dbt_activation demo warehouse.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser in SUBCOMMANDS:
        add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as error:
        build_parser().exit(2, f"activation-demo {args.command}: error: {error}\n")
