"""The package's macro documentation, as the docs site of a project that installs it shows it.

A throwaway project installs this repository as a local package and runs `dbt parse`; its
manifest holds every macro of dbt_activation with the description, `docs.show` and
arguments that the YAML under macros/ gives it. The promises:

- every macro has a description, shown or hidden;
- the docs site shows exactly the public macros and generic tests (no `_` prefix, not a
  `<engine>__` dispatch implementation), each with its arguments documented in the order and
  with the names of its signature;
- every documented argument has a valid dbt type and a description saying `Required` or its
  default as the signature (or the var it falls back to) has it;
- no YAML entry documents a macro that does not exist (dbt only warns about those);
- dbt's own argument validation (`validate_macro_args`, on by default from dbt 1.12) warns
  about nothing.

The checks are functions returning the problems they find; the last tests feed them broken
copies of the manifest to prove that they fail.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jinja2
import pytest
import yaml
from dbt.cli.main import dbtRunner
from dbt.parser.schemas import is_valid_type
from dbt_common.clients.jinja import parse as parse_jinja

from activation_demo.dbt_runner import PROJECT_DIR, release_duckdb

PACKAGE = "dbt_activation"
PUBLIC_MACROS = {"first_activation_events", "activation_first_last", "activation_states", "activation_summary"}
GENERIC_TESTS = {"test_activation_transitions", "test_activation_accounting", "test_activation_state_columns",
                 "test_unique_combination_of_columns", "test_equality"}
NO_DEFAULT = object()


# ---- the manifest of a project installing the package -----------------------------------
@pytest.fixture(scope="module")
def docs_site(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("docs_site")
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "docs_consumer", "version": "1.0", "config-version": 2, "profile": "docs_consumer",
        "flags": {"send_anonymous_usage_stats": False}}))
    (root / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
    (root / "profiles.yml").write_text(yaml.safe_dump({"docs_consumer": {"target": "dev", "outputs": {
        "dev": {"type": "duckdb", "path": str(root / "consumer.duckdb"), "threads": 1}}}}))
    events = []

    def dbt(*args: str):
        result = dbtRunner(callbacks=[events.append]).invoke(
            [*args, "--project-dir", str(root), "--profiles-dir", str(root), "--quiet"])
        release_duckdb()
        assert result.success, result.exception
        return result

    dbt("deps")
    dbt("parse", "--no-partial-parse")
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    warnings = [event.info.msg for event in events if event.info.level == "warn"]
    # dbt's own check of documented arguments (names and types), the default from dbt 1.12;
    # with it, dbt also fills in undocumented arguments, so the manifest above is parsed without
    events.clear()
    project = yaml.safe_load((root / "dbt_project.yml").read_text())
    project["flags"]["validate_macro_args"] = True
    (root / "dbt_project.yml").write_text(yaml.safe_dump(project))
    dbt("parse", "--no-partial-parse")
    return {
        "macros": {m["name"]: m for m in manifest["macros"].values() if m["package_name"] == PACKAGE},
        "warnings": warnings,
        "validation_warnings": [event.info.msg for event in events if event.info.level == "warn"],
    }


def documented_names() -> dict[str, str]:
    """Each macro name the package's YAML documents -> the YAML file."""
    names = {}
    for path in sorted((PROJECT_DIR / "macros").rglob("*.yml")):
        for entry in (yaml.safe_load(path.read_text()) or {}).get("macros") or []:
            names[entry["name"]] = str(path.relative_to(PROJECT_DIR))
    return names


# ---- signatures ------------------------------------------------------------------------
def signature(macro: dict) -> list[tuple[str, object]]:
    """The macro's arguments as [(name, default)], the default as Jinja source text (e.g.
    "'user_id'", "[]", "none") or NO_DEFAULT, parsed from macro_sql as dbt parses it."""
    node = next(parse_jinja(macro["macro_sql"]).find_all(jinja2.nodes.Macro))
    names = [arg.name for arg in node.args]
    defaults = [NO_DEFAULT] * (len(names) - len(node.defaults)) + [jinja_text(d) for d in node.defaults]
    return list(zip(names, defaults))


def jinja_text(node: jinja2.nodes.Node) -> str:
    if isinstance(node, jinja2.nodes.Const):
        value = node.value
        if value is None or isinstance(value, bool):
            return {None: "none", True: "true", False: "false"}[value]
        return f"'{value}'" if isinstance(value, str) else str(value)
    if isinstance(node, jinja2.nodes.List):
        return "[" + ", ".join(jinja_text(item) for item in node.items) + "]"
    raise ValueError(f"unexpected default {node!r}")


def var_fallbacks(macro: dict) -> dict[str, str]:
    """argument -> the var it falls back to (`_activation_var('activation__x', argument)`)."""
    return {argument: var for var, argument in re.findall(
        r"_activation_var\(\s*'(activation__\w+)'\s*,\s*(\w+)\s*\)", macro["macro_sql"])}


def var_defaults(macros: dict[str, dict]) -> dict[str, str]:
    """var -> its default as the docs show it ('UTC', 3, null), from _activation_defaults."""
    pairs = re.findall(r"'(activation__\w+)':\s*([^,\n}]+)", macros["_activation_defaults"]["macro_sql"])
    return {var: "null" if value.strip() == "none" else value.strip() for var, value in pairs}


def is_public(name: str) -> bool:
    return not name.startswith("_") and "__" not in name


# ---- the checks -------------------------------------------------------------------------
def description_problems(macros: dict[str, dict]) -> list[str]:
    return [f"{name}: empty description" for name, macro in sorted(macros.items())
            if not (macro["description"] or "").strip()]


def visibility_problems(macros: dict[str, dict]) -> list[str]:
    problems = []
    for name, macro in sorted(macros.items()):
        shown = macro["docs"]["show"]
        if shown and not is_public(name):
            problems.append(f"{name}: private or a dispatch implementation, shown on the docs site")
        if is_public(name) and not shown:
            problems.append(f"{name}: public, hidden from the docs site")
    return problems


def argument_problems(macros: dict[str, dict]) -> list[str]:
    fallback_defaults = var_defaults(macros)
    problems = []
    for name, macro in sorted(macros.items()):
        expected = signature(macro)
        documented = macro["arguments"]
        if not documented and not macro["docs"]["show"]:
            continue  # a hidden macro need not document its arguments
        names = [argument["name"] for argument in documented]
        if names != [argument for argument, _ in expected]:
            problems.append(f"{name}: arguments documented {names}, signature {[a for a, _ in expected]}")
        fallbacks = var_fallbacks(macro)
        defaults = dict(expected)
        for argument in documented:
            label = f"{name}.{argument['name']}"
            kind, text = (argument.get("type") or "").strip(), (argument.get("description") or "").strip()
            if not kind or not is_valid_type(kind):
                problems.append(f"{label}: type {kind!r} is not a dbt macro argument type")
            if not text:
                problems.append(f"{label}: empty description")
                continue
            default = defaults.get(argument["name"], NO_DEFAULT)
            if default is NO_DEFAULT:
                wanted = ["Required"]
            elif argument["name"] in fallbacks:
                var = fallbacks[argument["name"]]
                wanted = [f"Default: var {var} ({fallback_defaults[var]}"]
            elif default == "none":
                wanted = ["Default: none", "Required"]
            else:
                wanted = [f"Default: {default}"]
            if not any(phrase in " ".join(text.split()) for phrase in wanted):
                problems.append(f"{label}: description does not say {' or '.join(map(repr, wanted))}")
    return problems


def orphan_problems(macros: dict[str, dict], documented: dict[str, str], warnings: list[str]) -> list[str]:
    problems = [f"{path}: documents {name}, which is no macro of {PACKAGE}"
                for name, path in sorted(documented.items()) if name not in macros]
    problems += [f"dbt warned: {message}" for message in warnings if "patch for macro" in message]
    return problems


# ---- the promises -----------------------------------------------------------------------
def test_every_macro_has_a_description(docs_site):
    macros = docs_site["macros"]
    assert PUBLIC_MACROS | GENERIC_TESTS <= set(macros)
    assert description_problems(macros) == []


def test_the_docs_site_shows_exactly_the_public_macros_and_generic_tests(docs_site):
    macros = docs_site["macros"]
    assert visibility_problems(macros) == []
    assert {name for name, macro in macros.items() if macro["docs"]["show"]} == PUBLIC_MACROS | GENERIC_TESTS


def test_shown_macros_document_their_signature_with_types_and_defaults(docs_site):
    assert argument_problems(docs_site["macros"]) == []


def test_dbt_validates_the_documented_arguments_without_a_warning(docs_site):
    assert docs_site["validation_warnings"] == []


def test_no_yaml_entry_documents_a_missing_macro(docs_site):
    documented = documented_names()
    assert PUBLIC_MACROS <= set(documented)
    assert orphan_problems(docs_site["macros"], documented, docs_site["warnings"]) == []


# ---- the checks fail on broken documentation --------------------------------------------
# Each test breaks a copy of the manifest in one place and expects the problems found to grow
# by exactly that one (whatever the state of the real documentation).
def new_problems(check, macros: dict[str, dict], name: str, change, *args) -> list[str]:
    copied = copy.deepcopy(macros)
    change(copied[name])
    before = check(macros, *args)
    return [problem for problem in check(copied, *args) if problem not in before]


def test_checks_fail_on_an_emptied_description(docs_site):
    macros = docs_site["macros"]
    for name in ["activation_states", "spark___first_value", "_run_state_read"]:
        assert new_problems(description_problems, macros, name, lambda m: m.update(description="  ")) == [
            f"{name}: empty description"]


def test_checks_fail_on_a_missing_or_misplaced_argument(docs_site):
    macros = docs_site["macros"]
    for name, change in [
        ("first_activation_events", lambda m: m["arguments"].pop(4)),  # event_at left out
        ("activation_summary", lambda m: m["arguments"].reverse()),
        ("test_activation_accounting", lambda m: m.update(arguments=[])),
    ]:
        problems = new_problems(argument_problems, macros, name, change)
        assert len(problems) == 1 and problems[0].startswith(f"{name}: arguments documented"), problems


def test_checks_fail_on_an_argument_without_type_or_default(docs_site):
    macros = docs_site["macros"]

    def edit(name, argument, **fields):
        def change(macro):
            next(a for a in macro["arguments"] if a["name"] == argument).update(fields)
        return new_problems(argument_problems, macros, name, change)

    assert edit("activation_states", "timezone", type="") == [
        "activation_states.timezone: type '' is not a dbt macro argument type"]
    assert edit("activation_states", "attributes", type="array of strings") == [
        "activation_states.attributes: type 'array of strings' is not a dbt macro argument type"]
    assert edit("activation_states", "timezone", description="The time zone.") == [
        "activation_states.timezone: description does not say \"Default: var activation__timezone ('UTC'\""]
    assert edit("first_activation_events", "user_id", description="The user column.") == [
        "first_activation_events.user_id: description does not say \"Default: 'user_id'\""]
    assert edit("activation_first_last", "source", description="The source.") == [
        "activation_first_last.source: description does not say 'Required'"]
    assert edit("activation_summary", "grain", description="") == ["activation_summary.grain: empty description"]


def test_checks_fail_on_a_shown_private_macro_and_an_orphan_entry(docs_site):
    macros = docs_site["macros"]
    assert new_problems(visibility_problems, macros, "_first_value", lambda m: m["docs"].update(show=True)) == [
        "_first_value: private or a dispatch implementation, shown on the docs site"]
    assert new_problems(visibility_problems, macros, "activation_summary",
                        lambda m: m["docs"].update(show=False)) == [
        "activation_summary: public, hidden from the docs site"]
    orphan = {"_states_latest_day": "macros/activation_states/activation_states.yml"}
    assert orphan_problems(macros, orphan, []) == [
        "macros/activation_states/activation_states.yml: documents _states_latest_day, which is no macro of "
        f"{PACKAGE}"]
    warned = orphan_problems(macros, {}, ['Found patch for macro "_model_periods" which was not found'])
    assert warned == ['dbt warned: Found patch for macro "_model_periods" which was not found']
