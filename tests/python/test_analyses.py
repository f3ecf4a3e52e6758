"""The analyses in analyses/ on the demo warehouse: each compiles and returns rows, and
values that can fail are checked against the models they read (and against the
definitions recomputed in Python).

The warehouse is built once per session: the demo generator writes raw.app_events
(about 500 users over 40 days) into a temporary DuckDB file, `dbt build` builds the demo
models, `dbt compile` compiles the analyses into a temporary target path and each
compiled query is run with the duckdb module on the file opened read-only. The grain
parameter of activation_cohort_retention is exercised on a copy of the project (daily and
monthly variants, and an invalid grain).
"""
from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import release_duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
ANALYSES_DIR = PROJECT_DIR / "analyses"
COMPILED_SUBDIR = Path("compiled") / "dbt_activation" / "analyses"

ANALYSES = [
    "first_activation_key_event_trend",
    "first_activation_conversion_by_cohort",
    "first_activation_core_metric",
    "first_activation_core_metric_by_country",
    "activation_growth_accounting",
    "activation_transition_matrix",
    "activation_quick_ratio",
    "activation_cohort_retention",
    "activation_streak_distribution",
    "activation_reactivation_gaps",
    "activation_dau_wau_mau",
]

DEMO_USERS = 500
DEMO_DAYS = 40

# Variants of activation_cohort_retention compiled in a copy of the project:
# name -> (grain, model)
RETENTION_VARIANTS = {
    "activation_cohort_retention_daily": ("day", "fact_app_visit_activation_daily"),
    "activation_cohort_retention_monthly": ("month", "fact_app_visit_activation_monthly"),
}


# ---------------------------------------------------------------------------------------
# Building the warehouse
# ---------------------------------------------------------------------------------------

@dataclass
class Result:
    columns: list[str]
    rows: list[dict[str, Any]]


@dataclass
class DemoWarehouse:
    db_path: Path
    results: dict[str, Result]
    variant_results: dict[str, Result]
    bad_grain_error: str

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(sql).fetchall()


def _generate(db_path: Path) -> None:
    try:
        from activation_demo.generate import EventStream, generate
    except ImportError:  # the package is not installed: import it from the source tree
        sys.path.insert(0, str(PROJECT_DIR / "src"))
        from activation_demo.generate import EventStream, generate
    generate(db_path, days=DEMO_DAYS, stream=EventStream.from_users(DEMO_USERS, DEMO_DAYS))


def _dbt(project_dir: Path, root: Path, *args: str):
    cli = [
        *args,
        "--project-dir", str(project_dir),
        "--profiles-dir", str(project_dir),
        "--target-path", str(root / "target"),
        "--log-path", str(root / "logs"),
        "--quiet",
    ]
    try:
        return dbtRunner().invoke(cli)
    finally:
        release_duckdb()


def _failure(result) -> str:
    messages = [str(result.exception)] if result.exception else []
    for node_result in result.result or []:
        if getattr(node_result, "status", None) in ("error", "fail"):
            messages.append(f"{node_result.node.name}: {node_result.message}")
    return "; ".join(messages) or "no message"


def _run_compiled(db_path: Path, compiled_dir: Path, names: list[str]) -> dict[str, Result]:
    results = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for name in names:
            cursor = con.execute((compiled_dir / f"{name}.sql").read_text())
            columns = [d[0] for d in cursor.description]
            results[name] = Result(columns, [dict(zip(columns, row)) for row in cursor.fetchall()])
    return results


def _project_copy(root: Path) -> Path:
    """The dbt project without its Python parts, data and build output (tests/ stays: the
    unit tests' fixtures are in tests/fixtures/)."""
    copy = root / "project"
    shutil.copytree(
        PROJECT_DIR, copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".venv-emulator", ".git", "target", "logs", "dbt_packages", "src", "python",
            "*.duckdb*", ".pytest_cache", ".hypothesis", "__pycache__", "*.egg-info"),
    )
    return copy


def _set_parameter(sql: str, name: str, value: str) -> str:
    pattern = re.compile(r"\{%\s*set\s+" + name + r"\s*=\s*[^%]*%\}")
    assert pattern.search(sql), f"no `{{% set {name} = ... %}}` in the analysis"
    return pattern.sub(lambda _: f"{{% set {name} = {value} %}}", sql, count=1)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> DemoWarehouse:
    root = tmp_path_factory.mktemp("analyses")
    db_path = root / "demo.duckdb"
    _generate(db_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_ACTIVATION_DUCKDB_PATH", str(db_path))

        built = _dbt(PROJECT_DIR, root, "build")
        assert built.success, f"dbt build failed: {_failure(built)}"
        compiled = _dbt(PROJECT_DIR, root, "compile", "--select", "path:analyses")
        assert compiled.success, f"dbt compile failed: {_failure(compiled)}"

        # the grain parameter of the retention triangle, on a copy of the project
        copy_root = root / "variants"
        copy = _project_copy(copy_root)
        source = (copy / "analyses" / "activation_cohort_retention.sql").read_text()
        for name, (grain, model) in RETENTION_VARIANTS.items():
            variant = _set_parameter(source, "grain", repr(grain))
            variant = variant.replace("ref('fact_app_visit_activation_weekly')", f"ref('{model}')")
            (copy / "analyses" / f"{name}.sql").write_text(variant)
        variants = _dbt(copy, copy_root, "compile", "--select", *RETENTION_VARIANTS)
        assert variants.success, f"dbt compile of the variants failed: {_failure(variants)}"

        (copy / "analyses" / "activation_cohort_retention.sql").write_text(
            _set_parameter(source, "grain", "'wek'"))
        bad = _dbt(copy, root / "bad_grain", "compile", "--select", "activation_cohort_retention")
        assert not bad.success, "an invalid grain compiled"

    return DemoWarehouse(
        db_path=db_path,
        results=_run_compiled(db_path, root / "target" / COMPILED_SUBDIR, ANALYSES),
        variant_results=_run_compiled(db_path, copy_root / "target" / COMPILED_SUBDIR, list(RETENTION_VARIANTS)),
        bad_grain_error=_failure(bad),
    )


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

def parameters(name: str) -> dict[str, Any]:
    """The literal `{% set name = value %}` parameters at the top of an analysis."""
    found = {}
    for key, value in re.findall(r"\{%\s*set\s+(\w+)\s*=\s*(.+?)\s*%\}", (ANALYSES_DIR / f"{name}.sql").read_text()):
        try:
            found[key] = ast.literal_eval(value.replace("none", "None"))
        except (ValueError, SyntaxError):
            pass  # a computed value, not a parameter
    return found


def first_activation_rows(demo: DemoWarehouse) -> list[dict[str, Any]]:
    columns = ["user_id", "event_name", "first_visit_date", "date", "days_from_first_visit"]
    rows = demo.query(f"select {', '.join(columns)} from main.fact__first_activation_events")
    return [dict(zip(columns, row)) for row in rows]


def core_metric_expected(rows, users: set[str] | None = None) -> dict[dt.date, tuple[int, int, int]]:
    """(first visits, key event 1 users, core users) per cohort, from the mart's rows."""
    p = parameters("first_activation_core_metric")
    by_user = defaultdict(dict)
    cohort_of = {}
    for row in rows:
        if users is not None and row["user_id"] not in users:
            continue
        by_user[row["user_id"]][row["event_name"]] = row["days_from_first_visit"]
        cohort_of[row["user_id"]] = row["first_visit_date"]
    expected = defaultdict(lambda: [0, 0, 0])
    for user, events in by_user.items():
        if "first_visit" not in events:
            continue
        counts = expected[cohort_of[user]]
        step_1 = events.get(p["key_event_1"], 10**9) <= p["key_event_1_window_days"]
        step_2 = events.get(p["key_event_2"], 10**9) <= p["key_event_2_window_days"]
        counts[0] += 1
        counts[1] += step_1
        counts[2] += step_1 and step_2
    return {cohort: tuple(counts) for cohort, counts in expected.items()}


def by_key(result: Result, *keys: str) -> dict[Any, dict[str, Any]]:
    index = {}
    for row in result.rows:
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        assert key not in index, f"duplicate row for {key}"
        index[key] = row
    return index


# ---------------------------------------------------------------------------------------
# Every analysis compiles, runs, returns rows and is documented
# ---------------------------------------------------------------------------------------

def test_the_analyses_folder_holds_exactly_these_analyses():
    assert sorted(p.stem for p in ANALYSES_DIR.glob("*.sql")) == sorted(ANALYSES)


@pytest.mark.parametrize("name", ANALYSES)
def test_analysis_compiles_and_returns_rows(demo, name):
    result = demo.results[name]
    assert result.rows, f"{name} returned no rows"
    assert len(set(result.columns)) == len(result.columns)


@pytest.mark.parametrize("name", ANALYSES)
def test_analysis_starts_with_a_comment_and_is_documented(name):
    sql = (ANALYSES_DIR / f"{name}.sql").read_text()
    assert sql.startswith("-- "), f"{name} does not start with a SQL comment"
    assert "select * from final" in sql
    documented = yaml.safe_load((ANALYSES_DIR / "analyses.yml").read_text())["analyses"]
    descriptions = {entry["name"]: entry.get("description", "") for entry in documented}
    assert descriptions.get(name, "").strip(), f"{name} is not described in analyses/analyses.yml"


# ---------------------------------------------------------------------------------------
# First activation
# ---------------------------------------------------------------------------------------

def test_key_event_trend_counts_each_first_occurrence_once(demo):
    key_events = parameters("first_activation_key_event_trend")["key_events"]
    rows = first_activation_rows(demo)
    expected = Counter((row["event_name"], row["date"]) for row in rows if row["event_name"] in key_events)
    got = {(row["event_name"], row["conversion_date"]): row["converted_users"]
           for row in demo.results["first_activation_key_event_trend"].rows}
    assert got == dict(expected)


def test_core_metric_first_visits_match_dim_users(demo):
    users_per_day = dict(demo.query("select first_date, count(*) from main.dim__users group by first_date"))
    metric = by_key(demo.results["first_activation_core_metric"], "cohort_date")
    assert {cohort: row["first_visit_users"] for cohort, row in metric.items()} == users_per_day


def test_core_metric_counts_users_meeting_both_conditions(demo):
    expected = core_metric_expected(first_activation_rows(demo))
    metric = by_key(demo.results["first_activation_core_metric"], "cohort_date")
    got = {cohort: (row["first_visit_users"], row["key_event_1_users"], row["core_users"])
           for cohort, row in metric.items()}
    assert got == expected
    assert sum(core for _, _, core in got.values()) > 0, "the demo data has no core conversions"
    for row in metric.values():
        assert row["core_users"] <= row["key_event_1_users"] <= row["first_visit_users"]
        assert row["key_event_1_rate"] == pytest.approx(row["key_event_1_users"] / row["first_visit_users"])
        assert row["core_rate"] == pytest.approx(row["core_users"] / row["first_visit_users"])
        if row["key_event_1_users"]:
            assert row["key_event_2_step_rate"] == pytest.approx(row["core_users"] / row["key_event_1_users"])
            assert row["core_rate"] == pytest.approx(row["key_event_1_rate"] * row["key_event_2_step_rate"])
        else:
            assert row["key_event_2_step_rate"] is None


def test_core_metric_flags_cohorts_whose_window_has_not_elapsed(demo):
    p = parameters("first_activation_core_metric")
    window = max(p["key_event_1_window_days"], p["key_event_2_window_days"])
    latest = demo.query("select max(date) from main.fact__first_activation_events")[0][0]
    metric = by_key(demo.results["first_activation_core_metric"], "cohort_date")
    for cohort, row in metric.items():
        assert row["is_window_complete"] is (cohort + dt.timedelta(days=window - 1) <= latest), cohort
    incomplete = sorted(cohort for cohort, row in metric.items() if not row["is_window_complete"])
    assert len(incomplete) == window - 1, "the latest cohorts are the incomplete ones"
    assert incomplete and metric[incomplete[0]]["key_event_1_rate"] is not None, "still shown"


def test_conversion_by_cohort_agrees_with_the_definition(demo):
    p = parameters("first_activation_conversion_by_cohort")
    rows = first_activation_rows(demo)
    latest = max(row["date"] for row in rows)
    converted = Counter(row["first_visit_date"] for row in rows
                        if row["event_name"] == p["key_event"]
                        and row["days_from_first_visit"] <= p["conversion_window_days"])
    visits = Counter(row["first_visit_date"] for row in rows if row["event_name"] == "first_visit")
    result = by_key(demo.results["first_activation_conversion_by_cohort"], "cohort_date")
    assert set(result) == set(visits)
    for cohort, row in result.items():
        assert (row["first_visit_users"], row["converted_users"]) == (visits[cohort], converted[cohort])
        assert row["conversion_rate"] == pytest.approx(converted[cohort] / visits[cohort])
        window_end = cohort + dt.timedelta(days=p["conversion_window_days"] - 1)
        assert row["is_window_complete"] is (window_end <= latest)


def test_core_metric_by_country_restricts_to_the_country(demo):
    country = parameters("first_activation_core_metric_by_country")["country"]
    users = {user for (user,) in demo.query(
        f"select user_id from main.dim__users where country = '{country}'")}
    assert users, f"no demo user in {country}"
    expected = core_metric_expected(first_activation_rows(demo), users)
    result = by_key(demo.results["first_activation_core_metric_by_country"], "cohort_date")
    assert {cohort: (row["first_visit_users"], row["key_event_1_users"], row["core_users"])
            for cohort, row in result.items()} == expected
    overall = by_key(demo.results["first_activation_core_metric"], "cohort_date")
    assert sum(row["first_visit_users"] for row in result.values()) < sum(
        row["first_visit_users"] for row in overall.values())
    for cohort, row in result.items():
        assert row["is_window_complete"] is overall[cohort]["is_window_complete"]


# ---------------------------------------------------------------------------------------
# Activation lifecycle (the weekly app-visit model)
# ---------------------------------------------------------------------------------------

WEEKLY = "main.fact_app_visit_activation_weekly"


def test_growth_accounting_identities(demo):
    growth = by_key(demo.results["activation_growth_accounting"], "period_start")
    active = dict(demo.query(f"select period_start, count(*) from {WEEKLY} where is_active group by period_start"))
    periods = sorted(growth)
    assert periods == sorted(active), "one row per period of the model"
    assert len(periods) >= 5
    for period in periods:
        row = growth[period]
        assert row["churned_users"] <= 0, "churned is negative, for a bar chart"
        assert row["active_users"] == row["new_users"] + row["retained_users"] + row["reactivated_users"]
        assert row["active_users"] == active[period]
        previous = growth.get(period - dt.timedelta(days=7))
        previous_active = previous["active_users"] if previous else 0
        assert row["retained_users"] - row["churned_users"] == previous_active, period
        assert row["net_change"] == row["active_users"] - previous_active, period
    assert any(growth[p]["reactivated_users"] for p in periods), "the demo data has reactivations"


def test_quick_ratio_matches_growth_accounting(demo):
    growth = by_key(demo.results["activation_growth_accounting"], "period_start")
    ratios = by_key(demo.results["activation_quick_ratio"], "period_start")
    assert set(ratios) == set(growth)
    for period, row in ratios.items():
        churned = -growth[period]["churned_users"]
        assert row["churned_users"] == churned
        if churned == 0:
            assert row["quick_ratio"] is None
        else:
            gained = growth[period]["new_users"] + growth[period]["reactivated_users"]
            assert row["quick_ratio"] == pytest.approx(gained / churned)
    assert ratios[min(ratios)]["quick_ratio"] is None, "nobody churns in the first period"


def test_transition_matrix_rows_sum_to_one(demo):
    matrix = demo.results["activation_transition_matrix"].rows
    allowed = {
        ("none", "new"), ("new", "retained"), ("new", "inactive"), ("retained", "retained"),
        ("retained", "inactive"), ("reactivated", "retained"), ("reactivated", "inactive"),
        ("inactive", "reactivated"),
    }
    assert {(row["previous_state"], row["activation_state"]) for row in matrix} <= allowed
    totals = Counter()
    for row in matrix:
        totals[row["previous_state"]] += row["share_of_previous_state"]
    assert all(total == pytest.approx(1.0) for total in totals.values()), totals
    assert sum(row["transition_rows"] for row in matrix) == demo.query(f"select count(*) from {WEEKLY}")[0][0]
    expected = dict(((previous, state), count) for previous, state, count in demo.query(
        f"select coalesce(previous_state, 'none'), activation_state, count(*) from {WEEKLY} group by all"))
    assert {(row["previous_state"], row["activation_state"]): row["transition_rows"] for row in matrix} == expected


def _periods_between(first: dt.date, second: dt.date, grain: str) -> int:
    if grain == "day":
        return (second - first).days
    if grain == "week":
        assert (second - first).days % 7 == 0
        return (second - first).days // 7
    return (second.year - first.year) * 12 + second.month - first.month


def _check_retention(demo: DemoWarehouse, result: Result, model: str, grain: str) -> None:
    triangle = by_key(result, "cohort_period", "period_start")
    cohort_sizes = dict(demo.query(
        f"select first_active_period, count(distinct user_id) from {model} group by first_active_period"))
    active = dict(((cohort, period), count) for cohort, period, count in demo.query(
        f"select first_active_period, period_start, count(*) from {model} where is_active group by all"))
    periods = sorted({period for (period,) in demo.query(f"select distinct period_start from {model}")})
    expected_cells = {(cohort, period) for cohort in cohort_sizes for period in periods if period >= cohort}
    assert set(triangle) == expected_cells, "a full triangle: every period from each cohort on"
    for (cohort, period), row in triangle.items():
        assert row["periods_since_cohort"] == _periods_between(cohort, period, grain)
        assert row["cohort_users"] == cohort_sizes[cohort]
        assert row["active_users"] == active.get((cohort, period), 0)
        assert row["retention_rate"] == pytest.approx(row["active_users"] / row["cohort_users"])
        assert row["active_users"] <= row["cohort_users"]
        if row["periods_since_cohort"] == 0:
            assert row["retention_rate"] == 1.0, (cohort, period)


def test_cohort_retention_weekly(demo):
    assert parameters("activation_cohort_retention")["grain"] == "week"
    _check_retention(demo, demo.results["activation_cohort_retention"], WEEKLY, "week")


@pytest.mark.parametrize("name", list(RETENTION_VARIANTS))
def test_cohort_retention_other_grains(demo, name):
    grain, model = RETENTION_VARIANTS[name]
    result = demo.variant_results[name]
    assert result.rows
    _check_retention(demo, result, f"main.{model}", grain)


def test_cohort_retention_rejects_an_unknown_grain(demo):
    assert "grain must be one of 'day', 'week', 'month'; got 'wek'" in demo.bad_grain_error


def test_streak_distribution_accounts_for_every_active_row(demo):
    streaks = demo.results["activation_streak_distribution"].rows
    active_rows, latest_active = demo.query(
        f"select count(*) filter (where is_active), "
        f"count(*) filter (where is_active and period_start = (select max(period_start) from {WEEKLY})) "
        f"from {WEEKLY}")[0]
    # every active row belongs to exactly one streak, counted once at its final length
    assert sum(row["streak_length"] * row["streaks"] for row in streaks) == active_rows
    assert sum(row["ongoing_streaks"] for row in streaks) == latest_active
    ended = demo.query(f"select count(*) from {WEEKLY} where activation_state = 'inactive'")[0][0]
    assert sum(row["ended_streaks"] for row in streaks) == ended
    for row in streaks:
        assert row["streaks"] == row["ended_streaks"] + row["ongoing_streaks"]
    assert sum(row["share_of_streaks"] for row in streaks) == pytest.approx(1.0)
    assert min(row["streak_length"] for row in streaks) == 1


def test_reactivation_gaps_match_the_reactivated_rows(demo):
    gaps = demo.results["activation_reactivation_gaps"].rows
    expected = dict(demo.query(
        f"select inactive_periods, count(*) from {WEEKLY} where activation_state = 'reactivated' group by all"))
    assert {row["inactive_periods"]: row["reactivations"] for row in gaps} == expected
    assert min(row["inactive_periods"] for row in gaps) >= 1
    assert sum(row["share_of_reactivations"] for row in gaps) == pytest.approx(1.0)


def test_dau_wau_mau_match_the_daily_model(demo):
    p = parameters("activation_dau_wau_mau")
    active = defaultdict(set)
    for day, user in demo.query(
            "select period_start, user_id from main.fact_app_visit_activation_daily where is_active"):
        active[day].add(user)
    first_day = min(active)
    result = by_key(demo.results["activation_dau_wau_mau"], "activity_date")
    assert len(result) == DEMO_DAYS

    def trailing(day: dt.date, days: int) -> int:
        users = set()
        for back in range(days):
            users |= active.get(day - dt.timedelta(days=back), set())
        return len(users)

    for day, row in result.items():
        dau, wau, mau = len(active.get(day, ())), trailing(day, p["wau_days"]), trailing(day, p["mau_days"])
        assert (row["daily_active_users"], row["weekly_active_users"], row["monthly_active_users"]) == (dau, wau, mau)
        assert row["dau_mau_stickiness"] == pytest.approx(dau / mau)
        assert row["dau_wau_stickiness"] == pytest.approx(dau / wau)
        assert row["is_wau_window_complete"] is ((day - first_day).days >= p["wau_days"] - 1)
        assert row["is_mau_window_complete"] is ((day - first_day).days >= p["mau_days"] - 1)
    assert sum(row["is_mau_window_complete"] for row in result.values()) == DEMO_DAYS - p["mau_days"] + 1
