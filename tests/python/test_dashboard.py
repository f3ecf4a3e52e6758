"""The activation dashboard (``activation-demo dashboard``, src/activation_demo/dashboard*.py).

A demo warehouse is built once per session in a temporary directory (the demo generator's
3,000 users over 60 days, ``dbt build`` and ``dbt compile`` of the analyses into a
temporary target path, so the manifest read is that build's). Then:

- discovery: the models shown come from the configuration the macros record in the
  manifest (``config.meta.dbt_activation``; demo and made-up manifests), whatever the
  models' names;
- open period: the hatched periods are those the summaries mark not complete
  (``is_period_complete``), also on a copy of the warehouse rebuilt with an as-of date;
- data: every number the page is built from equals what the analyses in analyses/ return
  on the same warehouse (the funnel for the analyses' windows, overall and for one
  country; growth accounting, quick ratio, transitions, streaks, gaps, retention triangle,
  DAU / WAU / MAU) for every activation model;
- page: self-contained (plotly.js and the data embedded, nothing fetched), aggregates only;
- end to end: the page opened from the file system in headless Chromium (installed with
  apt-get when missing and running as root) draws every chart with data, with no console
  error, computes the same funnel as the analyses, survives every switch, and leaves a
  screenshot in artifacts/dashboard.png (and docs/dashboard.png, for the README).
"""
from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import dataclasses
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import release_duckdb
from engines import system_packages_lock

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR / "src"))  # when the package is not installed

from activation_demo import dashboard  # noqa: E402
from activation_demo.dashboard_discovery import ActivationSource, FunnelSource, discover, load_manifest  # noqa: E402
from activation_demo.dashboard_funnel import NO_VALUE, unpack_rows, users_model  # noqa: E402
from activation_demo.dashboard_lifecycle import lifecycle_metrics, summary_data  # noqa: E402
from activation_demo.dashboard_page import build_dashboard, build_payload, to_json  # noqa: E402
from activation_demo.dashboard_warehouse import Warehouse  # noqa: E402
from activation_demo.generate import EventStream, generate  # noqa: E402

DEMO_USERS = 3000
DEMO_DAYS = 60
ANALYSES_DIR = PROJECT_DIR / "analyses"
WEEKLY_MODEL = "fact_app_visit_activation_weekly"  # the model the lifecycle analyses read
SCREENSHOT = PROJECT_DIR / "artifacts" / "dashboard.png"
README_SCREENSHOT = PROJECT_DIR / "docs" / "dashboard.png"
BUILD_TIME = int(dt.datetime(2025, 3, 2, 6, 0, tzinfo=dt.timezone.utc).timestamp())
CHARTS = [
    "funnel-counts", "funnel-rates", "funnel-overall", "funnel-breakdown", "funnel-breakdown-trend",
    "lc-growth", "lc-active", "lc-quick-ratio", "lc-rates", "lc-transitions", "lc-retention",
    "lc-streaks", "lc-gaps", "lc-dau", "lc-stickiness",
]


# ---------------------------------------------------------------------------------------
# The warehouse, its manifest, the analyses and the page (once per session)
# ---------------------------------------------------------------------------------------

@dataclass
class Built:
    root: Path
    db_path: Path
    manifest_path: Path
    compiled_dir: Path
    payload: dict[str, Any]
    page: Path
    cli_output: str

    def query(self, sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]

    def analysis(self, name: str, model: str = WEEKLY_MODEL) -> list[dict[str, Any]]:
        """Rows of a compiled analysis, pointed at ``model`` instead of the weekly model."""
        sql = (self.compiled_dir / f"{name}.sql").read_text()
        if model != WEEKLY_MODEL:
            assert f'"{WEEKLY_MODEL}"' in sql
            sql = sql.replace(f'"{WEEKLY_MODEL}"', f'"{model}"')
        return self.query(sql)

    def model(self, name: str) -> dict[str, Any]:
        return next(m for metric in self.payload["metrics"] for m in metric["models"] if m["model"] == name)

    def metric_of(self, name: str) -> dict[str, Any]:
        return next(metric for metric in self.payload["metrics"]
                    if any(m["model"] == name for m in metric["models"]))


def _dbt(root: Path, *args: str) -> None:
    result = dbtRunner().invoke([
        *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(root / "target"), "--log-path", str(root / "logs"), "--quiet"])
    release_duckdb()
    assert result.success, f"dbt {args[0]} failed: {result.exception}"


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("dashboard")
    db_path = root / "demo.duckdb"
    generate(db_path, days=DEMO_DAYS, stream=EventStream.from_users(DEMO_USERS, DEMO_DAYS))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_ACTIVATION_DUCKDB_PATH", str(db_path))
        _dbt(root, "build")
        _dbt(root, "compile", "--select", "path:analyses")
    manifest_path = root / "target" / "manifest.json"
    page = root / "site" / "index.html"

    parser = argparse.ArgumentParser()
    dashboard.add_dashboard_parser(parser.add_subparsers())
    args = parser.parse_args(["dashboard", "--db", str(db_path), "--manifest", str(manifest_path), "--out", str(page)])
    output = io.StringIO()
    with contextlib.redirect_stdout(output), pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(BUILD_TIME))  # the same screenshot on every run
        assert args.func(args) == 0
    match = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page.read_text(), re.S)
    assert match, "no embedded data"
    return Built(root, db_path, manifest_path, root / "target" / "compiled" / "dbt_activation" / "analyses",
                 json.loads(match.group(1)), page, output.getvalue())


def parameters(name: str) -> dict[str, Any]:
    """The literal `{% set name = value %}` parameters of an analysis."""
    found = {}
    for key, value in re.findall(r"\{%\s*set\s+(\w+)\s*=\s*(.+?)\s*%\}", (ANALYSES_DIR / f"{name}.sql").read_text()):
        try:
            found[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass
    return found


def iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


# ---------------------------------------------------------------------------------------
# Discovery from the manifest
# ---------------------------------------------------------------------------------------

def test_discovers_the_demo_models_from_the_manifest(built):
    project = discover(load_manifest(built.manifest_path))
    assert project.funnels == (FunnelSource(
        model="fact__first_activation_events", key_events=("add_to_cart", "purchase"),
        first_visit_event="first_visit", timezone="UTC", inputs=("dim__users", "fact__events")),)
    assert {(a.model, a.metric, a.grain, a.week_start, a.as_of, a.summary) for a in project.activations} == {
        ("fact_app_visit_activation_daily", "app_visit", "day", "monday", None,
         "fact_app_visit_activation_daily_summary"),
        ("fact_app_visit_activation_weekly", "app_visit", "week", "monday", None,
         "fact_app_visit_activation_weekly_summary"),
        ("fact_app_visit_activation_monthly", "app_visit", "month", "monday", None,
         "fact_app_visit_activation_monthly_summary"),
        ("fact_purchase_activation_weekly", "purchase", "week", "monday", None,
         "fact_purchase_activation_weekly_summary"),
    }


def test_the_funnel_users_model_is_the_one_the_run_state_records(built):
    source = discover(load_manifest(built.manifest_path)).funnels[0]
    wh = Warehouse(built.db_path)
    try:
        users = users_model(wh, source)
        assert (users.model, users.user_id, users.first_visit_at) == ("dim__users", "user_id", "first_datetime")
        # no run state (or a users model that is not among its inputs): no breakdown, no guess
        assert users_model(wh, FunnelSource("dim__users", ("a",), "first_visit")) is None
        assert users_model(wh, FunnelSource(source.model, source.key_events, "first_visit",
                                            inputs=("fact__events",))) is None
    finally:
        wh.close()


def _node(name: str, meta: dict[str, Any] | None, depends_on: tuple[str, ...] = (),
          resource_type: str = "model", code: str = "select 1") -> tuple[str, dict[str, Any]]:
    """A manifest node as dbt writes it: the macro's recorded configuration in config.meta."""
    return f"{resource_type}.shop.{name}", {
        "resource_type": resource_type, "name": name, "raw_code": code,
        "config": {"meta": {"dbt_activation": meta} if meta else {}},
        "depends_on": {"nodes": list(depends_on)}}


def _states(grain: str, timezone: str = "UTC", week_start: str = "monday", as_of: str | None = None) -> dict:
    return {"macro": "activation_states", "grain": grain, "timezone": timezone, "week_start": week_start,
            "as_of": as_of, "attributes": []}


def test_a_model_without_a_grain_suffix_is_discovered_with_its_recorded_grain():
    manifest = {"nodes": dict([
        _node("posts", None),
        _node("posts_by_week", _states("week", week_start="sunday", as_of="2025-03-01"), ("model.shop.posts",)),
        # dbt records the summary's grain while parsing, before it can read the model's: ignored
        _node("weekly_posts", {"macro": "activation_summary", "grain": "day"}, ("model.shop.posts_by_week",)),
    ])}
    assert discover(manifest).activations == (ActivationSource(
        model="posts_by_week", metric="posts_by_week", grain="week", week_start="sunday", timezone="UTC",
        as_of="2025-03-01", summary="weekly_posts"),)


def test_discovery_reads_the_recorded_configuration_not_the_sql():
    manifest = {"nodes": dict([
        _node("first_opens",
              {"macro": "first_activation_events", "key_events": ["post, first", "like"],
               "first_visit_event": "app_open", "timezone": "Asia/Seoul"},
              ("model.shop.events", "model.shop.people")),
        _node("events", None), _node("people", None),
        # calls in the SQL, no recorded configuration: not discovered
        _node("plain", None, code="{{ dbt_activation.activation_states(source=ref('x'), grain='day') }}"),
        _node("fact_post_first_last", {"macro": "activation_first_last"}, ("model.shop.events",)),
        _node("s", _states("day"), resource_type="seed"),
    ])}
    manifest["nodes"]["model.shop.people"]["alias"] = "crm_people"
    project = discover(manifest)
    assert project.activations == ()
    assert project.funnels == (FunnelSource(
        "first_opens", key_events=("post, first", "like"), first_visit_event="app_open", timezone="Asia/Seoul",
        inputs=("events", "crm_people")),)


def test_models_of_one_source_and_time_zone_are_one_metric():
    manifest = {
        "nodes": dict([
            _node("posts", None),
            _node("fact_post_activation_weekly", _states("week"), ("model.shop.posts",)),
            _node("fact_post_activation_daily", _states("day"), ("model.shop.posts",)),
            _node("post_activation_day", _states("day", "Asia/Seoul"), ("model.shop.posts",)),
            _node("fact_like_activation_monthly", _states("month"), ("source.shop.app.likes",)),
            _node("fact_share_activation_weekly", _states("week"), ("source.shop.app.shares",)),
            _node("shares_by_day", _states("day"), ("source.shop.app.shares",)),
        ]),
        "sources": {"source.shop.app.likes": {"name": "likes", "identifier": "app_likes"},
                    "source.shop.app.shares": {"name": "shares"}},
    }
    assert [(a.model, a.metric, a.grain) for a in discover(manifest).activations] == [
        ("fact_like_activation_monthly", "like", "month"),
        # one source in two time zones: two metrics, told apart by their zone
        ("post_activation_day", "post (Asia/Seoul)", "day"),
        ("fact_post_activation_daily", "post (UTC)", "day"),
        ("fact_post_activation_weekly", "post (UTC)", "week"),
        # names that do not agree: the metric is named after the source
        ("shares_by_day", "shares", "day"),
        ("fact_share_activation_weekly", "shares", "week"),
    ]


# ---------------------------------------------------------------------------------------
# Funnel data equals the first-activation analyses
# ---------------------------------------------------------------------------------------

def funnel_from_payload(funnel: dict[str, Any], n: int, m: int, attribute: str | None = None,
                        value: str | None = None) -> dict[str, tuple[int, int, int, bool]]:
    """Per cohort day: (first-visit users, key 1 within n, both within n / m, window complete),
    decoded from the page's data the way the page computes it."""
    tables = funnel["attributes"]
    table = next(t for t in tables if t["attribute"] == attribute) if attribute else tables[0]
    first, latest = dt.date.fromisoformat(funnel["first_cohort"]), dt.date.fromisoformat(funnel["latest_date"])
    counts: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cohort, value_index, d1, d2, users in unpack_rows(table, funnel["max_days"]):
        if value is not None and table["values"][value_index] != value:
            continue
        row = counts[first + dt.timedelta(days=cohort)]
        row[0] += users
        if 1 <= d1 <= n:
            row[1] += users
            row[2] += users if 1 <= d2 <= m else 0
    return {day.isoformat(): (*row, day + dt.timedelta(days=max(n, m) - 1) <= latest)
            for day, row in counts.items()}


def core_metric_rows(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, bool]]:
    return {iso(r["cohort_date"]): (r["first_visit_users"], r["key_event_1_users"], r["core_users"],
                                    r["is_window_complete"]) for r in rows}


def test_funnel_equals_the_core_metric_analysis(built):
    p = parameters("first_activation_core_metric")
    funnel = built.payload["funnels"][0]
    assert funnel["key_events"] == [p["key_event_1"], p["key_event_2"]]
    expected = core_metric_rows(built.analysis("first_activation_core_metric"))
    for table in funnel["attributes"]:  # every breakdown table adds up to the same funnel
        assert funnel_from_payload(funnel, p["key_event_1_window_days"], p["key_event_2_window_days"],
                                   table["attribute"]) == expected, table["attribute"]
    assert any(not complete for *_, complete in expected.values()), "the demo has open windows"


def test_funnel_for_one_country_equals_the_by_country_analysis(built):
    p = parameters("first_activation_core_metric_by_country")
    got = funnel_from_payload(built.payload["funnels"][0], p["key_event_1_window_days"],
                              p["key_event_2_window_days"], "country", p["country"])
    assert got == core_metric_rows(built.analysis("first_activation_core_metric_by_country"))


def test_funnel_key_event_1_equals_the_conversion_analysis(built):
    p = parameters("first_activation_conversion_by_cohort")
    assert p["key_event"] == built.payload["funnels"][0]["key_events"][0]
    got = funnel_from_payload(built.payload["funnels"][0], p["conversion_window_days"], 1)
    expected = {iso(r["cohort_date"]): (r["first_visit_users"], r["converted_users"], r["is_window_complete"])
                for r in built.analysis("first_activation_conversion_by_cohort")}
    assert {day: (users, key1, complete) for day, (users, key1, _, complete) in got.items()} == expected


def test_funnel_windows_up_to_the_cap_match_the_facts(built):
    """Any N, M <= max_days (here 30 and 30; 12 and 3) from the buckets equals a direct count."""
    funnel = built.payload["funnels"][0]
    key_1, key_2 = funnel["key_events"]
    for n, m in [(funnel["max_days"], funnel["max_days"]), (12, 3)]:
        rows = built.query(f"""
            with f as (select * from main.fact__first_activation_events),
            k1 as (select user_id from f where event_name = '{key_1}' and days_from_first_visit <= {n}),
            k2 as (select user_id from f where event_name = '{key_2}' and days_from_first_visit <= {m})
            select first_visit_date, count(*) as users, count(k1.user_id) as key1,
                   count(case when k1.user_id is not null then k2.user_id end) as core
            from f left join k1 using (user_id) left join k2 using (user_id)
            where event_name = 'first_visit' group by first_visit_date""")
        got = funnel_from_payload(funnel, n, m)
        assert {day: row[:3] for day, row in got.items()} == {
            iso(r["first_visit_date"]): (r["users"], r["key1"], r["core"]) for r in rows}


def test_funnel_attributes_are_the_users_text_columns(built):
    tables = built.payload["funnels"][0]["attributes"]
    assert [t["attribute"] for t in tables] == [
        "country", "device_os", "app_version", "first_campaign", "first_medium", "first_source"]
    campaigns = next(t for t in tables if t["attribute"] == "first_campaign")
    assert campaigns["values"][0] == NO_VALUE, "organic users (null campaign) are the largest group"
    users = built.query("select count(*) as n from main.dim__users")[0]["n"]
    assert all(sum(t["value_users"]) == users for t in tables)


# ---------------------------------------------------------------------------------------
# Lifecycle data equals the activation analyses, for every activation model
# ---------------------------------------------------------------------------------------

def activation_models(built: Built) -> list[str]:
    return [m["model"] for metric in built.payload["metrics"] for m in metric["models"]]


def test_every_activation_model_is_shown(built):
    assert activation_models(built) == [
        "fact_app_visit_activation_daily", "fact_app_visit_activation_weekly",
        "fact_app_visit_activation_monthly", "fact_purchase_activation_weekly"]
    assert [m["metric"] for m in built.payload["metrics"]] == ["app_visit", "purchase"]


def test_growth_accounting_and_quick_ratio_equal_the_analyses(built):
    for name in activation_models(built):
        summary = built.model(name)["summary"]
        index = {period: i for i, period in enumerate(summary["period_start"])}
        growth = built.analysis("activation_growth_accounting", name)
        assert {iso(r["period_start"]) for r in growth} <= set(index), name
        for row in growth:
            i = index[iso(row["period_start"])]
            assert (summary["new_users"][i], summary["retained_users"][i], summary["reactivated_users"][i],
                    -summary["churned_users"][i], summary["active_users"][i], summary["is_period_complete"][i]) == (
                row["new_users"], row["retained_users"], row["reactivated_users"], row["churned_users"],
                row["active_users"], row["is_period_complete"]), (name, row["period_start"])
        for row in built.analysis("activation_quick_ratio", name):
            got = summary["quick_ratio"][index[iso(row["period_start"])]]
            assert got == (None if row["quick_ratio"] is None else pytest.approx(float(row["quick_ratio"]), rel=1e-5))
        for i in range(1, len(index)):
            previous = summary["active_users"][i - 1]
            assert summary["retention_rate"][i] == (
                pytest.approx(summary["retained_users"][i] / previous, rel=1e-5) if previous else None)


def test_transition_matrix_equals_the_analysis(built):
    for name in activation_models(built):
        t = built.model(name)["transitions"]
        got = dict(zip(zip(t["previous_state"], t["activation_state"]), t["transition_rows"]))
        expected = {(r["previous_state"], r["activation_state"]): r["transition_rows"]
                    for r in built.analysis("activation_transition_matrix", name)}
        assert got == expected, name


def test_streak_and_gap_distributions_equal_the_analyses(built):
    for name in activation_models(built):
        s = built.model(name)["streaks"]
        assert {length: (ended, ongoing) for length, ended, ongoing in
                zip(s["streak_length"], s["ended_streaks"], s["ongoing_streaks"])} == {
            r["streak_length"]: (r["ended_streaks"], r["ongoing_streaks"])
            for r in built.analysis("activation_streak_distribution", name)}, name
        g = built.model(name)["gaps"]
        assert dict(zip(g["inactive_periods"], g["reactivations"])) == {
            r["inactive_periods"]: r["reactivations"] for r in built.analysis("activation_reactivation_gaps", name)}


def triangle_cells(model: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int]]:
    periods = model["summary"]["period_start"]
    r, cells = model["retention"], {}
    for cohort, size, active in zip(r["cohorts"], r["cohort_users"], r["active_users"]):
        start = periods.index(cohort)
        for k, users in enumerate(active):
            cells[(cohort, periods[start + k])] = (size, users)
    return cells


def test_cohort_retention_equals_the_analysis(built):
    """The analysis counts weeks: compared on both weekly models; daily and monthly ones
    against the same definition in SQL."""
    for name in activation_models(built):
        cells = triangle_cells(built.model(name))
        if built.model(name)["grain"] == "week":
            rows = built.analysis("activation_cohort_retention", name)
            expected = {(iso(r["cohort_period"]), iso(r["period_start"])): (r["cohort_users"], r["active_users"])
                        for r in rows}
        else:
            rows = built.query(f"""
                select first_active_period, period_start, count(distinct user_id) filter (where is_active) as active,
                       any_value(size) as size
                from main.{name} inner join (select first_active_period, count(distinct user_id) as size
                                             from main.{name} group by all) using (first_active_period)
                group by all""")
            expected = {(iso(r["first_active_period"]), iso(r["period_start"])): (r["size"], r["active"]) for r in rows}
        # the triangle has every period from each cohort on (zeros where the analysis has no row)
        assert {cell: value for cell, value in cells.items() if cell in expected} == expected, name
        assert all(users == 0 for cell, (_, users) in cells.items() if cell not in expected), name


def test_dau_wau_mau_equal_the_analysis(built):
    windows = built.metric_of("fact_app_visit_activation_daily")["active_windows"]
    got = {day: (d, w, m) for day, d, w, m in zip(windows["day"], windows["daily_active_users"],
                                                    windows["weekly_active_users"], windows["monthly_active_users"])}
    expected = {iso(r["activity_date"]): (r["daily_active_users"], r["weekly_active_users"], r["monthly_active_users"])
                for r in built.analysis("activation_dau_wau_mau")}
    assert got == expected
    assert built.metric_of("fact_purchase_activation_weekly")["active_windows"] is None, "no daily purchase model"


def assert_fallback_equals_the_summaries(db_path: Path, manifest_path: Path) -> None:
    """A model without a summary gets the same numbers and open period, computed from the model."""
    wh = Warehouse(db_path)
    try:
        for source in discover(load_manifest(manifest_path)).activations:
            with_summary = summary_data(wh, source)
            without = summary_data(wh, dataclasses.replace(source, summary=None))
            assert without.keys() == with_summary.keys()
            for column, values in with_summary.items():
                assert without[column] == [pytest.approx(v, rel=1e-5) if isinstance(v, float) else v
                                           for v in values], (source.model, column)
    finally:
        wh.close()


def test_summary_fallback_equals_the_summary_models(built):
    assert_fallback_equals_the_summaries(built.db_path, built.manifest_path)


def open_periods(model: dict[str, Any]) -> list[str]:
    summary = model["summary"]
    return [p for p, complete in zip(summary["period_start"], summary["is_period_complete"]) if not complete]


def test_open_period_is_the_summaries(built):
    # no as_of: the last period of every model is open (data ends on 2025-03-01, a Saturday)
    assert {name: open_periods(built.model(name)) for name in activation_models(built)} == {
        "fact_app_visit_activation_daily": ["2025-03-01"],
        "fact_app_visit_activation_weekly": ["2025-02-24"],
        "fact_app_visit_activation_monthly": ["2025-03-01"],
        "fact_purchase_activation_weekly": ["2025-02-24"],
    }
    for name in activation_models(built):
        summary = built.query(f"select period_start, is_period_complete from main.{name}_summary")
        assert open_periods(built.model(name)) == [iso(r["period_start"]) for r in summary
                                                   if not r["is_period_complete"]], name


AS_OF = "2025-03-02"


@pytest.fixture(scope="session")
def built_as_of(built, tmp_path_factory) -> tuple[Path, Path, dict[str, Any]]:
    """A copy of the warehouse whose activation models are rebuilt with as_of 2025-03-02, a
    Sunday: it ends the last week and day, not the month. Its manifest and payload."""
    root = tmp_path_factory.mktemp("dashboard_as_of")
    db_path = root / "as_of.duckdb"
    shutil.copyfile(built.db_path, db_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_ACTIVATION_DUCKDB_PATH", str(db_path))
        _dbt(root, "run", "--full-refresh", "--select", "path:models/demo/activation",
             "--vars", json.dumps({"activation__as_of": AS_OF}))
    manifest_path = root / "target" / "manifest.json"
    return db_path, manifest_path, build_payload(db_path, load_manifest(manifest_path))


def test_an_as_of_that_ends_the_last_period_leaves_nothing_open(built_as_of):
    db_path, manifest_path, payload = built_as_of
    models = {m["model"]: m for metric in payload["metrics"] for m in metric["models"]}
    assert {name: (m["as_of"], open_periods(m)) for name, m in models.items()} == {
        "fact_app_visit_activation_daily": (AS_OF, []),
        "fact_app_visit_activation_weekly": (AS_OF, []),
        "fact_app_visit_activation_monthly": (AS_OF, ["2025-03-01"]),  # March is not over
        "fact_purchase_activation_weekly": (AS_OF, []),
    }
    assert models["fact_app_visit_activation_daily"]["summary"]["period_start"][-1] == AS_OF
    assert_fallback_equals_the_summaries(db_path, manifest_path)


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------

def test_page_is_self_contained(built):
    html = built.page.read_text()
    tags = re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html[:html.index('id="dashboard-data"')])
    assert not [tag for tag in tags if re.search(r"\b(?:src|href)\s*=\s*\"(?!data:)", tag)], tags
    assert "plotly.js v" in html and "Plotly.react" in html
    # the command says what it wrote: the page, its size and the models it shows
    assert re.match(r"wrote \S+index\.html \(\d+\.\d MB with plotly\.js; data \d+ kB\): funnel from "
                    r"fact__first_activation_events; lifecycle of .*fact_app_visit_activation_daily",
                    built.cli_output.strip().splitlines()[-1]), built.cli_output


def test_payload_holds_aggregates_only(built):
    text = json.dumps(built.payload)
    assert not re.search(r'"u\d{7}"', text), "a user id in the page"
    users = built.query("select count(*) as n from main.dim__users")[0]["n"]
    rows = sum(len(t["rows"]["users"]) for t in built.payload["funnels"][0]["attributes"])
    size = len(to_json(built.payload))
    print(f"\npayload: {size / 1e3:.0f} kB for {users} users, {rows} funnel bucket rows")
    assert size < 150_000


def test_payload_header_facts(built):
    assert built.payload["generated_at"] == "2025-03-02 06:00 UTC"
    latest = built.query("select max(datetime) as at from main.fact__first_activation_events")[0]["at"]
    assert built.payload["as_of"] == latest.isoformat()
    assert {d["term"] for d in built.payload["definitions"]} >= {"new", "retained", "reactivated", "churned (inactive)"}
    html = built.page.read_text()
    assert latest.isoformat(sep=" ")[:19] in html


def test_a_model_whose_table_was_built_with_other_settings_is_skipped_with_a_message(built, capsys):
    """A model file changed and not yet run (or refused): the manifest's grain is not the
    one the table was built with, so its figures would be wrong; the model is left out."""
    as_built = ActivationSource(model="fact_app_visit_activation_daily", metric="app_visit", grain="day",
                                week_start="monday", timezone="UTC")
    wh = Warehouse(built.db_path)
    try:
        assert [m["model"] for metric in lifecycle_metrics(wh, (as_built,)) for m in metric["models"]] == [
            "fact_app_visit_activation_daily"]
        changed = dataclasses.replace(as_built, grain="week")
        assert lifecycle_metrics(wh, (changed,)) == []
    finally:
        wh.close()
    assert ("dashboard: skipping fact_app_visit_activation_daily: its table was last built with grain 'day' "
            "(now 'week'), week_start None (now 'monday'), not what its model now gives: run the model first"
            ) in capsys.readouterr().out


def test_missing_inputs_fail_with_a_message(tmp_path, built):
    with pytest.raises(ValueError, match="no dbt manifest"):
        build_dashboard(built.db_path, tmp_path / "manifest.json", tmp_path / "x.html")
    with pytest.raises(ValueError, match="no DuckDB warehouse"):
        build_dashboard(tmp_path / "none.duckdb", built.manifest_path, tmp_path / "x.html")


# ---------------------------------------------------------------------------------------
# End to end: headless Chromium
# ---------------------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1400,900",
    "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
]


def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing (as root); else skip."""
    with system_packages_lock():
        return _installed_chromium()


def _installed_chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and cannot be (not root, or no apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    try:
        if subprocess.run(install, env=env, capture_output=True, timeout=600).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
            result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.skip(f"chromium could not be installed: {result.stderr.strip()[-300:]}")
    except subprocess.TimeoutExpired:
        pytest.skip("installing chromium with apt-get took more than 10 minutes")
    return shutil.which("chromium") or "/usr/bin/chromium"


class DevTools:
    """Chromium driven over the DevTools protocol (websocket on 127.0.0.1), page events kept."""

    def __init__(self, binary: str):
        from websockets.sync.client import connect

        self._closing = contextlib.ExitStack()
        self.profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        self.process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file, deadline = self.profile / "DevToolsActivePort", time.monotonic() + 30
        while not (port_file.exists() and "\n" in port_file.read_text()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.socket = self._closing.enter_context(
            connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10))
        self.next_id, self.events = 0, []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                assert "error" not in message, message["error"]
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}; errors: {self.errors()}"
            time.sleep(0.1)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (failed loads, ...)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(details.get("exception", {}).get("description") or details["text"])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f'{params["entry"]["text"]} {params["entry"].get("url", "")}')
        return found

    def screenshot(self, path: Path, width: int = 1400) -> None:
        height = self.evaluate("document.documentElement.scrollHeight")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.evaluate("new Promise(r => setTimeout(r, 800))")  # responsive charts relayout
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            if hasattr(self, "socket"):
                self.send("Browser.close")
            self._closing.close()
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


CHART_STATE = """Object.fromEntries([...document.querySelectorAll('.chart')].map(el => [el.id, {
    drawn: window.dashboardCharts[el.id] || null,
    svg: !!el.querySelector('.main-svg'),
    traces: el.querySelectorAll('g.trace').length + el.querySelectorAll('g.hm image').length,
    marks: el.querySelectorAll('path.point, .bars path, path.js-line').length + el.querySelectorAll('g.hm image').length,
    note: el.parentElement.classList.contains('empty'),
}]))"""


def assert_charts_drawn(browser: DevTools, with_note: tuple[str, ...] = ()) -> None:
    charts = browser.evaluate(CHART_STATE)
    assert sorted(charts) == sorted(CHARTS)
    for chart_id, chart in charts.items():
        if chart_id in with_note:
            assert chart["note"] and chart["drawn"]["note"], chart_id
            continue
        assert not chart["note"], chart_id
        assert chart["drawn"]["points"] > 0, f"{chart_id} drew no data"
        assert chart["svg"] and chart["traces"] > 0 and chart["marks"] > 0, f"{chart_id} not rendered: {chart}"


def change(browser: DevTools, control: str, value: Any) -> None:
    browser.evaluate(f"""(() => {{ const el = document.getElementById({json.dumps(control)});
        el.value = {json.dumps(str(value))}; el.dispatchEvent(new Event('change')); }})()""")
    browser.evaluate("new Promise(r => setTimeout(r, 150))")


# the periods whose growth bars are hatched, and the shaded ranges of the active-users chart
HATCHED = """(() => { const bars = document.getElementById('lc-growth').data[0];
    return {hatched: bars.x.filter((_, i) => bars.marker.pattern.shape[i] === '/'),
            shaded: (document.getElementById('lc-active').layout.shapes || []).length}; })()"""


def test_page_in_headless_chromium(built):
    browser = DevTools(chromium())
    try:
        for domain in ("Runtime", "Log", "Page"):
            browser.send(f"{domain}.enable")
        browser.send("Emulation.setDeviceMetricsOverride", width=1400, height=900, deviceScaleFactor=1, mobile=False)
        started = time.monotonic()
        browser.send("Page.navigate", url=built.page.resolve().as_uri())
        browser.wait_for("window.dashboardReady === true")
        print(f"\ndashboard ready {time.monotonic() - started:.1f} s after navigation")
        assert browser.errors() == []
        assert_charts_drawn(browser)
        browser.screenshot(SCREENSHOT)
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SCREENSHOT, README_SCREENSHOT)

        # the page's own funnel (day cohorts, the analyses' windows) equals the analyses
        p = parameters("first_activation_core_metric")
        n, m = p["key_event_1_window_days"], p["key_event_2_window_days"]
        country = parameters("first_activation_core_metric_by_country")["country"]
        computed = browser.evaluate(f"""(() => {{
            const f = window.dashboard.data.funnels[0];
            const c = f.attributes.findIndex(t => t.attribute === 'country');
            const rows = (r) => Object.fromEntries(
                r.periods.map((d, i) => [d, [r.users[i], r.key1[i], r.core[i], r.is_complete[i]]]));
            return {{all: rows(window.dashboard.computeFunnel(f, 0, 'day', {n}, {m}, -1)),
                     country: rows(window.dashboard.computeFunnel(f, c, 'day', {n}, {m},
                         f.attributes[c].values.indexOf({json.dumps(country)})))}};
        }})()""")
        expected = core_metric_rows(built.analysis("first_activation_core_metric"))
        assert {day: tuple(row) for day, row in computed["all"].items()} == expected
        by_country = core_metric_rows(built.analysis("first_activation_core_metric_by_country"))
        assert {day: tuple(row) for day, row in computed["country"].items() if row[0]} == by_country

        # every switch redraws with data and no error
        for control, value in [("cohort-grain", "day"), ("window-n", 3), ("window-m", 14), ("cohort-grain", "month"),
                               ("breakdown", 1), ("segment", 0), ("window-n", 99), ("lc-grain", 0),
                               ("lc-grain", 2)]:
            change(browser, control, value)
            assert_charts_drawn(browser)
        assert browser.evaluate("document.getElementById('window-n').value") == "30", "N is capped at max_days"
        change(browser, "lc-metric", 1)  # purchases: weekly only, so no DAU / WAU / MAU
        assert_charts_drawn(browser, with_note=("lc-dau", "lc-stickiness"))
        change(browser, "lc-metric", 0)
        assert_charts_drawn(browser)

        # the hatched and shaded periods are those the summary marks not complete
        for metric_index, metric in enumerate(built.payload["metrics"]):
            change(browser, "lc-metric", metric_index)
            for model_index, model in enumerate(metric["models"]):
                change(browser, "lc-grain", model_index)
                assert browser.evaluate(HATCHED) == {"hatched": open_periods(model), "shaded": 1}, model["model"]
        browser.evaluate("""(() => { const m = window.dashboard.data.metrics[window.dashboard.state.metric]
            .models[window.dashboard.state.model];
            m.summary.is_period_complete = m.summary.is_period_complete.map(() => true);
            return window.dashboard.redraw().then(() => true); })()""")
        assert browser.evaluate(HATCHED) == {"hatched": [], "shaded": 0}, "all complete: nothing hatched"
        assert "Every" in browser.evaluate("document.getElementById('lc-hint').textContent")
        assert browser.errors() == []

        # and errors would have been seen
        browser.evaluate("console.error('probe 1'); setTimeout(() => { throw new Error('probe 2'); }); "
                         "new Promise(r => setTimeout(r, 100))")
        probes = [error for error in browser.errors() if "probe" in error]
        assert len(probes) == 2 and "probe 1" in probes[0] and "probe 2" in probes[1], browser.errors()
    finally:
        browser.close()
