"""Smoke test of the benchmark (``activation-demo benchmark``) at about a million events:
the script runs end to end, reports every model and ratio, and its equality checks both
pass on the real tables and catch a corrupted one. The large run is a README command."""
from __future__ import annotations

import argparse

import json
from pathlib import Path

import duckdb
import pytest

from activation_demo.benchmark import (
    INCREMENTAL_MODELS,
    MODELS,
    check_equal,
    main,
    parse_growth,
    parse_scale,
    time_limit,
)
from activation_demo.benchmark_limits import LIMITS_BY_MODEL


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, Path]:
    root = tmp_path_factory.mktemp("benchmark")
    status = main([
        "--scale", "1M", "--days", "20", "--short-days", "5", "--repeats", "1", "--growth", "none",
        "--out", str(root / "out"), "--workdir", str(root / "work"), "--keep", "--quiet",
    ])
    report = json.loads((root / "out" / "benchmark.json").read_text())
    return status, report, root


def test_smoke_run_reports_every_model_and_ratio(smoke_run: tuple[int, dict, Path]) -> None:
    status, report, root = smoke_run
    assert status == 0
    assert (root / "out" / "benchmark.png").stat().st_size > 10_000
    main_run = report["main"]
    assert 800_000 <= main_run["data"]["events"] <= 1_250_000
    for section in ("full", "incremental", "equality", "equality_after_incremental"):
        assert set(main_run[section]) == set(MODELS), section
    assert set(report["short"]["incremental"]) == set(MODELS)
    for model in MODELS:
        assert main_run["full"][model]["model_s"] > 0 and main_run["full"][model]["limit_s"] > 0
        assert main_run["equality"][model]["equal"], main_run["equality"][model]
        assert main_run["equality"][model]["model_rows"] > 0
        assert main_run["equality_after_incremental"][model]["equal"]
    ratios = {(r["group"], r["name"]): r for r in report["ratios"]}
    groups = {group for group, _ in ratios}
    assert "full build / limit" in groups
    assert "1-day incremental / full build" in groups
    assert "1-day incremental at 20 / 5 days" in groups
    assert any(g.startswith("1-day incremental at 20 / 5 days, per appended event") for g in groups)
    for model in MODELS:
        assert ("full build / limit", model) in ratios
        assert ("1-day incremental / full build", model) in ratios
    for model in INCREMENTAL_MODELS:
        assert ratios[("1-day incremental / full build", model)]["target"] == 0.1
    assert report["equal"] is True
    # a phase per step, each with the process's peak resident memory (dbt and DuckDB run in
    # this process: well above Python's own ~100 MB, below the machine's)
    phases = report["memory"]["phases"]
    assert {"full build 1M/20d", "incremental 1M/20d", "full build 5d", "incremental 5d"} <= set(phases), sorted(phases)
    assert all(100 * 2**20 < peak < 64 * 2**30 for peak in phases.values()), phases
    # rows each one-day run scanned, per model: its stored history read only near the window
    for model in INCREMENTAL_MODELS:
        scans = main_run["incremental"][model]["rows_scanned"]
        assert set(scans) == {"stored", "per_user", "source"}, scans
        assert scans["source"] > 0, (model, scans)
    daily = main_run["incremental"]["fact_app_visit_activation_daily"]["rows_scanned"]
    rows = main_run["equality_after_incremental"]["fact_app_visit_activation_daily"]["model_rows"]
    assert 0 < daily["stored"] < rows / 4, (daily, rows)
    scanned = [r for r in report["ratios"] if r["group"].startswith("rows scanned from stored tables")]
    assert {r["name"] for r in scanned} == set(INCREMENTAL_MODELS)


@pytest.mark.parametrize("model", ["fact_purchase_first_last", "fact_app_visit_activation_weekly"])
def test_equality_check_catches_a_corrupted_model(smoke_run: tuple[int, dict, Path], model: str) -> None:
    _, _, root = smoke_run
    db_path = root / "work" / "history_long.duckdb"
    time_limit(db_path, LIMITS_BY_MODEL[model])  # on the file as the incremental run left it
    with duckdb.connect(str(db_path)) as con:
        assert check_equal(con, model).equal
        con.execute(f"create or replace table bench_backup as select * from main.{model}")
        con.execute(f"delete from main.{model} where user_id = (select min(user_id) from main.{model})")
        deleted = len(con.execute("select * from bench_backup except all select * from main."
                                  + model).fetchall())
        result = check_equal(con, model)
        assert not result.equal
        assert result.only_in_model == 0 and result.only_in_limit == deleted > 0
        assert result.sample_only_in_limit
        assert "DIFFERS" in result.describe()
        # a changed value shows on both sides
        con.execute(f"create or replace table main.{model} as select * from bench_backup")
        column = "last_active_at" if model.endswith("first_last") else "active_streak"
        con.execute(f"update main.{model} set {column} = {column} + "
                    f"{'interval 1 second' if column.endswith('_at') else '1'} "
                    f"where user_id = (select max(user_id) from main.{model})")
        result = check_equal(con, model)
        assert result.only_in_model > 0 and result.only_in_limit > 0


def test_scale_and_growth_arguments() -> None:
    assert parse_scale("30M") == 30_000_000
    assert parse_scale("1.5m") == 1_500_000
    assert parse_scale("500k") == 500_000
    assert parse_scale("100000000") == 100_000_000
    assert parse_growth("10M,30M,100M") == [10_000_000, 30_000_000, 100_000_000]
    assert parse_growth("none") == []
    with pytest.raises(argparse.ArgumentTypeError, match=r"not a number of events: 'lots' \(e.g. 30M, 500k\)"):
        parse_scale("lots")
    with pytest.raises(argparse.ArgumentTypeError, match="scale must be at least 1000 events; got '999'"):
        parse_scale("999")


def test_missing_benchmark_packages_are_named_before_any_work(monkeypatch, capsys, tmp_path: Path) -> None:
    # `make demo` installs neither psutil nor matplotlib (the chart is drawn at the very end)
    import activation_demo.benchmark as benchmark

    real_find_spec = benchmark.find_spec
    monkeypatch.setattr(benchmark, "find_spec", lambda name: None if name == "matplotlib" else real_find_spec(name))
    with pytest.raises(SystemExit) as exit_info:
        main(["--scale", "1M", "--days", "2", "--short-days", "0", "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert ("the benchmark needs matplotlib, which the demo does not install: run `make install-benchmark`"
            in capsys.readouterr().err)
    assert not (tmp_path / "out").exists()
