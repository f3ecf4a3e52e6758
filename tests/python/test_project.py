"""Project-level promises: settings declared once, in step between dbt_project.yml and the
macro that package users rely on."""
from __future__ import annotations

import re

import yaml

from conftest import PROJECT_DIR


def test_var_defaults_match_the_macro_defaults():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    declared = {k: v for k, v in project["vars"].items() if k.startswith("activation__")}
    macro = (PROJECT_DIR / "macros" / "_internal" / "_activation_var.sql").read_text()
    body = re.search(r"return\(\{(.*?)\}\)", macro, re.S).group(1)
    in_macro = dict(re.findall(r"'(activation__\w+)': ([^,\n]+),", body))
    parsed = {k: yaml.safe_load(v.replace("none", "null")) for k, v in in_macro.items()}
    assert declared == parsed


def test_every_var_the_macros_read_is_declared():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    used = set()
    for path in (PROJECT_DIR / "macros").rglob("*.sql"):
        used |= set(re.findall(r"_activation_var\('(activation__\w+)'", path.read_text()))
    assert used and used <= set(project["vars"])
