"""Every read of a stored table in the SQL of an incremental run, checked: each reference to a
partitioned stored table (a model's own, read again by a later run) must carry a literal
predicate on its partition column in the query that reads it (its WHERE or its join
conditions, or a MERGE's ON for the MERGE's target), unless it is a table of one row per user.

Run with the BigQuery emulator's venv (it has sqlglot): stdin is JSON
{"statements": [sql, ...], "partitioned": {table name: partition column},
 "per_user": [table name, ...]}; stdout is JSON, a list of problems (one per reference
without a bound), each {"statement": i, "table": name, "why": text}.
"""
from __future__ import annotations

import json
import sys

import sqlglot
from sqlglot import exp

BOUNDING = (exp.GTE, exp.GT, exp.EQ)


def literal(node: exp.Expression) -> bool:
    """A constant: a literal, or a cast of one (e.g. cast('2025-01-20' as date))."""
    while isinstance(node, (exp.Cast, exp.TryCast, exp.Paren)):
        node = node.this
    return isinstance(node, (exp.Literal, exp.Date)) and not list(node.find_all(exp.Column))


def bounds(condition: exp.Expression | None, alias: str, column: str) -> bool:
    """Whether `condition` holds, as a conjunct, `<alias>.<column> >=|>|= <literal>`."""
    if condition is None:
        return False
    for comparison in condition.find_all(*BOUNDING):
        # only conjuncts: no OR between the comparison and the condition's root
        node, under_or = comparison, False
        while node is not condition and node.parent is not None:
            node = node.parent
            under_or = under_or or isinstance(node, exp.Or)
        if under_or:
            continue
        left, right = comparison.left, comparison.right
        for side, other in ((left, right), (right, left)):
            if (isinstance(side, exp.Column) and side.name.lower() == column
                    and side.table.lower() in (alias, "") and literal(other)):
                return True
    return False


def check(statement: str, partitioned: dict[str, str], per_user: set[str]) -> list[dict]:
    problems = []
    for tree in sqlglot.parse(statement, read="bigquery"):
        if tree is None:
            continue
        for table in tree.find_all(exp.Table):
            name = table.name.lower()
            if name in per_user or name not in partitioned:
                continue
            column = partitioned[name]
            alias = table.alias_or_name.lower()
            parent = table.parent
            if isinstance(parent, exp.Merge) and parent.this is table:
                ok, where = bounds(parent.args.get("on"), alias, column), "the MERGE's ON"
            elif isinstance(parent, (exp.Delete, exp.Update)) and parent.this is table:
                ok, where = bounds(parent.args.get("where"), alias, column), "the WHERE"
            else:
                select = table.parent_select
                conditions = [select.args.get("where").this] if select and select.args.get("where") else []
                for join in (select.args.get("joins") or []) if select else []:
                    if join.args.get("on") is not None:
                        conditions.append(join.args["on"])
                ok = any(bounds(condition, alias, column) for condition in conditions)
                where = "the query that reads it"
            if not ok:
                problems.append({"table": name, "why": f"no literal predicate on {column} in {where}"})
    return problems


def main() -> None:
    request = json.load(sys.stdin)
    per_user = {name.lower() for name in request["per_user"]}
    partitioned = {name.lower(): column.lower() for name, column in request["partitioned"].items()}
    problems = []
    for index, statement in enumerate(request["statements"]):
        for problem in check(statement, partitioned, per_user):
            problems.append({"statement": index, **problem})
    print(json.dumps(problems))


if __name__ == "__main__":
    main()
