"""The analyses in analyses/: on the demo warehouse, and copied into another project.

1. Demo: the demo generator writes raw.app_events (about 500 users over 40 days) into a
   temporary DuckDB file, `dbt build` builds the demo models, `dbt compile` compiles the
   analyses, and each compiled query is run with the duckdb module on the file opened
   read-only; its numbers are checked against the models they read (and against the
   definitions recomputed in Python).

2. Copied into another project, as an analyst does: a throwaway dbt project ("consumer")
   installs this repository as a package (`packages.yml`, `local:`), has its own event
   data (a deterministic generator below: members of a community who sign up, post,
   comment and like over about 60 days, with a users table keyed by `member_id`) and its
   own model names, built with the public macros: `fct_signups_funnel`
   (first_activation_events, first visit event `signup`, key events `create_post` and
   `comment`), `fct_posts_activation_daily`, `fct_posts_activation_wk` (with an as_of
   date) and `fct_posts_activation_mo` (activation_states of the posts). EVERY analysis
   file is copied into its analyses/ folder, and only the text between the markers of its
   parameter block is replaced (variants: several grains, models and as_of dates); the
   text after the block must not change. One `dbt compile` writes the SQL to
   target/compiled/consumer/analyses/ (the path analyses.yml names), which runs on the
   DuckDB file; each result is compared with an independent recomputation in Python from
   the raw events. A parameter left hard-coded below the block (a demo event, model or
   window) makes these comparisons fail.
"""
from __future__ import annotations

import ast
import datetime as dt
import random
import re
import sys
import textwrap
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

BLOCK_START = "{#- ==== parameters: change only this block ==== #}"
BLOCK_END = "{#- ==== end of parameters ==== #}"

FIRST_ACTIVATION_ANALYSES = [
    "first_activation_key_event_trend",
    "first_activation_conversion_by_cohort",
    "first_activation_core_metric",
    "first_activation_core_metric_by_country",
]
LIFECYCLE_ANALYSES = [  # every one reads an activation model and marks its open period
    "activation_growth_accounting",
    "activation_transition_matrix",
    "activation_quick_ratio",
    "activation_cohort_retention",
    "activation_streak_distribution",
    "activation_reactivation_gaps",
    "activation_dau_wau_mau",
]
ANALYSES = FIRST_ACTIVATION_ANALYSES + LIFECYCLE_ANALYSES

DEMO_USERS = 500
DEMO_DAYS = 40


# ---------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------

@dataclass
class Result:
    columns: list[str]
    rows: list[dict[str, Any]]


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


def _run_compiled(db_path: Path, compiled_dir: Path, names) -> dict[str, Result]:
    results = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for name in names:
            cursor = con.execute((compiled_dir / f"{name}.sql").read_text())
            columns = [d[0] for d in cursor.description]
            results[name] = Result(columns, [dict(zip(columns, row)) for row in cursor.fetchall()])
    return results


def split_block(sql: str) -> tuple[str, str, str]:
    """(text before the parameter block, the block, text after it)."""
    assert sql.count(BLOCK_START) == 1 and sql.count(BLOCK_END) == 1, "one parameter block, marked"
    before, rest = sql.split(BLOCK_START)
    block, after = rest.split(BLOCK_END)
    return before, block, after


def block_parameters(sql: str) -> dict[str, str]:
    """The block's parameters: name -> the Jinja expression it is set to."""
    _, block, _ = split_block(sql)
    found = dict(re.findall(r"^\{% set (\w+) = (.+?) %\}", block, re.M))
    assert len(found) == len(re.findall(r"\{%", block)), "the block holds one `{% set %}` per line"
    return found


def with_block(sql: str, values: dict[str, str]) -> str:
    """The analysis with its parameter block replaced: every parameter set to ``values``
    (Jinja expressions); the text around the block is kept as it is."""
    before, block, after = split_block(sql)
    assert set(values) == set(block_parameters(sql)), "set every parameter of the block"
    new_block = "\n" + "".join(f"{{% set {name} = {value} %}}\n" for name, value in values.items())
    return before + BLOCK_START + new_block + BLOCK_END + after


def parameters(name: str) -> dict[str, Any]:
    """The literal values of an analysis' parameters (the refs are left out)."""
    found = {}
    for key, value in block_parameters((ANALYSES_DIR / f"{name}.sql").read_text()).items():
        try:
            found[key] = ast.literal_eval(value.replace("none", "None"))
        except (ValueError, SyntaxError):
            pass  # ref(...)
    return found


def by_key(result: Result, *keys: str) -> dict[Any, dict[str, Any]]:
    index = {}
    for row in result.rows:
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        assert key not in index, f"duplicate row for {key}"
        index[key] = row
    return index


def core_metric_expected(rows, p: dict[str, Any], users: set[str] | None = None):
    """(first visits, key event 1 users, core users) per cohort, from first-activation rows
    (dicts with user_id, event_name, first_visit_date, days_from_first_visit)."""
    by_user = defaultdict(dict)
    cohort_of = {}
    for row in rows:
        if users is not None and row["user_id"] not in users:
            continue
        by_user[row["user_id"]][row["event_name"]] = row["days_from_first_visit"]
        cohort_of[row["user_id"]] = row["first_visit_date"]
    expected = defaultdict(lambda: [0, 0, 0])
    for user, events in by_user.items():
        if p["first_visit_event"] not in events:
            continue
        counts = expected[cohort_of[user]]
        step_1 = events.get(p["key_event_1"], 10**9) <= p["key_event_1_window_days"]
        step_2 = events.get(p["key_event_2"], 10**9) <= p["key_event_2_window_days"]
        counts[0] += 1
        counts[1] += step_1
        counts[2] += step_1 and step_2
    return {cohort: tuple(counts) for cohort, counts in expected.items()}


def period_of(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())  # weeks from Monday
    return day.replace(day=1)


def next_period(period: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return period + dt.timedelta(days=1)
    if grain == "week":
        return period + dt.timedelta(days=7)
    return (period + dt.timedelta(days=31)).replace(day=1)


def periods_between(first: dt.date, second: dt.date, grain: str) -> int:
    if grain == "day":
        return (second - first).days
    if grain == "week":
        assert (second - first).days % 7 == 0
        return (second - first).days // 7
    return (second.year - first.year) * 12 + second.month - first.month


def is_complete(period: dt.date, last_period: dt.date, grain: str, as_of: dt.date | None) -> bool:
    """The definition: every period before the model's last one is complete; the last
    one only when as_of is set and the period ended by then (as_of is its last day or
    later)."""
    return period < last_period or (as_of is not None and next_period(period, grain) <= as_of + dt.timedelta(days=1))


# ---------------------------------------------------------------------------------------
# The files themselves
# ---------------------------------------------------------------------------------------

def test_the_analyses_folder_holds_exactly_these_analyses():
    assert sorted(p.stem for p in ANALYSES_DIR.glob("*.sql")) == sorted(ANALYSES)


@pytest.mark.parametrize("name", ANALYSES)
def test_analysis_starts_with_its_description_then_its_parameter_block(name):
    sql = (ANALYSES_DIR / f"{name}.sql").read_text()
    before, block, after = split_block(sql)
    # the header: only SQL comments, saying what to change and where the SQL lands
    assert before.startswith("-- ") and all(line.startswith("-- ") for line in before.splitlines())
    assert "change only the\n-- parameter block" in before
    assert f"target/compiled/<your project name>/analyses/{name}.sql" in before
    assert "select * from final" in after
    params = block_parameters(sql)
    model_parameter = "activation_model" if name in LIFECYCLE_ANALYSES else "first_activation_model"
    assert params[model_parameter].startswith("ref(")
    if name in LIFECYCLE_ANALYSES:
        assert params["as_of"] == "none"
        assert "is_period_complete" in before or "open_period_" in before
        assert ("grain" in params) is (name != "activation_dau_wau_mau")
    documented = yaml.safe_load((ANALYSES_DIR / "analyses.yml").read_text())["analyses"]
    descriptions = {entry["name"]: entry.get("description", "") for entry in documented}
    assert descriptions.get(name, "").strip(), f"{name} is not described in analyses/analyses.yml"


GRAINS = {"'day'", "'week'", "'month'"}


@pytest.mark.parametrize("name", ANALYSES)
def test_nothing_below_the_block_names_a_model_or_an_event(name):
    """Everything an analyst changes is in the block: below it, no ref, no source, no macro
    of this package (private ones included), and none of the block's values (event names,
    column names, segment value; grains aside, which the checks name)."""
    sql = (ANALYSES_DIR / f"{name}.sql").read_text()
    _, block, after = split_block(sql)
    assert not re.search(r"\bref\(|\bsource\(|dbt_activation\.", after)
    values = {value for expression in block_parameters(sql).values()
              for value in re.findall(r"'[^']*'", expression)} - GRAINS
    assert values, "the block has values"
    assert not [value for value in values if value in after]
    assert "ref(" in block


# ---------------------------------------------------------------------------------------
# 1. The demo warehouse
# ---------------------------------------------------------------------------------------

@dataclass
class DemoWarehouse:
    db_path: Path
    results: dict[str, Result]

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


@pytest.fixture(scope="module")
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
    return DemoWarehouse(db_path, _run_compiled(db_path, root / "target" / COMPILED_SUBDIR, ANALYSES))


def first_activation_rows(demo: DemoWarehouse) -> list[dict[str, Any]]:
    columns = ["user_id", "event_name", "first_visit_date", "date", "days_from_first_visit"]
    rows = demo.query(f"select {', '.join(columns)} from main.fact__first_activation_events")
    return [dict(zip(columns, row)) for row in rows]


@pytest.mark.parametrize("name", ANALYSES)
def test_analysis_compiles_and_returns_rows(demo, name):
    result = demo.results[name]
    assert result.rows, f"{name} returned no rows"
    assert len(set(result.columns)) == len(result.columns)


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
    p = parameters("first_activation_core_metric")
    expected = core_metric_expected(first_activation_rows(demo), p)
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
    p = parameters("first_activation_core_metric_by_country")
    users = {user for (user,) in demo.query(
        f"select user_id from main.dim__users where {p['country_column']} = '{p['country']}'")}
    assert users, f"no demo user in {p['country']}"
    expected = core_metric_expected(first_activation_rows(demo), p, users)
    result = by_key(demo.results["first_activation_core_metric_by_country"], "cohort_date")
    assert {cohort: (row["first_visit_users"], row["key_event_1_users"], row["core_users"])
            for cohort, row in result.items()} == expected
    overall = by_key(demo.results["first_activation_core_metric"], "cohort_date")
    assert sum(row["first_visit_users"] for row in result.values()) < sum(
        row["first_visit_users"] for row in overall.values())
    for cohort, row in result.items():
        assert row["is_window_complete"] is overall[cohort]["is_window_complete"]


# ---- activation lifecycle (the weekly app-visit model) ----------------------------------

WEEKLY = "main.fact_app_visit_activation_weekly"


def _last_period(demo: DemoWarehouse, model: str = WEEKLY) -> dt.date:
    return demo.query(f"select max(period_start) from {model}")[0][0]


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


def test_the_open_period_is_the_demo_models_last_period(demo):
    """as_of is none: the last week (40 days from Wednesday 2025-01-01 end on a Sunday,
    2025-02-09, but the model cannot know the week is over) is open, every other complete."""
    last = _last_period(demo)
    assert last == dt.date(2025, 2, 3)
    for name in ["activation_growth_accounting", "activation_quick_ratio"]:
        rows = by_key(demo.results[name], "period_start")
        assert {period: row["is_period_complete"] for period, row in rows.items()} == {
            period: period < last for period in rows}, name
    retention = demo.results["activation_cohort_retention"].rows
    assert {row["is_period_complete"] for row in retention if row["period_start"] == last} == {False}
    assert all(row["is_period_complete"] for row in retention if row["period_start"] < last)
    daily_last = _last_period(demo, "main.fact_app_visit_activation_daily")
    dau = by_key(demo.results["activation_dau_wau_mau"], "activity_date")
    assert [day for day, row in dau.items() if not row["is_period_complete"]] == [daily_last]


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
    cells = "coalesce(previous_state, 'none'), activation_state"
    expected = {(previous, state): (count, in_last) for previous, state, count, in_last in demo.query(
        f"select {cells}, count(*), count(*) filter (where period_start = '{_last_period(demo)}') "
        f"from {WEEKLY} group by all")}
    assert {(row["previous_state"], row["activation_state"]):
            (row["transition_rows"], row["open_period_transition_rows"]) for row in matrix} == expected
    assert sum(row["open_period_transition_rows"] for row in matrix) > 0


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
        assert row["periods_since_cohort"] == periods_between(cohort, period, grain)
        assert row["cohort_users"] == cohort_sizes[cohort]
        assert row["active_users"] == active.get((cohort, period), 0)
        assert row["retention_rate"] == pytest.approx(row["active_users"] / row["cohort_users"])
        assert row["active_users"] <= row["cohort_users"]
        assert row["is_period_complete"] is (period < periods[-1])
        if row["periods_since_cohort"] == 0:
            assert row["retention_rate"] == 1.0, (cohort, period)


def test_cohort_retention_weekly(demo):
    assert parameters("activation_cohort_retention")["grain"] == "week"
    _check_retention(demo, demo.results["activation_cohort_retention"], WEEKLY, "week")


def test_streak_distribution_accounts_for_every_active_row(demo):
    streaks = demo.results["activation_streak_distribution"].rows
    last = _last_period(demo)
    active_rows, latest_active, churned_in_last = demo.query(
        f"select count(*) filter (where is_active), "
        f"count(*) filter (where is_active and period_start = '{last}'), "
        f"count(*) filter (where activation_state = 'inactive' and period_start = '{last}') "
        f"from {WEEKLY}")[0]
    # every active row belongs to exactly one streak, counted once at its final length
    assert sum(row["streak_length"] * row["streaks"] for row in streaks) == active_rows
    assert sum(row["ongoing_streaks"] for row in streaks) == latest_active
    ended = demo.query(f"select count(*) from {WEEKLY} where activation_state = 'inactive'")[0][0]
    assert sum(row["ended_streaks"] for row in streaks) == ended
    # open: still running in the open week, or ended by a churn row in it
    assert sum(row["open_period_streaks"] for row in streaks) == latest_active + churned_in_last
    for row in streaks:
        assert row["streaks"] == row["ended_streaks"] + row["ongoing_streaks"]
        assert row["ongoing_streaks"] <= row["open_period_streaks"] <= row["streaks"]
    assert sum(row["share_of_streaks"] for row in streaks) == pytest.approx(1.0)
    assert min(row["streak_length"] for row in streaks) == 1


def test_reactivation_gaps_match_the_reactivated_rows(demo):
    gaps = demo.results["activation_reactivation_gaps"].rows
    expected = {gap: (count, in_last) for gap, count, in_last in demo.query(
        f"select inactive_periods, count(*), count(*) filter (where period_start = '{_last_period(demo)}') "
        f"from {WEEKLY} where activation_state = 'reactivated' group by all")}
    assert {row["inactive_periods"]: (row["reactivations"], row["open_period_reactivations"])
            for row in gaps} == expected
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


# ---------------------------------------------------------------------------------------
# 2. Copied into another project
# ---------------------------------------------------------------------------------------

START = dt.datetime(2025, 2, 3)  # a Monday
DAYS = 60                        # 2025-02-03 .. 2025-04-03 (a Thursday)
WEEK_AS_OF = dt.date(2025, 3, 30)  # a Sunday: the weekly model's as_of, its last week has ended
MONTH_AS_OF = dt.date(2025, 4, 2)  # not the last day of April: the last month stays open
OUTAGE_DAY = dt.date(2025, 3, 12)  # nothing happens that day: the calendars must still show it
KEY_EVENTS = ["create_post", "comment"]
COUNTRIES = ["KR", "US", "JP", "DE"]


def community_events(seed: int = 20250203) -> tuple[list[tuple], list[tuple]]:
    """(events, members): members who sign up over the 60 days, then post, comment and like
    on some days, with spells away; some never post; a few act before they sign up, a few
    never sign up, a few sign up in February and skip March (monthly reactivations);
    nobody does anything on OUTAGE_DAY. Events are (member_id, action, occurred_at)."""
    rng = random.Random(seed)
    end = START + dt.timedelta(days=DAYS)
    events, members = [], []
    for number in range(90):
        member = f"m{number:03d}"
        members.append((member, rng.choice(COUNTRIES)))
        skips_march = number % 12 == 5
        signup = START + dt.timedelta(days=rng.randrange(20 if skips_march else DAYS),
                                      minutes=rng.randrange(24 * 60))
        if number % 30 != 29:  # every 30th member never signs up
            events.append((member, "signup", signup))
        if number % 10 == 3:  # acts before signing up (ignored by first activation)
            events.append((member, "comment", signup - dt.timedelta(days=1)))
            events.append((member, "create_post", signup - dt.timedelta(hours=2)))
        post_rate = 0.9 if skips_march else rng.choice([0.0, 0.1, 0.3, 0.6, 0.9])
        comment_rate = rng.choice([0.0, 0.2, 0.5])
        away = 0
        day = signup
        while day < end:
            if away:
                away -= 1
            elif rng.random() < 0.05:
                away = rng.randrange(5, 20)
            elif not (skips_march and day.month == 3):
                for action, rate in [("create_post", post_rate), ("comment", comment_rate), ("like", 0.5)]:
                    if rng.random() < rate:
                        moment = day.replace(hour=0, minute=0) + dt.timedelta(minutes=rng.randrange(24 * 60))
                        if moment < signup:  # on the signup day: after signing up
                            moment = signup + dt.timedelta(minutes=rng.randrange(1, 180))
                        events.append((member, action, moment))
            day += dt.timedelta(days=1)
    events = [e for e in events if e[2] < end and e[2].date() != OUTAGE_DAY]
    return events, members


CONSUMER_MODELS = {
    "sources.yml": """
        version: 2
        sources:
          - name: community
            schema: raw
            tables: [{name: events}, {name: members}]
        """,
    "stg_community_events.sql": "select member_id, action, occurred_at from {{ source('community', 'events') }}",
    "dim_members.sql": """
        select signups.member_id, signups.joined_at, members.home_country
        from (
            select member_id, min(occurred_at) as joined_at
            from {{ ref('stg_community_events') }}
            where action = 'signup'
            group by member_id
        ) as signups
        left join {{ source('community', 'members') }} as members on signups.member_id = members.member_id
        """,
    "fct_signups_funnel.sql": """
        {{ dbt_activation.first_activation_events(
            events=ref('stg_community_events'), users=ref('dim_members'),
            key_events=['create_post', 'comment'], first_visit_event='signup',
            user_id='member_id', event_name='action', event_at='occurred_at',
            first_visit_at='joined_at') }}""",
    "fct_posts.sql": "select member_id, occurred_at as posted_at from {{ ref('stg_community_events') }} "
                     "where action = 'create_post'",
    "fct_posts_first_last.sql": """
        {{ dbt_activation.activation_first_last(source=ref('fct_posts'), user_id='member_id',
                                                activity_at='posted_at') }}""",
    "fct_posts_activation_daily.sql": """
        {{ dbt_activation.activation_states(source=ref('fct_posts'), first_last=ref('fct_posts_first_last'),
                                            grain='day', user_id='member_id', activity_at='posted_at') }}""",
    "fct_posts_activation_wk.sql": f"""
        {{{{ dbt_activation.activation_states(source=ref('fct_posts'), first_last=ref('fct_posts_first_last'),
                                            grain='week', user_id='member_id', activity_at='posted_at',
                                            as_of='{WEEK_AS_OF}') }}}}""",
    "fct_posts_activation_mo.sql": """
        {{ dbt_activation.activation_states(source=ref('fct_posts'), first_last=ref('fct_posts_first_last'),
                                            grain='month', user_id='member_id', activity_at='posted_at') }}""",
}

# The consumer's states models: name -> (grain, as_of given to the model)
STATES_MODELS = {
    "fct_posts_activation_daily": ("day", None),
    "fct_posts_activation_wk": ("week", WEEK_AS_OF),
    "fct_posts_activation_mo": ("month", None),
}

# Each copied analysis and the block it gets: copy name -> (analysis, block values)
FIRST_ACTIVATION_BLOCKS = {
    "first_activation_key_event_trend": {
        "first_activation_model": "ref('fct_signups_funnel')",
        "key_events": "['comment', 'create_post']",
    },
    "first_activation_conversion_by_cohort": {
        "first_activation_model": "ref('fct_signups_funnel')",
        "first_visit_event": "'signup'",
        "key_event": "'comment'",
        "conversion_window_days": "3",
    },
    "first_activation_core_metric": {
        "first_activation_model": "ref('fct_signups_funnel')",
        "first_visit_event": "'signup'",
        "key_event_1": "'create_post'",
        "key_event_1_window_days": "2",
        "key_event_2": "'comment'",
        "key_event_2_window_days": "5",
    },
    "first_activation_core_metric_by_country": {
        "first_activation_model": "ref('fct_signups_funnel')",
        "first_visit_event": "'signup'",
        "users_model": "ref('dim_members')",
        "users_user_id_column": "'member_id'",
        "country_column": "'home_country'",
        "country": "'KR'",
        "key_event_1": "'create_post'",
        "key_event_1_window_days": "2",
        "key_event_2": "'comment'",
        "key_event_2_window_days": "5",
    },
}

# Lifecycle variants: suffix -> (model, as_of given to the analysis)
LIFECYCLE_VARIANTS = {
    "wk": ("fct_posts_activation_wk", WEEK_AS_OF),      # the model's as_of: its last week has ended
    "daily": ("fct_posts_activation_daily", None),      # the last day is open
    "mo": ("fct_posts_activation_mo", MONTH_AS_OF),     # as_of before the end of the last month
}
DAU_VARIANTS = {
    "open": None,                              # the last day is open
    "ended": dt.date(2025, 4, 3),              # as_of = the last day: it has ended
}


def _lifecycle_copies() -> dict[str, tuple[str, dict[str, str], str, dt.date | None]]:
    """copy name -> (analysis, block values, model, as_of)."""
    copies = {}
    for name in LIFECYCLE_ANALYSES:
        if name == "activation_dau_wau_mau":
            for suffix, as_of in DAU_VARIANTS.items():
                copies[f"{name}__{suffix}"] = (name, {
                    "activation_model": "ref('fct_posts_activation_daily')",
                    "wau_days": "5", "mau_days": "21",
                    "as_of": "none" if as_of is None else f"'{as_of}'",
                }, "fct_posts_activation_daily", as_of)
            continue
        for suffix, (model, as_of) in LIFECYCLE_VARIANTS.items():
            copies[f"{name}__{suffix}"] = (name, {
                "activation_model": f"ref('{model}')",
                "grain": repr(STATES_MODELS[model][0]),
                "as_of": "none" if as_of is None else f"'{as_of}'",
            }, model, as_of)
    return copies


LIFECYCLE_COPIES = _lifecycle_copies()

# Blocks that must fail to compile: copy name -> (analysis, block values, message)
BAD_COPIES = {}
for _name in LIFECYCLE_ANALYSES:
    _good = LIFECYCLE_COPIES[f"{_name}__open" if _name == "activation_dau_wau_mau" else f"{_name}__wk"][1]
    BAD_COPIES[f"{_name}__bad_as_of"] = (_name, {**_good, "as_of": "'2025-02-30'"},
                                         f"{_name}: as_of must be none or a date 'YYYY-MM-DD'; got \"2025-02-30\"")
    if "grain" in _good:
        BAD_COPIES[f"{_name}__bad_grain"] = (_name, {**_good, "grain": "'wek'"},
                                             f"{_name}: grain must be one of 'day', 'week', 'month'; got \"wek\"")


@dataclass
class Consumer:
    root: Path
    db_path: Path
    events: list[tuple]
    members: dict[str, str]
    results: dict[str, Result]
    compiled_sql: dict[str, str]
    bad_messages: dict[str, str]

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            return con.execute(sql).fetchall()


def _consumer_dbt(root: Path, *args: str):
    """dbt in the consumer project, as its analyst runs it (target/ inside the project)."""
    try:
        return dbtRunner().invoke([*args, "--project-dir", str(root), "--profiles-dir", str(root), "--quiet"])
    finally:
        release_duckdb()


def _write_raw(db_path: Path, events: list[tuple], members: list[tuple]) -> None:
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.events (member_id varchar, action varchar, occurred_at timestamp)")
        con.executemany("insert into raw.events values (?, ?, ?)", events)
        con.execute("create table raw.members (member_id varchar, home_country varchar)")
        con.executemany("insert into raw.members values (?, ?)", members)


@pytest.fixture(scope="module")
def consumer(tmp_path_factory) -> Consumer:
    root = tmp_path_factory.mktemp("consumer")
    db_path = root / "consumer.duckdb"
    events, members = community_events()
    _write_raw(db_path, events, members)
    (root / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "consumer", "version": "1.0", "config-version": 2, "profile": "consumer"}))
    (root / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
    (root / "profiles.yml").write_text(yaml.safe_dump({"consumer": {"target": "dev", "outputs": {
        "dev": {"type": "duckdb", "path": str(db_path), "threads": 1, "settings": {"TimeZone": "UTC"}}}}}))
    (root / "models").mkdir()
    for file_name, text in CONSUMER_MODELS.items():
        (root / "models" / file_name).write_text(textwrap.dedent(text).strip() + "\n")

    # every analysis, copied; only its parameter block changed
    (root / "analyses").mkdir()
    copies = {name: (name, block) for name, block in FIRST_ACTIVATION_BLOCKS.items()}
    copies.update({copy: (name, block) for copy, (name, block, _, _) in LIFECYCLE_COPIES.items()})
    copies.update({copy: (name, block) for copy, (name, block, _) in BAD_COPIES.items()})
    assert {name for name, _ in copies.values()} == set(ANALYSES), "every analysis is copied"
    for copy, (name, block) in copies.items():
        original = (ANALYSES_DIR / f"{name}.sql").read_text()
        edited = with_block(original, block)
        assert split_block(edited)[::2] == split_block(original)[::2], "only the block changed"
        (root / "analyses" / f"{copy}.sql").write_text(edited)

    deps = _consumer_dbt(root, "deps")
    assert deps.success, f"dbt deps failed: {_failure(deps)}"
    built = _consumer_dbt(root, "build")
    assert built.success, f"dbt build failed: {_failure(built)}"
    good = [copy for copy in copies if copy not in BAD_COPIES]
    compiled = _consumer_dbt(root, "compile", "--select", *good)
    assert compiled.success, f"dbt compile failed: {_failure(compiled)}"
    bad_messages = {}
    for copy in BAD_COPIES:  # a compilation error ends the command: one at a time
        bad = _consumer_dbt(root, "compile", "--select", copy)
        bad_messages[copy] = "" if bad.success else str(bad.exception)

    compiled_dir = root / "target" / "compiled" / "consumer" / "analyses"  # as analyses.yml says
    return Consumer(
        root=root, db_path=db_path, events=events, members=dict(members),
        results=_run_compiled(db_path, compiled_dir, good),
        compiled_sql={copy: (compiled_dir / f"{copy}.sql").read_text() for copy in good},
        bad_messages=bad_messages,
    )


# ---- the independent recomputation, from the raw events ----------------------------------

def expected_first_activation(events: list[tuple]) -> list[dict[str, Any]]:
    """The first-activation rows: per member who signed up, the signup and the first
    occurrence of each key event at or after it (UTC dates; day 1 = the signup's day)."""
    joined = {}
    for member, action, at in events:
        if action == "signup":
            joined[member] = min(at, joined.get(member, at))
    first = {}
    for member, action, at in events:
        if action in KEY_EVENTS and member in joined and at >= joined[member]:
            first[(member, action)] = min(at, first.get((member, action), at))
    rows = [(member, "signup", at) for member, at in joined.items()]
    rows += [(member, action, at) for (member, action), at in first.items()]
    return [{"user_id": member, "event_name": action, "date": at.date(),
             "first_visit_date": joined[member].date(),
             "days_from_first_visit": (at.date() - joined[member].date()).days + 1}
            for member, action, at in rows]


@dataclass
class ExpectedStates:
    rows: list[dict[str, Any]]   # the activation model's rows
    last_period: dt.date
    periods: list[dt.date]       # every period from the first to the last, with or without rows
    active: dict[dt.date, set[str]]
    first_period: dict[str, dt.date]


def expected_states(events: list[tuple], grain: str, as_of: dt.date | None) -> ExpectedStates:
    """The rows of an activation model of the posts, from the definitions: per member
    and period, new / retained / reactivated when active, inactive in the period after an
    active one; nothing after the as-of period."""
    posts = [at for member, action, at in events if action == "create_post"]
    cutoff = period_of(as_of or max(posts).date(), grain)
    periods_of = defaultdict(set)
    for member, action, at in events:
        if action == "create_post" and period_of(at.date(), grain) <= cutoff:
            periods_of[member].add(period_of(at.date(), grain))
    rows, active = [], defaultdict(set)
    for member, periods in periods_of.items():
        ordered = sorted(periods)
        streak = 0
        for i, period in enumerate(ordered):
            active[period].add(member)
            if i == 0:
                state, gap, streak = "new", None, 1
            elif next_period(ordered[i - 1], grain) == period:
                state, gap, streak = "retained", 0, streak + 1
            else:
                state, gap, streak = "reactivated", periods_between(ordered[i - 1], period, grain) - 1, 1
            previous = None if i == 0 else "inactive" if state == "reactivated" else rows[-1]["activation_state"]
            rows.append({"user_id": member, "period_start": period, "activation_state": state,
                         "previous_state": previous, "inactive_periods": gap, "active_streak": streak,
                         "first_active_period": ordered[0]})
            following = next_period(period, grain)
            if following not in periods and following <= cutoff:
                rows.append({"user_id": member, "period_start": following, "activation_state": "inactive",
                             "previous_state": state, "inactive_periods": 0, "active_streak": 0,
                             "first_active_period": ordered[0]})
    last = max(row["period_start"] for row in rows)
    first = min(row["period_start"] for row in rows)
    periods = [first]
    while periods[-1] < last:
        periods.append(next_period(periods[-1], grain))
    return ExpectedStates(rows, last, periods, active, {m: min(p) for m, p in periods_of.items()})


def _copy(consumer: Consumer, copy: str) -> tuple[Result, ExpectedStates, str, dt.date | None]:
    _, _, model, as_of = LIFECYCLE_COPIES[copy]
    grain, model_as_of = STATES_MODELS[model]
    return consumer.results[copy], expected_states(consumer.events, grain, model_as_of), grain, as_of


def lifecycle_copies(name: str) -> list[str]:
    return [copy for copy, (analysis, *_) in LIFECYCLE_COPIES.items() if analysis == name]


# ---- the consumer's build and its copies ----------------------------------------------------

def test_the_consumer_built_its_own_models_and_copied_every_analysis(consumer):
    (funnel_rows,) = consumer.query("select count(*) from main.fct_signups_funnel")[0]
    assert funnel_rows == len(expected_first_activation(consumer.events))
    for model, (grain, as_of) in STATES_MODELS.items():
        expected = expected_states(consumer.events, grain, as_of)
        stored = set(consumer.query(f"select user_id, period_start, activation_state from main.{model}"))
        assert stored == {(r["user_id"], r["period_start"], r["activation_state"]) for r in expected.rows}, model
    # the data has what the checks need: reactivations, open windows, members without posts
    weekly = expected_states(consumer.events, "week", WEEK_AS_OF)
    assert weekly.last_period == WEEK_AS_OF - dt.timedelta(days=6)
    assert any(r["activation_state"] == "reactivated" for r in weekly.rows)
    daily = expected_states(consumer.events, "day", None)
    assert not daily.active.get(OUTAGE_DAY) and OUTAGE_DAY in daily.periods, "a day without any row"


@pytest.mark.parametrize("copy", sorted(FIRST_ACTIVATION_BLOCKS) + sorted(LIFECYCLE_COPIES))
def test_copied_analysis_compiles_to_the_consumers_models(consumer, copy):
    sql = "\n".join(line for line in consumer.compiled_sql[copy].splitlines() if not line.startswith("--"))
    assert "dbt_activation" not in sql
    assert not re.search(r"fact_|dim__|add_to_cart|purchase|first_visit'", sql)
    assert consumer.results[copy].rows, f"{copy} returned no rows"


@pytest.mark.parametrize("copy", sorted(BAD_COPIES))
def test_a_bad_block_fails_with_a_message_naming_the_analysis_and_the_parameter(consumer, copy):
    assert BAD_COPIES[copy][2] in consumer.bad_messages.get(copy, ""), consumer.bad_messages.get(copy)


# ---- first activation, against the raw events -----------------------------------------------

def _block_values(copy: str) -> dict[str, Any]:
    return {key: ast.literal_eval(value) for key, value in FIRST_ACTIVATION_BLOCKS[copy].items()
            if not value.startswith("ref(")}


def test_copied_key_event_trend(consumer):
    p = _block_values("first_activation_key_event_trend")
    rows = expected_first_activation(consumer.events)
    expected = Counter((r["event_name"], r["date"]) for r in rows if r["event_name"] in p["key_events"])
    got = {(r["event_name"], r["conversion_date"]): r["converted_users"]
           for r in consumer.results["first_activation_key_event_trend"].rows}
    assert got == dict(expected)
    assert {event for event, _ in got} == set(KEY_EVENTS)


def test_copied_conversion_by_cohort(consumer):
    p = _block_values("first_activation_conversion_by_cohort")
    rows = expected_first_activation(consumer.events)
    latest = max(r["date"] for r in rows)
    visits = Counter(r["first_visit_date"] for r in rows if r["event_name"] == "signup")
    converted = Counter(r["first_visit_date"] for r in rows if r["event_name"] == p["key_event"]
                        and r["days_from_first_visit"] <= p["conversion_window_days"])
    got = by_key(consumer.results["first_activation_conversion_by_cohort"], "cohort_date")
    assert {cohort: (r["first_visit_users"], r["converted_users"], r["is_window_complete"])
            for cohort, r in got.items()} == {
        cohort: (users, converted[cohort],
                 cohort + dt.timedelta(days=p["conversion_window_days"] - 1) <= latest)
        for cohort, users in visits.items()}
    assert sum(converted.values()) > 0
    assert not all(r["is_window_complete"] for r in got.values())
    for cohort, r in got.items():
        assert r["conversion_rate"] == pytest.approx(converted[cohort] / visits[cohort])


@pytest.mark.parametrize("copy", ["first_activation_core_metric", "first_activation_core_metric_by_country"])
def test_copied_core_metric(consumer, copy):
    p = _block_values(copy)
    rows = expected_first_activation(consumer.events)
    latest = max(r["date"] for r in rows)
    window = max(p["key_event_1_window_days"], p["key_event_2_window_days"])
    users = None
    if "country" in p:
        users = {member for member, country in consumer.members.items() if country == p["country"]}
    expected = core_metric_expected(rows, p, users)
    got = by_key(consumer.results[copy], "cohort_date")
    assert {cohort: (r["first_visit_users"], r["key_event_1_users"], r["core_users"])
            for cohort, r in got.items()} == expected
    assert sum(core for _, _, core in expected.values()) > 0, "the data has core conversions"
    for cohort, r in got.items():
        assert r["is_window_complete"] is (cohort + dt.timedelta(days=window - 1) <= latest)
        assert r["core_rate"] == pytest.approx(r["core_users"] / r["first_visit_users"])


# ---- the lifecycle analyses, against the raw events -------------------------------------

@pytest.mark.parametrize("copy", lifecycle_copies("activation_growth_accounting"))
def test_copied_growth_accounting(consumer, copy):
    result, states, grain, as_of = _copy(consumer, copy)
    counts = defaultdict(Counter)
    for row in states.rows:
        counts[row["period_start"]][row["activation_state"]] += 1
    got = by_key(result, "period_start")
    assert set(got) == set(counts)
    for period, c in counts.items():
        active = c["new"] + c["retained"] + c["reactivated"]
        previous = counts.get(period_of(period - dt.timedelta(days=1), grain), Counter())
        assert {k: got[period][k] for k in ["new_users", "retained_users", "reactivated_users", "churned_users",
                                            "active_users", "net_change", "is_period_complete"]} == {
            "new_users": c["new"], "retained_users": c["retained"], "reactivated_users": c["reactivated"],
            "churned_users": -c["inactive"], "active_users": active,
            "net_change": active - (previous["new"] + previous["retained"] + previous["reactivated"]),
            "is_period_complete": is_complete(period, states.last_period, grain, as_of),
        }, (copy, period)


def test_the_open_period_follows_as_of(consumer):
    """The weekly copy's as_of is the model's (a Sunday): every week is complete. The daily
    copy has none: its last day is open. The monthly copy's as_of is before the end of its
    last month: that month is open."""
    marks = {copy: [r["is_period_complete"] for r in sorted(consumer.results[copy].rows,
                                                            key=lambda r: r["period_start"])]
             for copy in lifecycle_copies("activation_growth_accounting")}
    assert all(marks["activation_growth_accounting__wk"])
    for copy in ["activation_growth_accounting__daily", "activation_growth_accounting__mo"]:
        assert marks[copy][-1] is False and all(marks[copy][:-1]), copy
    dau = {copy: [r["is_period_complete"] for r in sorted(consumer.results[copy].rows,
                                                          key=lambda r: r["activity_date"])]
           for copy in lifecycle_copies("activation_dau_wau_mau")}
    assert dau["activation_dau_wau_mau__ended"] == [True] * len(dau["activation_dau_wau_mau__open"])
    assert dau["activation_dau_wau_mau__open"][-1] is False


@pytest.mark.parametrize("copy", lifecycle_copies("activation_quick_ratio"))
def test_copied_quick_ratio(consumer, copy):
    result, states, grain, as_of = _copy(consumer, copy)
    counts = defaultdict(Counter)
    for row in states.rows:
        counts[row["period_start"]][row["activation_state"]] += 1
    got = by_key(result, "period_start")
    assert set(got) == set(counts)
    for period, c in counts.items():
        gained, churned = c["new"] + c["reactivated"], c["inactive"]
        row = got[period]
        assert (row["new_users"], row["reactivated_users"], row["churned_users"]) == (
            c["new"], c["reactivated"], churned)
        assert row["quick_ratio"] == (None if churned == 0 else pytest.approx(gained / churned))
        assert row["is_period_complete"] is is_complete(period, states.last_period, grain, as_of)


@pytest.mark.parametrize("copy", lifecycle_copies("activation_transition_matrix"))
def test_copied_transition_matrix(consumer, copy):
    result, states, grain, as_of = _copy(consumer, copy)
    cells, open_cells = Counter(), Counter()
    for row in states.rows:
        cell = (row["previous_state"] or "none", row["activation_state"])
        cells[cell] += 1
        open_cells[cell] += not is_complete(row["period_start"], states.last_period, grain, as_of)
    got = by_key(result, "previous_state", "activation_state")
    assert {cell: (r["transition_rows"], r["open_period_transition_rows"]) for cell, r in got.items()} == {
        cell: (count, open_cells[cell]) for cell, count in cells.items()}
    for (previous, _), r in got.items():
        assert r["share_of_previous_state"] == pytest.approx(
            r["transition_rows"] / sum(count for (p, _), count in cells.items() if p == previous))


@pytest.mark.parametrize("copy", lifecycle_copies("activation_cohort_retention"))
def test_copied_cohort_retention(consumer, copy):
    result, states, grain, as_of = _copy(consumer, copy)
    cohort_users = Counter(states.first_period.values())
    expected = {}
    for cohort, size in cohort_users.items():
        for period in states.periods:
            if period >= cohort:
                active = sum(1 for member in states.active.get(period, ()) if states.first_period[member] == cohort)
                expected[(cohort, period)] = (periods_between(cohort, period, grain), size, active,
                                              is_complete(period, states.last_period, grain, as_of))
    got = by_key(result, "cohort_period", "period_start")
    assert {cell: (r["periods_since_cohort"], r["cohort_users"], r["active_users"], r["is_period_complete"])
            for cell, r in got.items()} == expected
    if grain == "day":
        assert any(active == 0 for _, _, active, _ in expected.values()), "cells without activity show 0"
    for r in got.values():
        assert r["retention_rate"] == pytest.approx(r["active_users"] / r["cohort_users"])


@pytest.mark.parametrize("copy", lifecycle_copies("activation_streak_distribution"))
def test_copied_streak_distribution(consumer, copy):
    result, states, grain, as_of = _copy(consumer, copy)
    cutoff = states.last_period
    streaks = defaultdict(Counter)  # length -> ended / ongoing / open
    periods_of = defaultdict(set)
    for period, members in states.active.items():
        for member in members:
            periods_of[member].add(period)
    for member, periods in periods_of.items():
        for period in periods:
            following = next_period(period, grain)
            if following in periods:
                continue  # not the end of a streak
            length, start = 1, period
            while any(next_period(p, grain) == start for p in periods):
                start = next(p for p in periods if next_period(p, grain) == start)
                length += 1
            ongoing = following > cutoff
            end_row = period if ongoing else following  # the last row that decides the length
            streaks[length]["ongoing" if ongoing else "ended"] += 1
            streaks[length]["open"] += not is_complete(end_row, states.last_period, grain, as_of)
    got = by_key(result, "streak_length")
    assert {length: (r["streaks"], r["ended_streaks"], r["ongoing_streaks"], r["open_period_streaks"])
            for length, r in got.items()} == {
        length: (c["ended"] + c["ongoing"], c["ended"], c["ongoing"], c["open"]) for length, c in streaks.items()}
    total = sum(c["ended"] + c["ongoing"] for c in streaks.values())
    for length, r in got.items():
        assert r["share_of_streaks"] == pytest.approx(r["streaks"] / total)


@pytest.mark.parametrize("copy", lifecycle_copies("activation_reactivation_gaps"))
def test_copied_reactivation_gaps(consumer, copy):
    result, states, grain, as_of = _copy(consumer, copy)
    gaps, open_gaps = Counter(), Counter()
    for row in states.rows:
        if row["activation_state"] == "reactivated":
            gaps[row["inactive_periods"]] += 1
            open_gaps[row["inactive_periods"]] += not is_complete(row["period_start"], states.last_period, grain, as_of)
    got = by_key(result, "inactive_periods")
    assert {gap: (r["reactivations"], r["open_period_reactivations"]) for gap, r in got.items()} == {
        gap: (count, open_gaps[gap]) for gap, count in gaps.items()}
    assert sum(gaps.values()) > 0
    for r in got.values():
        assert r["share_of_reactivations"] == pytest.approx(r["reactivations"] / sum(gaps.values()))


@pytest.mark.parametrize("copy", lifecycle_copies("activation_dau_wau_mau"))
def test_copied_dau_wau_mau(consumer, copy):
    _, block, _, as_of = LIFECYCLE_COPIES[copy]
    wau_days, mau_days = int(block["wau_days"]), int(block["mau_days"])
    active = defaultdict(set)
    for member, action, at in consumer.events:
        if action == "create_post":
            active[at.date()].add(member)
    first, last = min(active), max(active)
    got = by_key(consumer.results[copy], "activity_date")
    assert sorted(got) == [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]

    def trailing(day: dt.date, days: int) -> int:
        return len(set().union(*(active.get(day - dt.timedelta(days=back), set()) for back in range(days))))

    for day, r in got.items():
        dau, wau, mau = len(active.get(day, ())), trailing(day, wau_days), trailing(day, mau_days)
        assert (r["daily_active_users"], r["weekly_active_users"], r["monthly_active_users"]) == (dau, wau, mau)
        assert r["dau_mau_stickiness"] == (None if mau == 0 else pytest.approx(dau / mau))
        assert r["dau_wau_stickiness"] == (None if wau == 0 else pytest.approx(dau / wau))
        assert r["is_wau_window_complete"] is ((day - first).days >= wau_days - 1)
        assert r["is_mau_window_complete"] is ((day - first).days >= mau_days - 1)
        assert r["is_period_complete"] is is_complete(day, last, "day", as_of)
