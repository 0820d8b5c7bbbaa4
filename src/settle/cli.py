"""`settle` command line: serve the app, seed demo cases, chat in the terminal, benchmarks."""
from __future__ import annotations

import secrets
import sys

import typer

from settle.config import Settings
from settle.guardrails.cli import build_guard_app

app = typer.Typer(help="Settle: a conversational debt-collection agent that stays inside the law.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluations against labelled data and scripted scenarios.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(eval_app, name="eval")


def _case_lookup(case_id: str):
    """Case facts from the configured database, for `settle guard check` lines with a case_id."""
    from settle.store.repository import NotFound, Store, case_facts

    store = Store(Settings().database_url)
    try:
        return case_facts(store.get_case(case_id))
    except NotFound:
        return None
    finally:
        store.close()


app.add_typer(build_guard_app(case_lookup=_case_lookup), name="guard")


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default SETTLE_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SETTLE_PORT or 8000)."),
    demo_links: bool = typer.Option(False, "--demo-links", help="Open a chat for each demo case and print its link."),
) -> None:
    """Serve the API, the web chat and the docs."""
    import uvicorn

    from settle.api.app import create_app
    from settle.demo import open_demo_chats
    from settle.services import build_services

    settings = Settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    if not settings.admin_token:
        settings.admin_token = secrets.token_urlsafe(24)
        typer.echo(f"Staff token (SETTLE_ADMIN_TOKEN was unset, made one for this run): {settings.admin_token}")
    services = build_services(settings)
    if demo_links:
        for ref, token in open_demo_chats(services):
            typer.echo(f"Chat link for demo case {ref}: {settings.public_url}/chat/{token}")
    typer.echo(f"Serving on http://{settings.host}:{settings.port} (API docs at /docs)")
    uvicorn.run(create_app(settings, services), host=settings.host, port=settings.port, log_level="info")


@app.command("seed-demo")
def seed_demo() -> None:
    """Create the demo cases (one zh-CN, one en-US) if they are not there yet."""
    from settle.demo import seed_demo_cases
    from settle.store.repository import Store

    settings = Settings()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)
    try:
        for ref, created in seed_demo_cases(store):
            typer.echo(f"{'created' if created else 'exists '} demo case {ref}")
    finally:
        store.close()


@app.command()
def chat(case: str = typer.Option(..., "--case", help="External reference of the case, e.g. DEMO-CN-001.")) -> None:
    """Hold a conversation in the terminal against the same engine as the API."""
    from settle.services import build_services
    from settle.store.repository import NotFound

    services = build_services(Settings())
    try:
        try:
            case_row = services.store.get_case_by_ref(case)
        except NotFound as exc:
            typer.echo(f"error: {exc}. Run `settle seed-demo` for the demo cases.", err=True)
            raise typer.Exit(2) from None
        conversation, _token, messages = services.pipeline.start(case_row, "chat", "inbound", actor="cli")
        for message in messages:
            typer.secho(f"agent> {message.text}", fg="cyan")
        while not conversation.ended:
            try:
                text = input("you> ").strip()
            except EOFError:
                typer.echo("")
                break
            if not text:
                continue
            if len(text) > 2000:
                typer.echo("error: a message may be at most 2000 characters", err=True)
                continue
            result = services.pipeline.handle(conversation, text)
            for message in result.messages:
                typer.secho(f"agent> {message.text}", fg="cyan")
            if result.ended:
                typer.echo(f"[conversation ended: {result.outcome.value if result.outcome else 'none'}; stage {result.stage.value}]")
    finally:
        services.close()


@bench_app.command("chat")
def bench_chat(
    conversations: int = typer.Option(50, help="Full scripted conversations to run."),
    concurrency: int = typer.Option(4, help="Conversations in flight at once."),
    database_url: str = typer.Option(None, help="Database to write to (default: a fresh SQLite file in a temp dir)."),
) -> None:
    """Run scripted conversations through the API in-process; print turns/s, latency, peak RSS."""
    from settle.eval.bench_chat import run_chat_benchmark

    report = run_chat_benchmark(conversations, concurrency, database_url)
    typer.echo(report.format())


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="settle")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
