"""`settle guard …`: the output guard from the command line.

    echo '{"text": "我们会去你单位找你", "locale": "zh-CN", "party": "debtor"}' | settle guard check

`check` reads one JSON object per line on stdin and writes one JSON line per
input (the contract of `settle.guardrails.output.contract`). A malformed line
gets `{"error": …, "line": N}` and the run goes on; the exit status is 1 when
any line was malformed, 0 otherwise (blocked drafts are not errors).
"""
from __future__ import annotations

import json
import sys

import typer

from settle.guardrails.output.contract import (
    CaseLookup,
    GuardRequestError,
    check_request,
)


def build_guard_app(case_lookup: CaseLookup | None = None) -> typer.Typer:
    """The `guard` sub-app; `case_lookup` resolves `case_id` (the store, when wired)."""
    app = typer.Typer(help="Check agent drafts against the compliance guard.", no_args_is_help=True)

    @app.command("check")
    def check(
        locale: str | None = typer.Option(None, help="Default locale for lines without one (zh-CN or en-US)."),
        party: str | None = typer.Option(None, help="Default party for lines without one (debtor, unverified, third_party)."),
    ) -> None:
        """Judge JSON lines from stdin; write one JSON verdict per line to stdout."""
        from settle.guardrails.output import ComplianceGuard

        guard = ComplianceGuard()
        malformed = False
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                response = check_request(
                    json.loads(line), guard, case_lookup=case_lookup, default_locale=locale, default_party=party
                )
            except json.JSONDecodeError as exc:
                response, malformed = {"error": f"not JSON: {exc.msg}", "line": number}, True
            except GuardRequestError as exc:
                response, malformed = {"error": str(exc), "line": number}, True
            sys.stdout.write(json.dumps(response, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        if malformed:
            raise typer.Exit(code=1)

    @app.callback()
    def main() -> None:
        """Compliance guard tools."""

    return app


guard_app = build_guard_app()
