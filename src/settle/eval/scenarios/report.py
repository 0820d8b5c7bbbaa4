"""Writes a run's JSON result and a self-contained HTML report (inline CSS and SVG).

The HTML is one file a reviewer can mail or archive: no scripts, fonts or
images are fetched. Plots: the outcome funnel (stages reached, then outcomes),
failures by expectation, and the per-turn latency histogram.
"""
from __future__ import annotations

import json
from pathlib import Path

import jinja2
from markupsafe import Markup

from settle.eval.scenarios.charts import Bar, Segment, bar_chart, histogram
from settle.eval.scenarios.metrics import EvalRun

TEMPLATE = "report.html.j2"
COLORS = {"unexpected": "#e45756", "known": "#f2b134", "stage": "#4c78a8", "outcome": "#72b7b2"}
FAILURE_LEGEND = {"unexpected": COLORS["unexpected"], "known engine issue": COLORS["known"]}


def write_report(run: EvalRun, out_dir: Path) -> tuple[Path, Path]:
    """`eval-<UTC start>.json` and `.html` in `out_dir` (created); one pair per run, so past runs stay."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"eval-{run.started_at:%Y%m%d-%H%M%S}"
    taken = 1
    while (out_dir / f"{stem}.json").exists():  # two runs started within the same second
        taken += 1
        stem = f"eval-{run.started_at:%Y%m%d-%H%M%S}-{taken}"
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    json_path.write_text(json.dumps(run.to_json(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    html_path.write_text(render_html(run), encoding="utf-8")
    return json_path, html_path


def render_html(run: EvalRun) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    summary = run.summary
    return env.get_template(TEMPLATE).render(run=run, summary=summary, plots=_plots(run, summary))


def _plots(run: EvalRun, summary: dict) -> dict[str, Markup]:
    funnel = [Bar(name, (Segment(count, COLORS["stage"], "runs that got this far"),)) for name, count in summary["funnel"].items()]
    outcomes = [Bar(name, (Segment(count, COLORS["outcome"], "runs"),)) for name, count in summary["outcomes"].items()]
    failures = [
        Bar(kind, (Segment(c["unexpected"], COLORS["unexpected"], "unexpected"), Segment(c["known"], COLORS["known"], "known engine issue")))
        for kind, c in summary["failures_by_expectation"].items()
    ]
    latency = summary["latency"]
    marks = {"p50": latency["p50_ms"], "p95": latency["p95_ms"]} if latency["turns"] else {}
    return {
        "funnel": Markup(bar_chart("plot-funnel", "Outcome funnel: runs that got this far", funnel)),
        "outcomes": Markup(bar_chart("plot-outcomes", "Outcomes", outcomes)),
        "failures": Markup(bar_chart("plot-failures", "Failures by expectation", failures, legend=FAILURE_LEGEND)),
        "latency": Markup(histogram("plot-latency", "Turn latency", run.latencies_ms, marks=marks)),
    }
