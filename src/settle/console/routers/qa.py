"""QA: start a run of scenario suites and browse past runs with their reports (qa and admin only)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import FormData

from settle.console.auth import Staff
from settle.console.qa import RunInProgress, RunnerUnavailable, UnknownSuite
from settle.console.users import QA_ROLES
from settle.console.web import (
    PREFIX,
    ConsoleRoute,
    PageError,
    checked_form,
    console,
    redirect,
    render,
    require_role,
)
from settle.store.repository import NotFound

router = APIRouter(prefix=f"{PREFIX}/qa", route_class=ConsoleRoute, include_in_schema=False)
qa_staff = require_role(*sorted(QA_ROLES))

# the report is self-contained HTML (inline CSS and SVG, no script); sandboxed all the same,
# so nothing in it could act with the console's session
REPORT_HEADERS = {"Content-Security-Policy": "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"}


@router.get("", response_class=HTMLResponse)
def qa_home(request: Request, staff: Staff = Depends(qa_staff)) -> Response:
    runner = console(request).qa
    try:
        suites, unavailable = runner.suites(), None
    except RunnerUnavailable as exc:
        suites, unavailable = [], str(exc)
    return render(request, "qa.html", {"suites": suites, "unavailable": unavailable, "runs": runner.runs()}, staff)


@router.post("/runs")
def start_run(request: Request, staff: Staff = Depends(qa_staff), form: FormData = Depends(checked_form)) -> Response:
    try:
        run_id = console(request).qa.start([str(name) for name in form.getlist("suite")], staff.username)
    except UnknownSuite as exc:
        raise PageError(400, "Choose one or more of the listed suites ({detail}).", detail=str(exc)) from None
    except RunInProgress:
        raise PageError(409, "A QA run is already in progress; wait for it to finish.") from None
    except RunnerUnavailable:
        raise PageError(503, "The scenario runner is not available in this installation.") from None
    return redirect(f"{PREFIX}/qa/runs/{run_id}", flash="run_started")


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: str, request: Request, staff: Staff = Depends(qa_staff)) -> Response:
    runner = console(request).qa
    view = runner.view(_run(request, run_id))
    return render(
        request,
        "qa_run.html",
        {"view": view, "has_html": runner.report_file(view.run, "html") is not None, "has_json": runner.report_file(view.run, "json") is not None},
        staff,
    )


@router.get("/runs/{run_id}/report.html")
def html_report(run_id: str, request: Request, _staff: Staff = Depends(qa_staff)) -> Response:
    return _report(request, run_id, "html", "text/html; charset=utf-8")


@router.get("/runs/{run_id}/report.json")
def json_report(run_id: str, request: Request, _staff: Staff = Depends(qa_staff)) -> Response:
    return _report(request, run_id, "json", "application/json")


def _report(request: Request, run_id: str, kind: str, media_type: str) -> Response:
    path = console(request).qa.report_file(_run(request, run_id), kind)
    if path is None:
        raise PageError(404, "This run has no such report (yet).")
    return FileResponse(path, media_type=media_type, headers=REPORT_HEADERS if kind == "html" else None)


def _run(request: Request, run_id: str):
    try:
        return console(request).qa.store.eval_run(run_id)
    except NotFound:
        raise PageError(404, "There is no such QA run.") from None
