"""``activation-demo benchmark``: is the activation layer cheap enough to run every day on
years of events?

On one DuckDB file per data set, with the project's own generator:

1. **Full builds vs limits.** Generate ``--scale`` events over ``--days`` days, build the
   upstream tables once (``fact__events``, ``dim__users``, ``fact__purchases``), then, for
   each activation model in turn, ``dbt run --full-refresh -s <model>`` and its *limit
   query* (:mod:`activation_demo.benchmark_limits`: the simplest correct SQL for the same
   output, one plain ``create table as select``), interleaved, ``--repeats`` times.
   Model times are dbt's own (``run_results.json``: the node's ``execution_time``, its
   compile step, with the introspection queries the macros run, included); limit times
   are measured around ``execute`` on a fresh connection with the same settings.
2. **Equality.** Each model's table must equal its limit query's table (``except all``
   both ways, and row counts); any difference fails the benchmark.
3. **Incremental runs.** Append one more day of events, rebuild the upstream tables
   (untimed), and time ``dbt run`` of the models (no ``--full-refresh``), ``--repeats``
   times from the same starting file. The same at ``--short-days`` of history with the
   same arrival rate, over the last days of the long history's calendar (so the appended
   day is the same date): a one-day run should not depend on the length of the history.
4. **Growth.** Full builds at each ``--growth`` scale (same days): time should grow
   linearly with the number of events.

Peak memory (the process's resident-set high-water mark; dbt runs in-process, so it
covers dbt, DuckDB and the generator) is reset and read per phase.

The table of ratios is printed with targets, and written to ``--out`` as
``benchmark.json`` and ``benchmark.png``. The exit status is 1 when a model differs from
its limit query (2 with ``--fail-on-miss`` when a target is missed), else 0.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import duckdb
from tqdm import tqdm

from activation_demo.benchmark_limits import LIMIT_SCHEMA, LIMITS, LIMITS_BY_MODEL, MODEL_SCHEMA, Limit
from activation_demo.dbt_runner import PROJECT_DIR, invoke
from activation_demo.generate import FIRST_VISIT, EventStream, append_days, generate, iter_event_chunks

UPSTREAM_MODELS = ["stg_app__events", "fact__events", "dim__users", "fact__purchases"]
MODELS = [limit.model for limit in LIMITS]
INCREMENTAL_MODELS = [limit.model for limit in LIMITS if limit.incremental]

DEFAULT_SCALE = 30_000_000
DEFAULT_GROWTH = "10M,30M,100M"

# Targets (the issue's, on a 2-core machine).
TARGET_FULL_OVER_LIMIT = 1.5
TARGET_INCREMENTAL_OVER_FULL = 0.10
TARGET_FLATNESS = 1.3
TARGET_GROWTH = 1.25  # (time ratio) / (events ratio) between two scales; 1.0 is linear
TARGET_PEAK_BYTES = 4 * 1024**3
TARGET_PEAK_SCALE = 100_000_000

# ---------------------------------------------------------------------------------------
# Scales
# ---------------------------------------------------------------------------------------


def parse_scale(text: str) -> int:
    """``30M``, ``1.5M``, ``500k``, ``100000000`` -> events."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGbB]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a number of events: {text!r} (e.g. 30M, 500k)")
    factor = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "b": 10**9}[match.group(2).lower()]
    events = int(float(match.group(1)) * factor)
    if events < 1000:
        raise argparse.ArgumentTypeError(f"scale must be at least 1000 events; got {text!r}")
    return events


def parse_growth(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "no", "off"):
        return []
    return sorted({parse_scale(part) for part in text.split(",")})


def format_scale(events: float) -> str:
    if events >= 10**6:
        return f"{events / 10**6:.3g}M"
    if events >= 10**3:
        return f"{events / 10**3:.3g}k"
    return f"{events:.0f}"


def events_per_user(days: int, seed: int = 42) -> float:
    """Events per new user of a ``days``-day stream, measured on a small sample of it."""
    probe = EventStream(users_per_day=max(20.0, 6000.0 / days), seed=seed)
    events = users = 0
    for chunk in iter_event_chunks(probe, 0, days):
        names = chunk["event_name"]
        events += len(names)
        users += int((names == FIRST_VISIT).sum())
    return events / max(users, 1)


def stream_for(scale: int, days: int, seed: int = 42) -> EventStream:
    """The stream whose first ``days`` days hold about ``scale`` events."""
    users = max(1, round(scale / events_per_user(days, seed)))
    return EventStream.from_users(users, days, seed=seed)


# ---------------------------------------------------------------------------------------
# Memory: the process's peak RSS, reset per phase (Linux), else sampled
# ---------------------------------------------------------------------------------------


class PeakMemory:
    """Peak resident set size of this process over a phase."""

    def __init__(self) -> None:
        self.phases: dict[str, int] = {}
        self._can_reset = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as handle:
                handle.write("5")  # resets VmHWM to the current RSS
            return True
        except OSError:
            return False

    @staticmethod
    def _hwm() -> int | None:
        try:
            with open("/proc/self/status") as handle:
                for line in handle:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        import psutil

        process = psutil.Process()
        peak = [process.memory_info().rss]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.05):
                peak[0] = max(peak[0], process.memory_info().rss)

        if self._can_reset:
            self._reset()
            sampler = None
        else:
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        try:
            yield
        finally:
            stop.set()
            if sampler is not None:
                sampler.join()
            hwm = self._hwm() if self._can_reset else None
            value = max(peak[0], hwm or 0)
            self.phases[name] = max(self.phases.get(name, 0), value)


# ---------------------------------------------------------------------------------------
# dbt and DuckDB
# ---------------------------------------------------------------------------------------


@dataclass
class Runner:
    """dbt runs of the project (in-process) with their target and log paths in a work dir."""

    workdir: Path
    project_dir: Path = PROJECT_DIR
    quiet: bool = False

    def dbt(self, args: list[str], db_path: Path) -> dict[str, dict[str, float]]:
        """Run dbt; return per model {'total': execution_time, 'execute': ..., 'compile': ...}."""
        target = self.workdir / "target"
        cli = [*args, "--target-path", str(target), "--log-path", str(self.workdir / "logs"),
               "--threads", "1", "--quiet"]
        result = invoke(cli, db_path, project_dir=self.project_dir)
        if not result.success:
            raise RuntimeError(f"dbt {' '.join(args)} failed on {db_path} (log: {self.workdir / 'logs'})")
        with open(target / "run_results.json") as handle:
            run_results = json.load(handle)
        times: dict[str, dict[str, float]] = {}
        for node in run_results["results"]:
            name = node["unique_id"].rsplit(".", 1)[-1]
            entry = {"total": float(node["execution_time"])}
            for timing in node.get("timing", []):
                if timing.get("started_at") and timing.get("completed_at"):
                    started = dt.datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00"))
                    completed = dt.datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00"))
                    entry[timing["name"]] = (completed - started).total_seconds()
            times[name] = entry
        return times

    def build_upstream(self, db_path: Path) -> None:
        self.dbt(["run", "--select", *UPSTREAM_MODELS], db_path)


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A connection with the settings the dbt profile gives DuckDB (UTC, the memory limit;
    default threads)."""
    con = duckdb.connect(str(db_path))
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"set memory_limit = '{os.environ.get('DBT_ACTIVATION_DUCKDB_MEMORY_LIMIT', '3GB')}'")
    return con


def time_limit(db_path: Path, limit: Limit) -> float:
    """Seconds of the limit query's ``create table as select``, on a fresh connection."""
    with connect(db_path) as con:
        con.execute(f"create schema if not exists {LIMIT_SCHEMA}")
        started = time.perf_counter()
        con.execute(limit.sql)
        return time.perf_counter() - started


def count_events(db_path: Path) -> tuple[int, int, str, str]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        events, users, first, last = con.execute(
            "select count(*), count(distinct user_id), min(event_at), max(event_at) from raw.app_events"
        ).fetchone()
    return int(events), int(users), str(first), str(last)


# ---------------------------------------------------------------------------------------
# Equality of a model and its limit query
# ---------------------------------------------------------------------------------------


@dataclass
class Equality:
    model: str
    model_rows: int
    limit_rows: int
    only_in_model: int
    only_in_limit: int
    sample_only_in_model: list[list[Any]] = field(default_factory=list)
    sample_only_in_limit: list[list[Any]] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return self.model_rows == self.limit_rows and self.only_in_model == 0 and self.only_in_limit == 0

    def describe(self) -> str:
        if self.equal:
            return f"{self.model}: equal ({self.model_rows:,} rows)"
        lines = [f"{self.model}: DIFFERS from its limit query: {self.model_rows:,} rows vs "
                 f"{self.limit_rows:,}; {self.only_in_model:,} only in the model, "
                 f"{self.only_in_limit:,} only in the limit query"]
        for label, rows in (("only in the model", self.sample_only_in_model),
                            ("only in the limit query", self.sample_only_in_limit)):
            for row in rows:
                lines.append(f"    {label}: {row}")
        return "\n".join(lines)


def check_equal(con: duckdb.DuckDBPyConnection, model: str, sample: int = 5) -> Equality:
    """Compare ``main.<model>`` with ``bench_limit.<model>`` row for row (``except all`` both
    ways; the limit's columns are cast to the model's types and taken in the model's order)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [MODEL_SCHEMA, model]).fetchall()
    if not columns:
        raise RuntimeError(f"table {MODEL_SCHEMA}.{model} not found")
    model_columns = ", ".join(f'"{name}"' for name, _ in columns)
    limit_columns = ", ".join(f'cast("{name}" as {kind}) as "{name}"' for name, kind in columns)
    model_select = f"select {model_columns} from {MODEL_SCHEMA}.{model}"
    limit_select = f"select {limit_columns} from {LIMIT_SCHEMA}.{model}"

    def count(sql: str) -> int:
        return int(con.execute(f"select count(*) from ({sql})").fetchone()[0])

    def rows(sql: str) -> list[list[Any]]:
        return [list(map(_plain, row)) for row in con.execute(f"{sql} limit {sample}").fetchall()]

    only_model = f"({model_select}) except all ({limit_select})"
    only_limit = f"({limit_select}) except all ({model_select})"
    result = Equality(model, count(model_select), count(limit_select), count(only_model), count(only_limit))
    if not result.equal:
        result.sample_only_in_model = rows(f"select * from ({only_model}) order by all")
        result.sample_only_in_limit = rows(f"select * from ({only_limit}) order by all")
    return result


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def check_all(db_path: Path, models: Sequence[str] = MODELS) -> list[Equality]:
    with duckdb.connect(str(db_path)) as con:
        return [check_equal(con, model) for model in models]


# ---------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


@dataclass
class Context:
    runner: Runner
    memory: PeakMemory
    repeats: int
    bar: tqdm
    log_lines: list[str] = field(default_factory=list)

    def log(self, message: str) -> None:
        self.log_lines.append(message)
        if not self.bar.disable:
            self.bar.write(message)

    def step(self, description: str) -> None:
        self.bar.set_description(description)
        self.bar.update(1)


def prepare(ctx: Context, db_path: Path, stream: EventStream, days: int, label: str,
            progress: bool) -> dict[str, Any]:
    """Generate ``days`` days of ``stream`` into a new file and build the upstream tables."""
    with ctx.memory.phase(f"generate {label}"):
        summary = generate(db_path, days, stream, progress=progress)
    ctx.log(f"[{label}] {summary.describe('generated')}")
    with ctx.memory.phase(f"upstream {label}"):
        ctx.runner.build_upstream(db_path)
    events, users, first, last = count_events(db_path)
    return {"events": events, "users": users, "days": days, "first_event_at": first,
            "last_event_at": last, "users_per_day": stream.users_per_day,
            "generate_seconds": summary.seconds}


def full_builds(ctx: Context, db_path: Path, label: str, with_limits: bool) -> dict[str, Any]:
    """``--repeats`` rounds of: each model's full refresh, then its limit query (the order of
    the two alternates between rounds). Returns per-model lists of seconds."""
    model_times: dict[str, list[float]] = {m: [] for m in MODELS}
    model_execute: dict[str, list[float]] = {m: [] for m in MODELS}
    limit_times: dict[str, list[float]] = {m: [] for m in MODELS}
    for repeat in range(ctx.repeats):
        for model in MODELS:
            def run_model() -> None:
                times = ctx.runner.dbt(["run", "--full-refresh", "--select", model], db_path)[model]
                model_times[model].append(times["total"])
                model_execute[model].append(times.get("execute", times["total"]))

            def run_limit() -> None:
                limit_times[model].append(time_limit(db_path, LIMITS_BY_MODEL[model]))

            order = [run_model, run_limit] if with_limits else [run_model]
            if repeat % 2 == 1:
                order.reverse()
            with ctx.memory.phase(f"full build {label}"):
                for run in order:
                    run()
            ctx.step(f"{label}: full builds, round {repeat + 1}/{ctx.repeats}")
    return {"model": model_times, "model_execute": model_execute, "limit": limit_times}


def copy_to_disk(source: Path, target: Path) -> None:
    """Copy a file and wait until it is on disk: otherwise the first fsync of a timed run (a
    DuckDB checkpoint at commit) pays for writing back the whole copy."""
    shutil.copyfile(source, target)
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


NODE_ID = re.compile(r'"node_id": "model\.[\w]+\.(\w+)"')


@contextmanager
def profiled_scans(profile_path: Path) -> Iterator[dict[str, dict[str, int]]]:
    """While active, every statement dbt runs on DuckDB (in this process) is profiled: yields
    {model: {table: rows}}, the cardinality of each table scan in DuckDB's profile (the rows
    it passes on, after the filters pushed into it, such as a bound on the partition
    column: what a partitioned engine would read), summed over the model's statements (the
    plan's queries, the hooks, its statement), attributed by the node id of dbt's query
    comment. (DuckDB itself still reads the row groups its min/max statistics cannot skip.)"""
    from dbt.adapters.duckdb.environments.local import DuckDBCursorWrapper

    scans: dict[str, dict[str, int]] = {}
    original = DuckDBCursorWrapper.execute

    def walk(operator: dict[str, Any], found: dict[str, int]) -> None:
        if operator.get("type") == "TABLE_SCAN" and "Table" in operator.get("extra_info", {}):
            table = operator["extra_info"]["Table"].rsplit(".", 1)[-1]
            found[table] = found.get(table, 0) + int(operator.get("intermediate_rows", 0))
        for child in operator.get("children", []):
            walk(child, found)

    def execute(self, sql, bindings=None):
        model = NODE_ID.search(sql or "")
        if model is None:
            return original(self, sql, bindings)
        self._cursor.execute("set enable_profiling = 'json'")
        self._cursor.execute(f"set profiling_output = '{profile_path}'")
        profile_path.unlink(missing_ok=True)
        result = original(self, sql, bindings)
        if profile_path.exists():
            found = scans.setdefault(model.group(1), {})
            for operator in json.loads(profile_path.read_text()).get("operator", []):
                walk(operator, found)
        return result

    DuckDBCursorWrapper.execute = execute
    try:
        yield scans
    finally:
        DuckDBCursorWrapper.execute = original


def stored_scans(scans: dict[str, int], model: str) -> dict[str, int]:
    """A model's scans split: its own table (the history it has stored), its per-user and
    run-state tables beside it, and the other tables it reads (its sources)."""
    split = {"stored": 0, "per_user": 0, "source": 0}
    for table, rows in scans.items():
        if table == model:
            split["per_user" if model.endswith("_first_last") else "stored"] += rows
        elif table.startswith(model + "__"):
            split["per_user"] += rows
        elif not table.endswith("__dbt_tmp"):
            split["source"] += rows
    return split


def incremental_runs(ctx: Context, db_path: Path, stream: EventStream, days: int, label: str,
                     progress: bool) -> dict[str, Any]:
    """Append one day, rebuild upstream, then ``--repeats`` incremental runs of the models,
    each from a copy of the same file. The file is left as after the last run."""
    with ctx.memory.phase(f"append {label}"):
        appended = append_days(db_path, days, 1, stream, progress=progress)
    ctx.log(f"[{label}] {appended.describe('appended')}")
    with ctx.memory.phase(f"upstream {label}"):
        ctx.runner.build_upstream(db_path)
    base = db_path.with_name(db_path.stem + ".before-increment.duckdb")
    copy_to_disk(db_path, base)
    times: dict[str, list[float]] = {m: [] for m in MODELS}
    execute: dict[str, list[float]] = {m: [] for m in MODELS}
    try:
        for repeat in range(ctx.repeats):
            if repeat:
                copy_to_disk(base, db_path)
            with ctx.memory.phase(f"incremental {label}"):
                result = ctx.runner.dbt(["run", "--select", *MODELS], db_path)
            for model in MODELS:
                times[model].append(result[model]["total"])
                execute[model].append(result[model].get("execute", result[model]["total"]))
            ctx.step(f"{label}: incremental run {repeat + 1}/{ctx.repeats}")
        # once more, untimed, every statement profiled: the rows each model's run scans
        copy_to_disk(base, db_path)
        with profiled_scans(db_path.with_name(db_path.stem + ".profile.json")) as scans:
            ctx.runner.dbt(["run", "--select", *MODELS], db_path)
    finally:
        base.unlink(missing_ok=True)
    return {"model": times, "model_execute": execute, "appended_events": appended.events,
            "scans": {m: stored_scans(scans.get(m, {}), m) for m in MODELS}}


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


@dataclass
class Ratio:
    group: str
    name: str
    value: float
    target: float | None  # upper bound, None for information only
    note: str = ""

    @property
    def status(self) -> str:
        if self.target is None or math.isnan(self.value):
            return "info"
        return "PASS" if self.value <= self.target else "MISS"


def compute_ratios(report: dict[str, Any]) -> list[Ratio]:
    ratios: list[Ratio] = []
    main = report["main"]
    full = {m: main["full"][m]["model_s"] for m in MODELS}
    for model in MODELS:
        entry = main["full"][model]
        ratios.append(Ratio("full build / limit", model, entry["model_s"] / entry["limit_s"],
                            TARGET_FULL_OVER_LIMIT,
                            f"{entry['model_s']:.2f}s vs {entry['limit_s']:.2f}s"))
    total_full = sum(full[m] for m in INCREMENTAL_MODELS)
    if "incremental" in main:
        incremental = {m: main["incremental"][m]["model_s"] for m in MODELS}
        for model in MODELS:
            target = TARGET_INCREMENTAL_OVER_FULL if model in INCREMENTAL_MODELS else None
            note = f"{incremental[model]:.2f}s vs {full[model]:.2f}s"
            if model not in INCREMENTAL_MODELS:
                note += " (a table rebuilt each run)"
            ratios.append(Ratio("1-day incremental / full build", model,
                                incremental[model] / full[model], target, note))
        total_incremental = sum(incremental[m] for m in INCREMENTAL_MODELS)
        ratios.append(Ratio("1-day incremental / full build", "all incremental models",
                            total_incremental / total_full, TARGET_INCREMENTAL_OVER_FULL,
                            f"{total_incremental:.2f}s vs {total_full:.2f}s"))
    short = report.get("short")
    if short and "incremental" in main:
        short_days, long_days = short["data"]["days"], main["data"]["days"]
        # The generator's active population grows with history, so the appended day is
        # larger after a long history: the target applies per appended event.
        day_ratio = main["appended_day_events"] / short["appended_day_events"]
        for per_event in (False, True):
            group = f"1-day incremental at {long_days} / {short_days} days"
            if per_event:
                group += f", per appended event (day x{day_ratio:.2f})"
            scale = day_ratio if per_event else 1.0
            for model in MODELS:
                long_s = main["incremental"][model]["model_s"]
                short_s = short["incremental"][model]["model_s"]
                target = TARGET_FLATNESS if per_event and model in INCREMENTAL_MODELS else None
                ratios.append(Ratio(group, model, long_s / short_s / scale, target,
                                    f"{long_s:.2f}s vs {short_s:.2f}s"))
            long_total = sum(main["incremental"][m]["model_s"] for m in INCREMENTAL_MODELS)
            short_total = sum(short["incremental"][m]["model_s"] for m in INCREMENTAL_MODELS)
            ratios.append(Ratio(group, "all incremental models", long_total / short_total / scale,
                                TARGET_FLATNESS if per_event else None,
                                f"{long_total:.2f}s vs {short_total:.2f}s; day of "
                                f"{main['appended_day_events']:,} vs {short['appended_day_events']:,} events"))
    if short and "incremental" in main:
        day_ratio = main["appended_day_events"] / short["appended_day_events"]
        group = (f"rows scanned from stored tables by a 1-day run, {long_days} / {short_days} days, "
                 f"per appended event (day x{day_ratio:.2f})")
        for model in INCREMENTAL_MODELS:
            long_rows = main["incremental"][model]["rows_scanned"]
            short_rows = short["incremental"][model]["rows_scanned"]
            kind = "per_user" if model.endswith("_first_last") else "stored"
            note = (f"{long_rows[kind]:,} vs {short_rows[kind]:,} rows; one row per user: "
                    f"{long_rows['per_user']:,} vs {short_rows['per_user']:,}")
            target = None if kind == "per_user" else TARGET_FLATNESS
            ratios.append(Ratio(group, model, (long_rows[kind] + 1) / (short_rows[kind] + 1) / day_ratio,
                                target, note))
    points = report.get("growth", [])
    for low, high in zip(points, points[1:]):
        event_ratio = high["events"] / low["events"]
        group = f"full-build growth {format_scale(low['events'])} -> {format_scale(high['events'])} events"
        for model in MODELS:
            time_ratio = high["full_s"][model] / low["full_s"][model]
            ratios.append(Ratio(group, model, time_ratio / event_ratio, None,
                                f"time x{time_ratio:.2f} for events x{event_ratio:.2f}"))
        low_total = sum(low["full_s"][m] for m in MODELS)
        high_total = sum(high["full_s"][m] for m in MODELS)
        ratios.append(Ratio(group, "all models", (high_total / low_total) / event_ratio, TARGET_GROWTH,
                            f"time x{high_total / low_total:.2f} for events x{event_ratio:.2f}"))
    memory = report["memory"]
    for label, peak in memory["by_scale"].items():
        at_target_scale = abs(float(label) / TARGET_PEAK_SCALE - 1) < 0.2
        ratios.append(Ratio("peak memory (GB)", f"builds at {format_scale(float(label))} events",
                            peak / 1024**3, TARGET_PEAK_BYTES / 1024**3 if at_target_scale else None,
                            "dbt + DuckDB, in-process"))
    return ratios


def format_table(ratios: list[Ratio]) -> str:
    lines = []
    width = max(len(r.name) for r in ratios) + 2
    group = None
    for ratio in ratios:
        if ratio.group != group:
            group = ratio.group
            lines.append("")
            lines.append(group)
        target = f"<= {ratio.target:g}" if ratio.target is not None else ""
        lines.append(f"  {ratio.name:<{width}} {ratio.value:8.3f}  {target:>8}  {ratio.status:<4}  {ratio.note}")
    return "\n".join(lines)


def write_chart(report: dict[str, Any], ratios: list[Ratio], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[Ratio]] = {}
    for ratio in ratios:
        if not ratio.group.startswith("full-build growth") and not ratio.group.startswith("peak"):
            groups.setdefault(ratio.group, []).append(ratio)
    panels = len(groups) + 1
    fig, axes = plt.subplots(panels, 1, figsize=(11, 3.6 * panels), squeeze=False)
    colours = {"PASS": "#2e8b57", "MISS": "#c0392b", "info": "#95a5a6"}
    for axis, (group, items) in zip(axes[:, 0], groups.items()):
        names = [_short_name(r.name) for r in items]
        axis.barh(names, [r.value for r in items], color=[colours[r.status] for r in items])
        targets = {r.target for r in items if r.target is not None}
        for target in targets:
            axis.axvline(target, color="black", linestyle="--", linewidth=1)
            axis.text(target, -0.9, f" target {target:g}", fontsize=8, va="top")
        for y, ratio in enumerate(items):
            axis.text(ratio.value, y, f" {ratio.value:.2f}", va="center", fontsize=8)
        axis.set_title(group)
        axis.invert_yaxis()
        axis.tick_params(axis="y", labelsize=8)
    axis = axes[-1, 0]
    points = report.get("growth", [])
    if len(points) >= 1:
        events = [p["events"] / 10**6 for p in points]
        totals = [sum(p["full_s"].values()) for p in points]
        axis.plot(events, totals, "o-", label="all models, full build (median)")
        for model in ("fact_app_visit_activation_daily", "fact__first_activation_events",
                      "fact_app_visit_first_last"):
            axis.plot(events, [p["full_s"][model] for p in points], ".--", label=_short_name(model))
        if totals and events[0] > 0:
            axis.plot(events, [totals[0] * e / events[0] for e in events], ":", color="grey",
                      label="linear from the smallest scale")
        axis.set_xlabel("events (millions)")
        axis.set_ylabel("seconds")
        axis.legend(fontsize=8)
    else:
        axis.text(0.5, 0.5, "not measured (--growth none)", ha="center", va="center",
                  transform=axis.transAxes)
    axis.set_title("full-build time by scale")
    data = report["main"]["data"]
    peak = max(report["memory"]["phases"].values()) / 1024**3
    fig.suptitle(f"dbt_activation benchmark: {data['events']:,} events, {data['users']:,} users, "
                 f"{data['days']} days; median of {report['config']['repeats']}; peak RSS {peak:.2f} GB",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _short_name(model: str) -> str:
    return model.replace("fact_app_visit_activation_", "app_visit_").replace(
        "fact_purchase_activation_", "purchase_").replace("fact_", "").strip("_")


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "-C", str(PROJECT_DIR), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _summarise(times: dict[str, list[float]]) -> dict[str, float]:
    return {m: median(v) for m, v in times.items()}


# ---------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------


def add_benchmark_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "benchmark",
        help="time the activation models against their limit queries, full and incremental",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_benchmark_arguments(parser)
    parser.set_defaults(func=run_benchmark)


def add_benchmark_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=parse_scale, default=DEFAULT_SCALE,
                        help="events of the main data set, e.g. 1M, 30M, 100M (default: 30M)")
    parser.add_argument("--days", type=int, default=365, help="days of history (default: 365)")
    parser.add_argument("--short-days", type=int, default=30,
                        help="short history for the flatness check, same arrival rate; 0 skips it (default: 30)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement, medians reported (default: 3)")
    parser.add_argument("--growth", type=parse_growth, default=parse_growth(DEFAULT_GROWTH),
                        help=f"scales of the linear-growth check, comma-separated, or 'none' (default: "
                             f"{DEFAULT_GROWTH}); the main scale is reused, not rebuilt")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument("--out", type=Path, default=Path("benchmark"),
                        help="directory for benchmark.json and benchmark.png (default: ./benchmark)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="directory for the DuckDB files and dbt's target (default: a temporary one, removed)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory's DuckDB files")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--fail-on-miss", action="store_true", help="exit 2 when a target is missed")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


# Installed by `make install-benchmark` (requirements-benchmark.txt), not by `make demo`.
BENCHMARK_PACKAGES = ("psutil", "matplotlib")


def run_benchmark(args: argparse.Namespace) -> int:
    missing = [name for name in BENCHMARK_PACKAGES if find_spec(name) is None]
    if missing:  # checked first: the chart is drawn after hours of work
        raise ValueError(f"the benchmark needs {', '.join(missing)}, which the demo does not install: "
                         "run `make install-benchmark` (pinned in requirements-benchmark.txt)")
    if args.days <= 0 or args.repeats <= 0 or args.short_days < 0:
        raise ValueError("--days and --repeats must be positive, --short-days >= 0")
    if args.short_days >= args.days:
        raise ValueError("--short-days must be smaller than --days")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.workdir is None:
        with tempfile.TemporaryDirectory(prefix="activation-benchmark-") as workdir:
            return _run(args, Path(workdir))
    args.workdir.mkdir(parents=True, exist_ok=True)
    return _run(args, args.workdir)


def _run(args: argparse.Namespace, workdir: Path) -> int:
    progress = not args.quiet
    started = time.perf_counter()
    growth = [s for s in args.growth if abs(s / args.scale - 1) > 0.05]
    steps = (args.repeats * len(MODELS)  # full builds and limits
             + args.repeats * (2 if args.short_days else 1)  # incremental runs
             + args.repeats * len(growth) * len(MODELS))
    bar = tqdm(total=steps, unit="step", file=sys.stderr, disable=not progress, position=0,
               bar_format="{desc:<48} {bar} {n_fmt}/{total_fmt} [{elapsed}<{remaining}]")
    ctx = Context(Runner(workdir, args.project_dir, args.quiet), PeakMemory(), args.repeats, bar)
    report: dict[str, Any] = {
        "config": {"scale": args.scale, "days": args.days, "short_days": args.short_days,
                   "repeats": args.repeats, "growth": args.growth, "seed": args.seed},
        "environment": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version(), "duckdb": duckdb.__version__,
                        "dbt": _dbt_version(), "commit": _git_commit(),
                        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")},
        "targets": {"full_over_limit": TARGET_FULL_OVER_LIMIT,
                    "incremental_over_full": TARGET_INCREMENTAL_OVER_FULL,
                    "flatness": TARGET_FLATNESS, "growth": TARGET_GROWTH,
                    "peak_bytes_at_100M": TARGET_PEAK_BYTES},
    }
    peaks_by_scale: dict[str, int] = {}
    with bar:
        # -- main scale: full builds vs limits, equality, incremental ------------------------
        stream = stream_for(args.scale, args.days, args.seed)
        main_db = workdir / "history_long.duckdb"
        label = f"{format_scale(args.scale)}/{args.days}d"
        bar.set_description(f"{label}: generating")
        main: dict[str, Any] = {"data": prepare(ctx, main_db, stream, args.days, label, progress)}
        measured = full_builds(ctx, main_db, label, with_limits=True)
        model_s, limit_s = _summarise(measured["model"]), _summarise(measured["limit"])
        execute_s = _summarise(measured["model_execute"])
        main["full"] = {m: {"model_s": model_s[m], "model_execute_s": execute_s[m], "limit_s": limit_s[m],
                            "model_runs_s": measured["model"][m], "limit_runs_s": measured["limit"][m]}
                        for m in MODELS}
        bar.set_description(f"{label}: equality checks")
        equalities = check_all(main_db)
        main["equality"] = {e.model: asdict(e) | {"equal": e.equal} for e in equalities}
        for equality in equalities:
            ctx.log(equality.describe())
        peaks_by_scale[str(main["data"]["events"])] = ctx.memory.phases.get(f"full build {label}", 0)
        incremental = incremental_runs(ctx, main_db, stream, args.days, label, progress)
        inc_s, inc_exec = _summarise(incremental["model"]), _summarise(incremental["model_execute"])
        main["incremental"] = {m: {"model_s": inc_s[m], "model_execute_s": inc_exec[m],
                                   "model_runs_s": incremental["model"][m],
                                   "rows_scanned": incremental["scans"][m]} for m in MODELS}
        main["appended_day_events"] = incremental["appended_events"]
        # the incremental result must equal the limit queries on the appended data too
        bar.set_description(f"{label}: equality checks after the increment")
        for limit in LIMITS:
            time_limit(main_db, limit)
        after = check_all(main_db)
        main["equality_after_incremental"] = {e.model: asdict(e) | {"equal": e.equal} for e in after}
        for equality in after:
            ctx.log("after the increment: " + equality.describe())
        report["main"] = main
        if not args.keep:
            main_db.unlink(missing_ok=True)

        # -- short history: the same one-day run --------------------------------------------
        if args.short_days:
            short_db = workdir / "history_short.duckdb"
            label_short = f"{args.short_days}d"
            bar.set_description(f"{label_short}: generating")
            # The same arrival rate, over the last --short-days days of the long history's
            # calendar: the appended day then falls on the same weekday and day of the month,
            # so both one-day runs do the same period work (a new month, a week's third day).
            short_stream = replace(stream, start=stream.start + dt.timedelta(days=args.days - args.short_days))
            short: dict[str, Any] = {"data": prepare(ctx, short_db, short_stream, args.short_days, label_short,
                                                     progress)}
            with ctx.memory.phase(f"full build {label_short}"):
                ctx.runner.dbt(["run", "--full-refresh", "--select", *MODELS], short_db)
            incremental = incremental_runs(ctx, short_db, short_stream, args.short_days, label_short, progress)
            inc_s = _summarise(incremental["model"])
            short["incremental"] = {m: {"model_s": inc_s[m], "model_runs_s": incremental["model"][m],
                                        "rows_scanned": incremental["scans"][m]} for m in MODELS}
            short["appended_day_events"] = incremental["appended_events"]
            report["short"] = short
            if not args.keep:
                short_db.unlink(missing_ok=True)

        # -- growth: full builds at each scale ----------------------------------------------
        points = [{"events": main["data"]["events"], "scale": args.scale,
                   "full_s": {m: main["full"][m]["model_s"] for m in MODELS}}] if args.growth else []
        for scale in growth:
            db_path = workdir / f"growth_{scale}.duckdb"
            label_growth = f"{format_scale(scale)}/{args.days}d"
            growth_stream = stream_for(scale, args.days, args.seed)
            bar.set_description(f"{label_growth}: generating")
            data = prepare(ctx, db_path, growth_stream, args.days, label_growth, progress)
            measured = full_builds(ctx, db_path, label_growth, with_limits=False)
            peaks_by_scale[str(data["events"])] = ctx.memory.phases.get(f"full build {label_growth}", 0)
            points.append({"events": data["events"], "scale": scale, "data": data,
                           "full_s": _summarise(measured["model"]), "full_runs_s": measured["model"]})
            if not args.keep:
                db_path.unlink(missing_ok=True)
        report["growth"] = sorted(points, key=lambda p: p["events"])

    report["memory"] = {"phases": ctx.memory.phases, "by_scale": peaks_by_scale}
    ratios = compute_ratios(report)
    report["ratios"] = [asdict(r) | {"status": r.status} for r in ratios]
    report["equal"] = all(e.equal for e in equalities + after)
    report["seconds"] = time.perf_counter() - started
    report["log"] = ctx.log_lines

    (args.out / "benchmark.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    write_chart(report, ratios, args.out / "benchmark.png")

    data = main["data"]
    print(f"\ndbt_activation benchmark: {data['events']:,} events, {data['users']:,} users, {data['days']} days "
          f"(+1 day: {main['appended_day_events']:,} events); medians of {args.repeats}; "
          f"{os.cpu_count()} CPUs; {report['seconds'] / 60:.1f} min")
    print(format_table(ratios))
    print("\nmemory peaks by phase: " + ", ".join(
        f"{name} {peak / 1024**3:.2f} GB" for name, peak in ctx.memory.phases.items()))
    for title, checks in (("equality with the limit queries (full builds):", equalities),
                          ("equality with the limit queries (after the 1-day incremental run):", after)):
        print("\n" + title)
        for equality in checks:
            print("  " + equality.describe().replace("\n", "\n  "))
    print(f"\nwrote {args.out / 'benchmark.json'} and {args.out / 'benchmark.png'}")
    if not report["equal"]:
        print("FAILED: a model differs from its limit query", file=sys.stderr)
        return 1
    if args.fail_on_miss and any(r.status == "MISS" for r in ratios):
        print("FAILED: a target was missed (--fail-on-miss)", file=sys.stderr)
        return 2
    return 0


def _dbt_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("dbt-core")
    except Exception:  # noqa: BLE001 - informational only
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m activation_demo.benchmark", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_benchmark_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_benchmark(args)
    except ValueError as error:
        parser.exit(2, f"benchmark: error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
