"""QA scripted evaluations: YAML scenario suites run through the public API.

    from settle.eval.scenarios import list_suites, run_suites, write_report
    run = run_suites(list_suites(), progress=True)       # in-process, fresh SQLite
    json_path, html_path = write_report(run, Path("artifacts/eval"))

`settle eval run SUITE… [--base-url URL]` is the command-line face of the same.
"""
from settle.eval.scenarios.loader import SuiteError, find_suites, list_suites, load_suite
from settle.eval.scenarios.metrics import EvalRun
from settle.eval.scenarios.report import write_report
from settle.eval.scenarios.runner import ApiError, run_suites

__all__ = ["ApiError", "EvalRun", "SuiteError", "find_suites", "list_suites", "load_suite", "run_suites", "write_report"]
