"""The dashboard page: the payload (everything the page shows, as JSON-ready aggregates)
and its rendering into one self-contained HTML file (data and plotly.js embedded; the
charts are drawn by ``templates/dashboard.js`` into ``templates/dashboard.html.j2``)."""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from activation_demo.dashboard_discovery import Project, discover, load_manifest
from activation_demo.dashboard_funnel import MAX_DAYS, TOP_VALUES, funnel_payload
from activation_demo.dashboard_lifecycle import lifecycle_metrics
from activation_demo.dashboard_warehouse import Warehouse

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

DEFINITIONS = [
    ("new", "the user's first active period ever."),
    ("retained", "active in this period and in the previous one."),
    ("reactivated", "active in this period, not in the previous one, active before."),
    ("churned (inactive)", "not active in this period but active in the previous one."),
    ("dormant", "active before this period and not active in it."),
    ("retention rate", "retained users / active users of the previous period."),
    ("reactivation rate", "reactivated users / dormant users of the previous period."),
    ("quick ratio", "(new + reactivated) / churned users; above 1 the active base grows."),
    ("stickiness", "DAU / MAU, DAU / WAU: share of the 30-day (7-day) active users active on the day."),
    ("funnel window", "days 1..N, day 1 = the first visit's; a cohort is open until day max(N, M) has data."),
]


@dataclass
class Dashboard:
    path: Path
    payload_bytes: int
    page_bytes: int
    funnels: list[str] = field(default_factory=list)
    activation_models: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"wrote {self.path} ({self.page_bytes / 1e6:.1f} MB with plotly.js; data "
                f"{self.payload_bytes / 1e3:.0f} kB): funnel from {', '.join(self.funnels) or 'no model'}; "
                f"lifecycle of {', '.join(self.activation_models) or 'no model'}")


def build_payload(db_path: Path | str, manifest: dict[str, Any], max_days: int = MAX_DAYS,
                  top_values: int = TOP_VALUES) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready aggregates."""
    project = discover(manifest)
    wh = Warehouse(db_path)
    try:
        funnels = [funnel_payload(wh, f, max_days, top_values) for f in project.funnels if wh.has(f.model)]
        metrics = lifecycle_metrics(wh, project.activations)
    finally:
        wh.close()
    latest = max((f["latest_at"] for f in funnels if f["latest_at"]), default=None)
    return {
        "generated_at": build_time().strftime("%Y-%m-%d %H:%M UTC"),
        "as_of": latest,
        "project": manifest.get("metadata", {}).get("project_name") or "dbt project",
        "week_start": week_start_of(project),
        "definitions": [{"term": t, "text": d} for t, d in DEFINITIONS],
        "funnels": funnels,
        "metrics": metrics,
    }


def build_time() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds: same data, same page)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)


def week_start_of(project: Project) -> str | None:
    """The week start the activation models record (a weekly model's first), for the
    funnel's weekly cohorts; None when no model records one."""
    recorded = [a.week_start for a in sorted(project.activations, key=lambda a: a.grain != "week") if a.week_start]
    return recorded[0] if recorded else None


def to_json(payload: dict[str, Any]) -> str:
    """Compact JSON, safe inside a <script> element."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_page(payload: dict[str, Any], data_json: str | None = None) -> str:
    import jinja2
    from plotly.offline import get_plotlyjs

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = environment.get_template("dashboard.html.j2")
    return template.render(
        payload=payload,
        data_json=jinja2.utils.markupsafe.Markup(data_json or to_json(payload)),
        plotly_js=jinja2.utils.markupsafe.Markup(get_plotlyjs()),
        dashboard_js=jinja2.utils.markupsafe.Markup((TEMPLATES_DIR / "dashboard.js").read_text()),
    )


def build_dashboard(db_path: Path | str, manifest_path: Path | str, out: Path | str,
                    max_days: int = MAX_DAYS, top_values: int = TOP_VALUES) -> Dashboard:
    payload = build_payload(db_path, load_manifest(manifest_path), max_days, top_values)
    data_json = to_json(payload)
    page = render_page(payload, data_json)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return Dashboard(
        path=out, payload_bytes=len(data_json.encode()), page_bytes=len(page.encode()),
        funnels=[f["model"] for f in payload["funnels"]],
        activation_models=[m["model"] for metric in payload["metrics"] for m in metric["models"]],
    )
