"""The local engine's server: llama.cpp's OpenAI-compatible server, started, health-checked
and stopped by Settle on a loopback port.

The app reaches it through `langchain_openai.ChatOpenAI` exactly as it would a
vLLM or llama.cpp server at scale; only the start-up differs. The server runs
in its own process so a model crash cannot take the app down, and its output
goes to a log file that start-up errors quote.
"""
from __future__ import annotations

import atexit
import importlib.util
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
POLL_S = 0.25
# A server keeps recent prompt states in RAM, so a fixed system prompt is not read again
# when calls switch between prompts (the two languages). Its budget counts only the KV
# part of a state (~20 MB for 700 tokens of the 1.5B model), not the logits each state
# also copies: with the server's default logits_all that is every prompt token × the
# vocabulary (~400 MB a state for Qwen; 22 GB and an OOM kill in a 312-message
# evaluation). Without logits_all and with a batch of 128 a state's logits are 78 MB.
# The local engine runs one server for understanding and one for phrasing (engines.py),
# so neither evicts the other's system prompts; each budget holds a few states.
CACHE_BYTES = 64 << 20
BATCH = 128
STOP_S = 10.0


class ServerStartError(RuntimeError):
    """The server did not come up; the message says why, with the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class LlamaServer:
    """One `python -m llama_cpp.server` process serving one GGUF model."""

    def __init__(
        self,
        model_path: Path,
        log_dir: Path,
        threads: int = 1,
        chat_format: str = "chatml",
        context: int = 2048,
        port: int | None = None,
    ) -> None:
        self.model_path = model_path
        self.threads = threads
        self.chat_format = chat_format
        self.context = context
        self.port = port or free_port()
        self.log_path = log_dir / f"llama-server-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--host", HOST,
            "--port", str(self.port),
            "--n_threads", str(self.threads),
            "--n_threads_batch", str(self.threads),
            "--n_ctx", str(self.context),
            "--n_batch", str(BATCH),
            "--logits_all", "false",
            "--chat_format", self.chat_format,
            # keep the KV state of recent prompts in RAM: understanding and phrasing
            # alternate, and each keeps its long fixed system prompt cached
            "--cache", "true",
            "--cache_type", "ram",
            "--cache_size", str(CACHE_BYTES),
        ]

    def launch(self) -> None:
        """Start the process; `wait_ready` waits for it (servers of one engine load side by side)."""
        if not self.model_path.is_file():
            raise ServerStartError(f"model file {self.model_path} does not exist")
        if importlib.util.find_spec("llama_cpp") is None:
            raise ServerStartError("llama-cpp-python is not installed (pip install 'llama-cpp-python[server]')")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log_file:
            self._process = subprocess.Popen(self.command(), stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        atexit.register(self.stop)

    def wait_ready(self, deadline: float) -> None:
        """Wait until the launched server answers, until `deadline` (time.monotonic()); ServerStartError
        (the process stopped) otherwise."""
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerStartError(f"the llama.cpp server exited with code {self._process.returncode}: {self._log_tail()}")
            if self.healthy():
                self._warm_up(deadline)
                log.info("llama.cpp server for %s ready on port %d", self.model_path.name, self.port)
                return
            time.sleep(POLL_S)
        self.stop()
        raise ServerStartError(f"the llama.cpp server did not answer in time: {self._log_tail()}")

    def _warm_up(self, deadline: float) -> None:
        """One token, so the model's first real turn does not pay for loading its weights into memory
        (tens of seconds on a busy machine, while the server already answers health checks)."""
        try:
            httpx.post(f"{self.base_url}/chat/completions", timeout=max(deadline - time.monotonic(), 1.0),
                       json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1})
        except httpx.HTTPError as exc:
            self.stop()
            raise ServerStartError(f"the llama.cpp server did not answer its first request ({exc}): {self._log_tail()}") from None

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _log_tail(self, chars: int = 1500) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return text[-chars:].strip() or "(empty log)"
