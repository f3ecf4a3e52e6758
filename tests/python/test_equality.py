"""dbt_activation.equality from a project that installs this repo as a package (DuckDB):
equal relations pass whatever their column order, a difference fails with its rows, and
every bad argument stops with a message naming the test, the argument and the value.

(Its detection of a changed value, a missing, an extra and a duplicated row is proven
inside the demo's dbt build, on every engine: tests/equality/.)"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from activation_demo.dbt_runner import PROJECT_DIR, release_duckdb

PROJECT_NAME = "equality_check"  # any profile but dbt_activation: the demo stays off

ROWS_CSV = """id,name,is_active
1,a,true
2,b,false
2,b,false
3,,true
"""

MODELS = {
    # the same rows, columns in another order
    "reordered": "select is_active, name, id from {{ ref('rows') }}",
    # one value changed: id 3 gets a name
    "changed": "select id, case when id = 3 then 'c' else name end as name, is_active from {{ ref('rows') }}",
    # the same distinct rows, but id 2 once
    "deduplicated": "select distinct * from {{ ref('rows') }}",
    "without_id_3": "select * from {{ ref('rows') }} where id <> 3",
    "with_extra_column": "select *, 1 as extra from {{ ref('rows') }}",
    "with_n_records": "select id, 1 as n_records from {{ ref('rows') }}",
}

# test name -> (model, arguments, config): the tests that run
RUN_TESTS = {
    "reordered_equal": ("reordered", {"compare_model": "ref('rows')"}, {}),
    "changed_differs": ("changed", {"compare_model": "ref('rows')"}, {}),
    "deduplicated_differs": ("deduplicated", {"compare_model": "ref('rows')"}, {}),
    "changed_equal_without_name": ("changed", {"compare_model": "ref('rows')",
                                               "compare_columns": ["is_active", "id"]}, {}),
    "filtered_equal": ("reordered", {"compare_model": "ref('without_id_3')",
                                     "compare_columns": ["id", "name", "is_active"]}, {"where": "id <> 3"}),
    "extra_column": ("with_extra_column", {"compare_model": "ref('rows')"}, {}),
    "reserved_column": ("with_n_records", {"compare_model": "ref('with_n_records')"}, {}),
    "filtered_without_columns": ("reordered", {"compare_model": "ref('rows')"}, {"where": "id = 1"}),
}

EXECUTION_ERRORS = {
    "extra_column": 'equality: model and compare_model must have the same columns, or give compare_columns; '
                    'only in model: ["extra"], only in compare_model: []',
    "reserved_column": 'equality: the compared columns must not be named in_relation or n_records (the '
                       "test's own output columns); got [\"id\", \"n_records\"] (the model's columns: give "
                       "compare_columns without them)",
    "filtered_without_columns": "equality: compare_columns must be a list of columns when the model is "
                                "filtered (a `where` config); got null",
}

# (id, arguments, the message of the compilation error that stops the parse)
ARGUMENT_ERRORS = [
    ("compare_model_missing", {}, "parameter 'compare_model' was not provided"),  # dbt's own check
    ("compare_model_string", {"compare_model": "rows"},
     "equality: compare_model must be a relation such as ref('my_model') or source('app', 'events'); "
     'got "rows"'),
    ("compare_columns_not_a_list", {"compare_model": "ref('rows')", "compare_columns": "id"},
     'equality: compare_columns must be a list of strings; got "id"'),
    ("compare_columns_empty", {"compare_model": "ref('rows')", "compare_columns": []},
     "equality: compare_columns must be a non-empty list of strings; got []"),
    ("compare_columns_repeated", {"compare_model": "ref('rows')", "compare_columns": ["id", "id"]},
     'equality: compare_columns must be a list without duplicates; got ["id", "id"]'),
    ("compare_columns_expression", {"compare_model": "ref('rows')", "compare_columns": ["lower(name)"]},
     "equality: compare_columns must be a column name (letters, digits and underscores, not starting "
     'with a digit); got "lower(name)"'),
    ("compare_columns_reserved", {"compare_model": "ref('rows')", "compare_columns": ["id", "in_relation"]},
     "equality: the compared columns must not be named in_relation or n_records (the test's own output "
     'columns); got ["id", "in_relation"]'),
]


def write_project(root: Path, tests: dict) -> None:
    (root / "seeds").mkdir(exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    (root / "seeds" / "rows.csv").write_text(ROWS_CSV)
    (root / "dbt_project.yml").write_text(json.dumps({
        "name": PROJECT_NAME, "version": "1.0.0", "config-version": 2, "profile": PROJECT_NAME,
        "flags": {"send_anonymous_usage_stats": False, "partial_parse": False},
        "seeds": {PROJECT_NAME: {"rows": {"+column_types": {
            "id": "integer", "name": "varchar", "is_active": "boolean"}}}},
        "models": {PROJECT_NAME: {"+materialized": "view"},
                   "dbt_activation": {"analysis": {"+enabled": False}}},
    }))
    (root / "packages.yml").write_text(json.dumps({"packages": [{"local": str(PROJECT_DIR)}]}))
    (root / "profiles.yml").write_text(json.dumps({PROJECT_NAME: {"target": "duckdb", "outputs": {
        "duckdb": {"type": "duckdb", "path": str(root / "check.duckdb"), "threads": 2}}}}))
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql + "\n")
    models = {}
    for test_name, (model, arguments, config) in tests.items():
        models.setdefault(model, []).append({"dbt_activation.equality": {
            "name": test_name, "arguments": arguments, **({"config": config} if config else {})}})
    (root / "models" / "models.yml").write_text(json.dumps({"version": 2, "models": [
        {"name": model, "data_tests": model_tests} for model, model_tests in models.items()]}))


def invoke(root: Path, *args: str):
    result = dbtRunner().invoke([*args, "--project-dir", str(root), "--profiles-dir", str(root),
                                 "--log-path", str(root / "logs"), "--quiet"])
    release_duckdb()
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("equality_project")
    write_project(root, RUN_TESTS)
    deps = invoke(root, "deps")
    assert deps.success, deps.exception
    return root


@pytest.fixture(scope="module")
def outcomes(project) -> dict:
    """test name -> (status, failures, message) of one `dbt build --store-failures`."""
    build = invoke(project, "build", "--store-failures")
    assert build.exception is None, build.exception
    return {r.node.name: (str(r.status), r.failures, r.message or "")
            for r in build.result.results if r.node.resource_type == "test"}


def test_equal_relations_pass_whatever_their_column_order(outcomes):
    assert outcomes["reordered_equal"][0] == "pass"
    assert outcomes["changed_equal_without_name"][0] == "pass"   # only the compared columns count
    assert outcomes["filtered_equal"][0] == "pass"               # a where on the model, with columns


def stored_failures(project, test_name):
    import duckdb

    with duckdb.connect(str(project / "check.duckdb"), read_only=True) as con:
        return con.execute(f"select in_relation, id, name, is_active, n_records "
                           f"from main_dbt_test__audit.{test_name} order by all").fetchall()


def test_a_difference_fails_with_its_rows(outcomes, project):
    assert outcomes["changed_differs"][:2] == ("fail", 2)
    assert stored_failures(project, "changed_differs") == [
        ("compare_model", 3, None, True, 1),   # the old value
        ("model", 3, "c", True, 1),            # the new value
    ]
    assert outcomes["deduplicated_differs"][:2] == ("fail", 2)
    assert stored_failures(project, "deduplicated_differs") == [
        ("compare_model", 2, "b", False, 2),   # twice in rows, once in the model
        ("model", 2, "b", False, 1),
    ]


@pytest.mark.parametrize("test_name", list(EXECUTION_ERRORS))
def test_columns_that_cannot_be_compared_are_an_error(outcomes, test_name):
    status, _, message = outcomes[test_name]
    assert status == "error"
    assert EXECUTION_ERRORS[test_name] in message, message


@pytest.mark.parametrize("arguments, message", [error[1:] for error in ARGUMENT_ERRORS],
                         ids=[error[0] for error in ARGUMENT_ERRORS])
def test_argument_errors(tmp_path, project, arguments, message):
    root = tmp_path / "project"
    root.mkdir()
    write_project(root, {"misconfigured": ("reordered", arguments, {})})
    (root / "dbt_packages").symlink_to(project / "dbt_packages")
    result = invoke(root, "parse")
    assert not result.success
    assert message in str(result.exception), str(result.exception)
