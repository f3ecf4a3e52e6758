"""The generic data tests in macros/generic_tests/, proven on hand-written activation rows.

A throwaway dbt project installs this repo as a local package, seeds one CSV of activation
rows (one `case_name` per scenario), selects each scenario into its own model and applies
the four generic tests to every model. One `dbt build --store-failures` runs everything;
each pytest case then checks the status of the four tests on one scenario and the failing
rows they stored: the correct scenarios pass, each broken scenario fails with exactly the
violations listed (so a test that passes when it should fail, or fails for the wrong
reason, is caught). Argument errors are asserted by their messages.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import release_duckdb

import oracle

PACKAGE_DIR = Path(__file__).resolve().parents[2]
PROJECT_NAME = "generic_tests_check"  # any profile but dbt_activation: demo nodes stay off
AUDIT_SCHEMA = "main_dbt_test__audit"

COLUMNS = list(oracle.STATE_COLUMNS)
COLUMN_TYPES = {
    "case_name": "varchar",
    "period_start": "date",
    "user_id": "varchar",
    "activation_state": "varchar",
    "previous_state": "varchar",
    "state_transition": "varchar",
    "is_active": "boolean",
    "active_streak": "bigint",
    "periods_since_last_active": "bigint",
    "inactive_periods": "bigint",
    "first_active_period": "date",
    "lifetime_active_periods": "bigint",
}

# ---- the rows ------------------------------------------------------------------------
# A row: (period k, user, state, previous_state, streak, psla, inactive_periods,
# first active period k, lifetime). Period k is the k-th period of the grain (day k of
# January 2025, the k-th week from Monday 2024-12-30, the k-th month of 2025);
# state_transition and is_active follow from the states unless a case overrides them.
# The as-of period is 8. Every transition appears; users b, c and d are active in period 8
# and have no row in period 9, which the accounting must not expect.
GOOD = [
    # a: new, retained twice, churns, back after two inactive periods, churns again
    (1, "a", "new", None, 1, None, None, 1, 1),
    (2, "a", "retained", "new", 2, 1, 0, 1, 2),
    (3, "a", "retained", "retained", 3, 1, 0, 1, 3),
    (4, "a", "inactive", "retained", 0, 1, 0, 1, 3),
    (6, "a", "reactivated", "inactive", 1, 3, 2, 1, 4),
    (7, "a", "retained", "reactivated", 2, 1, 0, 1, 5),
    (8, "a", "inactive", "retained", 0, 1, 0, 1, 5),
    # b: new, churns at once, reactivated twice
    (2, "b", "new", None, 1, None, None, 2, 1),
    (3, "b", "inactive", "new", 0, 1, 0, 2, 1),
    (5, "b", "reactivated", "inactive", 1, 3, 2, 2, 2),
    (6, "b", "inactive", "reactivated", 0, 1, 0, 2, 2),
    (8, "b", "reactivated", "inactive", 1, 3, 2, 2, 3),
    # c: new in the as-of period
    (8, "c", "new", None, 1, None, None, 8, 1),
    # d: new, then retained up to the as-of period
    (5, "d", "new", None, 1, None, None, 5, 1),
    (6, "d", "retained", "new", 2, 1, 0, 5, 2),
    (7, "d", "retained", "retained", 3, 1, 0, 5, 3),
    (8, "d", "retained", "retained", 4, 1, 0, 5, 4),
]
FIELDS = ["k", "user", "state", "previous", "streak", "psla", "inactive", "first", "lifetime"]


def rows_of(base):
    return [dict(zip(FIELDS, row)) for row in base]


def drop(rows, user, k):
    kept = [row for row in rows if (row["user"], row["k"]) != (user, k)]
    assert len(kept) == len(rows) - 1
    return kept


def change(rows, user, k, **values):
    out = [dict(row, **values) if (row["user"], row["k"]) == (user, k) else row for row in rows]
    assert out != rows
    return out


def add(rows, *new_rows):
    return rows + rows_of(new_rows)


def duplicate(rows, user, k):
    return rows + [row for row in rows if (row["user"], row["k"]) == (user, k)]


def period(k, grain):
    if grain == "day":
        return dt.date(2025, 1, k)
    if grain == "week":
        return dt.date(2024, 12, 30) + dt.timedelta(weeks=k - 1)
    return dt.date(2025, k, 1)


def csv_row(case_name, grain, row):
    state, previous = row["state"], row["previous"]
    transition = row.get("transition", f"{previous or 'none'}_to_{state}")
    is_active = row.get("is_active", state != "inactive")
    first = row["first"]
    return [
        case_name,
        period(row["k"], grain).isoformat(),
        row["user"],
        state or "",
        previous or "",
        transition or "",
        "true" if is_active else "false",
        row["streak"],
        "" if row["psla"] is None else row["psla"],
        "" if row["inactive"] is None else row["inactive"],
        "" if first is None else period(first, grain).isoformat(),
        row["lifetime"],
    ]


# ---- the violations the tests report (their `violation` texts) ---------------------------
CONTINUITY = "retained + inactive users differ from the active users of the previous period"
NEW_ROWS = "user does not have exactly one new row"
EARLIEST = "earliest row of the user is not a new row"
FIRST_PERIOD = "first_active_period differs from the period of the new row"
IS_ACTIVE = "is_active disagrees with activation_state"
TRANSITION = "state_transition must be previous_state (or none) _to_ activation_state"
RETAINED_GAP = "retained row: the previous row must be exactly 1 period earlier"
RETAINED_PREVIOUS = "retained row: previous_state must be the state of the previous row"
RETAINED_STREAK = "retained row: active_streak must be the streak of the previous row + 1"
LIFETIME_ACTIVE = "active row: lifetime_active_periods must be that of the previous row + 1"
NEW_LIFETIME = "new row: lifetime_active_periods must be 1"
REACTIVATED_PSLA = (
    "reactivated row: periods_since_last_active must be the periods since the previous active row"
)
INACTIVE_PREVIOUS = "inactive row: previous_state must be new, retained or reactivated"

TESTS = ["unique", "transitions", "accounting", "state_columns"]

# case name -> (grain, rows, expected failing rows per test; a test not listed passes).
# unique: (user, k) per duplicated key; transitions: the invalid transitions; accounting
# and state_columns: (violation, k) per failing row, k None for a per-user violation.
CASES = {
    "good_daily": ("day", rows_of(GOOD), {}),
    "good_weekly": ("week", rows_of(GOOD), {}),
    "good_monthly": ("month", rows_of(GOOD), {}),
    # the same (user, period) twice: period 2 has one retained too many, period 3 one
    # active user too few behind it; the copy is not one period after the row it copies
    "duplicate_row": ("day", duplicate(rows_of(GOOD), "a", 2), {
        "unique": [("a", 2)],
        "accounting": [(CONTINUITY, 2), (CONTINUITY, 3)],
        "state_columns": [(RETAINED_GAP, 2), (RETAINED_PREVIOUS, 2), (RETAINED_STREAK, 2),
                          (LIFETIME_ACTIVE, 2)],
    }),
    # c is new in period 6 and retained in period 8 with no row in period 7: the retained
    # row does not follow its previous row, c's activity in 6 has no churn row in 7, and
    # period 8 has one retained user nobody was active for in 7
    "retained_gap": ("day", add(drop(rows_of(GOOD), "c", 8),
                                (6, "c", "new", None, 1, None, None, 6, 1),
                                (8, "c", "retained", "new", 2, 1, 0, 6, 2)), {
        "accounting": [(CONTINUITY, 7), (CONTINUITY, 8)],
        "state_columns": [(RETAINED_GAP, 8)],
    }),
    "retained_gap_weekly": ("week", add(drop(rows_of(GOOD), "c", 8),
                                        (6, "c", "new", None, 1, None, None, 6, 1),
                                        (8, "c", "retained", "new", 2, 1, 0, 6, 2)), {
        "accounting": [(CONTINUITY, 7), (CONTINUITY, 8)],
        "state_columns": [(RETAINED_GAP, 8)],
    }),
    # b is new again in period 5 (its history restarted): two new rows, and a new row
    # that is not the user's first active period
    "two_new_rows": ("day", change(change(rows_of(GOOD), "b", 5, state="new", previous=None,
                                          psla=None, inactive=None),
                                   "b", 6, previous="new"), {
        "accounting": [(NEW_ROWS, None)],
        "state_columns": [(NEW_LIFETIME, 5)],
    }),
    # d's new row is lost: no new row, a retained first row, a retained user in period 6
    # nobody was active for in period 5
    "missing_new_row": ("day", drop(rows_of(GOOD), "d", 5), {
        "accounting": [(NEW_ROWS, None), (EARLIEST, 6), (CONTINUITY, 6)],
        "state_columns": [(RETAINED_GAP, 6), (RETAINED_PREVIOUS, 6), (RETAINED_STREAK, 6)],
    }),
    "wrong_first_active_period": ("day", change(rows_of(GOOD), "b", 6, first=3), {
        "accounting": [(FIRST_PERIOD, 6)],
    }),
    # a consistent psla / inactive_periods pair that miscounts the gap (2 instead of 3)
    "wrong_psla": ("day", change(rows_of(GOOD), "a", 6, psla=2, inactive=1), {
        "state_columns": [(REACTIVATED_PSLA, 6)],
    }),
    "wrong_psla_monthly": ("month", change(rows_of(GOOD), "a", 6, psla=2, inactive=1), {
        "state_columns": [(REACTIVATED_PSLA, 6)],
    }),
    "wrong_streak": ("day", change(rows_of(GOOD), "d", 8, streak=3), {
        "state_columns": [(RETAINED_STREAK, 8)],
    }),
    "is_active_mismatch": ("day", change(rows_of(GOOD), "a", 4, is_active=True), {
        "accounting": [(IS_ACTIVE, 4)],
    }),
    # a's churn row in period 4 is lost; period 4 has no rows at all, and the streak and
    # interval columns of the other rows are all still consistent
    "missing_churn_row": ("day", drop(rows_of(GOOD), "a", 4), {
        "accounting": [(CONTINUITY, 4)],
    }),
    "missing_churn_row_monthly": ("month", drop(rows_of(GOOD), "a", 4), {
        "accounting": [(CONTINUITY, 4)],
    }),
    # the as-of period itself is checked: a's churn row in period 8 is lost
    "missing_churn_row_as_of": ("day", drop(rows_of(GOOD), "a", 8), {
        "accounting": [(CONTINUITY, 8)],
    }),
    # a second inactive row after a's churn row
    "inactive_to_inactive": ("day", add(rows_of(GOOD),
                                        (5, "a", "inactive", "inactive", 0, 1, 0, 1, 3)), {
        "transitions": ["inactive_to_inactive"],
        "accounting": [(CONTINUITY, 5)],
        "state_columns": [(INACTIVE_PREVIOUS, 5)],
    }),
    # a's churn row has lost its state and transition: it no longer counts as inactive
    "null_state": ("day", change(rows_of(GOOD), "a", 4, state=None, transition=None,
                                 is_active=False), {
        "transitions": [None],
        "accounting": [(CONTINUITY, 4)],
    }),
    # a valid transition that does not match the row's previous_state
    "transition_mismatch": ("day", change(rows_of(GOOD), "a", 2,
                                          transition="retained_to_retained"), {
        "state_columns": [(TRANSITION, 2)],
    }),
}

# Weekly rows tested as if they were daily: the grain argument is used. Periods are then 7
# apart: the 6 retained and 4 inactive rows are not 1 period after their previous row and
# the 3 reactivated gaps count days; the accounting compares each week start (with its 6
# non-empty retained + inactive counts) with the empty day before it, and each of the 6
# week starts with active users with the empty day after it.
WRONG_GRAIN = {"accounting": 12, "state_columns": 13}  # failing rows per test

# (id, test, arguments, the message of the compilation error)
ARGUMENT_ERRORS = [
    ("accounting_grain", "activation_accounting", {"grain": "wek"},
     "activation_accounting: grain must be one of 'day', 'week', 'month'; got \"wek\""),
    ("state_columns_grain", "activation_state_columns",
     {"grain": "year"},
     "activation_state_columns: grain must be one of 'day', 'week', 'month'; got \"year\""),
    ("unique_not_a_list", "unique_combination_of_columns",
     {"combination_of_columns": "user_id"},
     "unique_combination_of_columns: combination_of_columns must be a list of strings; "
     "got \"user_id\""),
    ("unique_empty_list", "unique_combination_of_columns",
     {"combination_of_columns": []},
     "unique_combination_of_columns: combination_of_columns must be a non-empty list of "
     "strings; got []"),
]


def model_tests(case_name, grain):
    return [
        {"dbt_activation.unique_combination_of_columns": {
            "name": f"{case_name}__unique",
            "arguments": {"combination_of_columns": ["user_id", "period_start"]}}},
        {"dbt_activation.activation_transitions": {"name": f"{case_name}__transitions"}},
        {"dbt_activation.activation_accounting": {
            "name": f"{case_name}__accounting", "arguments": {"grain": grain}}},
        {"dbt_activation.activation_state_columns": {
            "name": f"{case_name}__state_columns", "arguments": {"grain": grain}}},
    ]


def write_project(root: Path, cases: dict, extra_tests: dict | None = None) -> None:
    """A dbt project with a seed of the cases' rows, a model per case and the four tests
    on each; extra_tests: model name -> more tests."""
    (root / "seeds").mkdir(exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    (root / "dbt_project.yml").write_text(json.dumps({
        "name": PROJECT_NAME,
        "version": "1.0.0",
        "config-version": 2,
        "profile": PROJECT_NAME,
        "flags": {"send_anonymous_usage_stats": False, "partial_parse": False},
        "seeds": {PROJECT_NAME: {"activation_rows": {"+column_types": COLUMN_TYPES}}},
        "models": {
            PROJECT_NAME: {"+materialized": "view"},
            # dbt 1.11 configures analyses from the `models:` tree (fqn: package, "analysis",
            # name), so the package's `analyses:` setting does not reach them and its
            # analyses would ref the disabled demo models
            "dbt_activation": {"analysis": {"+enabled": False}},
        },
    }, indent=2))
    (root / "packages.yml").write_text(json.dumps({"packages": [{"local": str(PACKAGE_DIR)}]}))
    (root / "profiles.yml").write_text(json.dumps({PROJECT_NAME: {
        "target": "duckdb",
        "outputs": {"duckdb": {
            "type": "duckdb", "path": str(root / "check.duckdb"), "threads": 4}},
    }}))

    with open(root / "seeds" / "activation_rows.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_name", *COLUMNS])
        for case_name, (grain, rows, _) in cases.items():
            for row in rows:
                writer.writerow(csv_row(case_name, grain, row))

    models = []
    for case_name, (grain, _, _) in cases.items():
        model = f"case_{case_name}"
        (root / "models" / f"{model}.sql").write_text(
            f"select {', '.join(COLUMNS)}\n"
            f"from {{{{ ref('activation_rows') }}}}\n"
            f"where case_name = '{case_name}'\n")
        tests = model_tests(case_name, grain) + (extra_tests or {}).get(model, [])
        models.append({"name": model, "data_tests": tests})
    (root / "models" / "cases.yml").write_text(
        json.dumps({"version": 2, "models": models}, indent=2))


def invoke(root: Path, *args: str):
    result = dbtRunner().invoke([
        *args,
        "--project-dir", str(root),
        "--profiles-dir", str(root),
        "--log-path", str(root / "logs"),
        "--quiet",
    ])
    release_duckdb()
    return result


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """test name -> {'status', 'failures', 'message', 'rows' (the stored failing rows)}."""
    root = tmp_path_factory.mktemp("generic_tests_project")
    write_project(root, CASES, {"case_good_weekly": [
        {f"dbt_activation.activation_{test}": {
            "name": f"wrong_grain__{test}", "arguments": {"grain": "day"}}}
        for test in WRONG_GRAIN
    ] + [
        # no grain, on a table not built by activation_states (no recorded configuration)
        {f"dbt_activation.activation_{test}": {"name": f"inferred_grain__{test}"}}
        for test in WRONG_GRAIN
    ] + [
        # filtered: the test is given a subquery, of the same table
        {"dbt_activation.activation_accounting": {
            "name": "filtered_without_grain__accounting", "config": {"where": "user_id is not null"}}},
    ] + [
        # filtered to the periods up to a date (period 5), with the grain given
        {f"dbt_activation.activation_{test}": {
            "name": f"periods_up_to__{test}", "arguments": {"grain": "week"},
            "config": {"where": f"period_start <= '{period(5, 'week')}'"}}}
        for test in WRONG_GRAIN
    ] + [
        {"dbt_activation.unique_combination_of_columns": {
            "name": "expression__unique_good",
            "arguments": {"combination_of_columns": ["upper(user_id)", "period_start"]}}},
    ], "case_duplicate_row": [
        {"dbt_activation.unique_combination_of_columns": {
            "name": "expression__unique_duplicate",
            "arguments": {"combination_of_columns": ["upper(user_id)", "period_start"]}}},
    ]})
    deps = invoke(root, "deps")
    assert deps.success, deps.exception
    build = invoke(root, "build", "--store-failures")
    assert build.exception is None, build.exception
    results = {}
    for result in build.result.results:
        if result.node.resource_type == "test":
            results[result.node.name] = {
                "status": str(result.status),
                "failures": result.failures,
                "message": result.message or "",
            }
        else:
            assert str(result.status) == "success", (result.node.name, result.message)
    with duckdb.connect(str(root / "check.duckdb"), read_only=True) as con:
        for name, outcome in results.items():
            if outcome["status"] == "fail":
                cursor = con.execute(f'select * from {AUDIT_SCHEMA}."{name}"')
                names = [column[0] for column in cursor.description]
                outcome["rows"] = [dict(zip(names, row)) for row in cursor.fetchall()]
    return results


def failing_rows(test, rows, grain):
    """The stored failing rows, in the form the expectations are written in."""
    ks = {period(k, grain): k for k in range(1, 13)}
    if test == "unique":
        return [(row["user_id"], ks[row["period_start"]]) for row in rows]
    if test == "transitions":
        return [row["state_transition"] for row in rows]
    return [
        (row["violation"], None if row["period_start"] is None else ks[row["period_start"]])
        for row in rows
    ]


@pytest.mark.parametrize("case_name", list(CASES))
def test_case(outcomes, case_name):
    grain, _, expected = CASES[case_name]
    for test in TESTS:
        outcome = outcomes[f"{case_name}__{test}"]
        wanted = expected.get(test, [])
        if not wanted:
            assert outcome["status"] == "pass", (test, outcome)
            continue
        assert outcome["status"] == "fail", (test, outcome)
        assert outcome["failures"] == len(wanted), (test, outcome)
        got = failing_rows(test, outcome["rows"], grain)
        assert sorted(got, key=str) == sorted(wanted, key=str), test


def test_grain_argument_is_used(outcomes):
    for test, count in WRONG_GRAIN.items():
        outcome = outcomes[f"wrong_grain__{test}"]
        assert (outcome["status"], outcome["failures"]) == ("fail", count), outcome


def test_grain_is_required_for_a_table_not_built_by_activation_states(outcomes):
    # a model built by activation_states records its grain, which the tests read
    # (test_safe_under_change.py); a table of another making, named *_weekly or not, must say it
    for name in [f"inferred_grain__{test}" for test in WRONG_GRAIN] + ["filtered_without_grain__accounting"]:
        outcome = outcomes[name]
        assert outcome["status"] == "error", outcome
        assert ": grain is required for " in outcome["message"], outcome
        assert "which is not a model built by dbt_activation.activation_states" in outcome["message"], outcome
        assert "give grain='day', 'week' or 'month'" in outcome["message"], outcome


def test_a_where_on_periods_up_to_a_date_passes_on_correct_rows(outcomes):
    for test in WRONG_GRAIN:
        outcome = outcomes[f"periods_up_to__{test}"]
        assert (outcome["status"], outcome["failures"]) == ("pass", 0), outcome


def test_unique_combination_of_expressions(outcomes):
    assert outcomes["expression__unique_good"]["status"] == "pass", outcomes["expression__unique_good"]
    duplicate = outcomes["expression__unique_duplicate"]
    assert (duplicate["status"], duplicate["failures"]) == ("fail", 1), duplicate
    assert duplicate["rows"] == [
        {"combination_1": "A", "period_start": period(2, "day"), "n_records": 2}]


@pytest.fixture(scope="module")
def error_project(tmp_path_factory):
    """A small project (the good daily case) in which each argument-error test adds one
    misconfigured test: arguments are validated when dbt parses the test, so the error
    stops the parse with the message."""
    root = tmp_path_factory.mktemp("argument_errors_project")
    write_project(root, {"good_daily": CASES["good_daily"]})
    deps = invoke(root, "deps")
    assert deps.success, deps.exception
    return root


@pytest.mark.parametrize(
    "test, arguments, message", [error[1:] for error in ARGUMENT_ERRORS],
    ids=[error[0] for error in ARGUMENT_ERRORS])
def test_argument_errors(error_project, test, arguments, message):
    misconfigured = {f"dbt_activation.{test}": {"name": "misconfigured", "arguments": arguments}}
    write_project(error_project, {"good_daily": CASES["good_daily"]},
                  {"case_good_daily": [misconfigured]})
    result = invoke(error_project, "parse")
    assert not result.success
    assert message in str(result.exception), str(result.exception)


def test_every_transition_in_the_good_rows():
    """The good rows exercise all 8 valid transitions (and so every state)."""
    transitions = {f"{row['previous'] or 'none'}_to_{row['state']}" for row in rows_of(GOOD)}
    assert transitions == {
        "none_to_new", "new_to_retained", "retained_to_retained", "reactivated_to_retained",
        "inactive_to_reactivated", "new_to_inactive", "retained_to_inactive",
        "reactivated_to_inactive",
    }


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_good_rows_are_what_the_oracle_builds(grain):
    """The good rows are the reference implementation's output for their active periods."""
    activity = [
        {"user_id": row["user"],
         "activity_at": dt.datetime.combine(period(row["k"], grain), dt.time(12))}
        for row in rows_of(GOOD) if row["state"] != "inactive"
    ]
    built = oracle.activation_states(activity, grain, as_of=period(8, grain))
    assert sorted(
        (row["period_start"], row["user_id"], row["activation_state"], row["previous_state"],
         row["active_streak"], row["periods_since_last_active"], row["inactive_periods"],
         row["first_active_period"], row["lifetime_active_periods"])
        for row in built
    ) == sorted(
        (period(row["k"], grain), row["user"], row["state"], row["previous"], row["streak"],
         row["psla"], row["inactive"], period(row["first"], grain), row["lifetime"])
        for row in rows_of(GOOD)
    )
