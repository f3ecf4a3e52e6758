"""Which models the dashboard shows: read from the configuration the dbt_activation macros
record on each node they build (``config.meta.dbt_activation`` in the dbt manifest).

- ``first_activation_events`` models become funnels (key events and first-visit event
  from the meta; their inputs, the events and users models, from ``depends_on``);
- ``activation_states`` models become lifecycle views (grain, time zone, week start,
  as-of date from the meta), whatever their names;
- ``activation_summary`` models are matched to the activation model they depend on.

Activation models reading the same inputs (``depends_on.nodes``, i.e. the source model)
in the same time zone are one *metric* shown at several grains. The metric's name is the
models' common display name (the model name without a ``fact_`` prefix and an
``_activation_<grain>`` suffix), else the source model's name.

Nothing here reads a model's SQL or repeats a macro default: what the meta does not
record is not guessed.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRAINS = ("day", "week", "month")
META_KEY = "dbt_activation"


@dataclass(frozen=True)
class FunnelSource:
    """A model built by ``first_activation_events`` and its recorded configuration."""

    model: str
    key_events: tuple[str, ...]
    first_visit_event: str
    timezone: str | None = None
    inputs: tuple[str, ...] = ()  # the models it reads (events and users), from depends_on


@dataclass(frozen=True)
class ActivationSource:
    """A model built by ``activation_states``, its recorded configuration and its summary."""

    model: str
    metric: str
    grain: str
    week_start: str | None = None
    timezone: str | None = None
    as_of: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class Project:
    funnels: tuple[FunnelSource, ...]
    activations: tuple[ActivationSource, ...]


def load_manifest(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no dbt manifest at {path}: run `dbt parse` (or `activation-demo demo`) first")
    return json.loads(path.read_text())


def recorded_meta(node: dict[str, Any]) -> dict[str, Any] | None:
    """The configuration a dbt_activation macro recorded on the node, or None."""
    meta = ((node.get("config") or {}).get("meta") or {}).get(META_KEY)
    return meta if isinstance(meta, dict) and meta.get("macro") else None


def identifier(node: dict[str, Any]) -> str:
    """The table name of a node (what the warehouse holds)."""
    return node.get("alias") or node.get("identifier") or node["name"]


def display_name(model: str) -> str:
    """``fact_app_visit_activation_daily`` -> ``app_visit``; other names stay as they are."""
    name = re.sub(r"_activation_(?:daily|weekly|monthly|day|week|month)$", "", model)
    name = re.sub(r"^fact_+", "", name)
    return name or model


def discover(manifest: dict[str, Any]) -> Project:
    """The first-activation models, activation models and summaries of a dbt manifest."""
    tables = {uid: identifier(node) for section in ("nodes", "sources")
              for uid, node in (manifest.get(section) or {}).items()}
    # a model whose meta says ``dashboard: false`` is left out (e.g. the worked examples,
    # which run the macros on seeds to test them and are not metrics)
    models = sorted(((uid, node, meta) for uid, node in (manifest.get("nodes") or {}).items()
                     if node.get("resource_type") == "model" and (meta := recorded_meta(node))
                     and ((node.get("config") or {}).get("meta") or {}).get("dashboard") is not False),
                    key=lambda item: tables[item[0]])

    def inputs(node: dict[str, Any]) -> tuple[str, ...]:
        return tuple(sorted((node.get("depends_on") or {}).get("nodes") or ()))

    funnels, states, summaries = [], [], {}
    for uid, node, meta in models:
        if meta["macro"] == "first_activation_events":
            funnels.append(FunnelSource(
                model=tables[uid], key_events=tuple(meta.get("key_events") or ()),
                first_visit_event=meta["first_visit_event"], timezone=meta.get("timezone"),
                inputs=tuple(tables[i] for i in inputs(node) if i in tables)))
        elif meta["macro"] == "activation_states" and meta.get("grain") in GRAINS:
            states.append((uid, node, meta))
        elif meta["macro"] == "activation_summary":
            # its grain is the activation model's: taken from that model's meta, not this one's
            for target in inputs(node):
                summaries.setdefault(target, tables[uid])

    groups: dict[tuple[Any, ...], list[tuple[str, dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for uid, node, meta in states:
        groups[(inputs(node) or (uid,), meta.get("timezone"))].append((uid, node, meta))
    named = []
    for (sources, timezone), members in sorted(groups.items(), key=lambda item: str(item[0])):
        names = {display_name(tables[uid]) for uid, _, _ in members}
        if len(names) == 1:
            metric = names.pop()
        elif len(sources) == 1 and sources[0] in tables:
            metric = display_name(tables[sources[0]])
        else:
            metric = min(names)
        named.append((metric, timezone, members))
    taken = defaultdict(int)
    for metric, _, _ in named:
        taken[metric] += 1
    activations = []
    for metric, timezone, members in named:
        if taken[metric] > 1:  # one source in several time zones (or same-named sources)
            metric = f"{metric} ({timezone})"
        activations += [ActivationSource(
            model=tables[uid], metric=metric, grain=meta["grain"], week_start=meta.get("week_start"),
            timezone=timezone, as_of=meta.get("as_of"), summary=summaries.get(uid))
            for uid, _, meta in members]
    activations.sort(key=lambda a: (a.metric, GRAINS.index(a.grain), a.model))
    return Project(tuple(funnels), tuple(activations))
