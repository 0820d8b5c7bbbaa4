"""Settings from the environment (prefix SETTLE_), read once at start."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SETTLE_", extra="ignore")

    database_url: str = "sqlite:///var/settle.db"
    # staff bearer token; `settle serve` makes and prints one when it is unset
    admin_token: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # public base URL used in printed chat links
    public_url: str = "http://127.0.0.1:8000"
    cache_dir: Path = Path.home() / ".cache" / "settle"
    # signs staff console session cookies; made once and kept in the database when unset
    session_secret: str | None = None
    # where QA evaluation reports started from the console are written
    reports_dir: Path = Path("var/reports")
    # The LLM in the loop: none (the deterministic engine, and every engine's fallback) |
    # local (a GGUF model served by llama.cpp on a loopback port Settle manages) |
    # openai (any OpenAI-compatible server) | transformers (a Hugging Face model directory)
    llm: Literal["none", "local", "openai", "transformers"] = "none"
    llm_local_model: str = "qwen2.5-coder-1.5b"  # a name from `settle models list`
    llm_model_path: Path | None = None  # any other GGUF file, instead of llm_local_model
    # one thread: on a 2-core machine that also runs the app, llama.cpp's second thread waits
    # on the busy core and turns ~10x slower (measured: 20 tokens in 1.7 s with 1, 22 s with 2)
    llm_threads: int = 1
    llm_server_start_s: float = 120.0  # loading a 1 GB model on a busy CPU takes a while
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    # how that server takes a JSON schema: OpenAI's json_schema (vLLM, llama-server, Ollama),
    # or json_object with a schema (llama-cpp-python's server)
    llm_schema_style: Literal["json_schema", "json_object"] = "json_schema"
    llm_model_dir: Path | None = None
    # A borrower turn answers within this many seconds; LLM output later than that is
    # dropped for the embedding understanding and the vetted line.
    llm_turn_budget_s: float = 4.0
    llm_understanding_budget_s: float = 1.5
    # where `settle models install` puts model files (default: <cache_dir>/models)
    models_dir: Path | None = None
    # Speech-to-text: faster-whisper on a catalogue model (CTranslate2, int8), or openai-whisper
    # on a user-supplied .pt checkpoint (`settle models export-whisper-pt` makes one from whisper-base)
    stt_backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    stt_model: str = "whisper-base"
    stt_checkpoint: Path | None = None
    # beam 5 is 2–3 CER points better on Mandarin than greedy decoding (settle eval stt)
    stt_beam_size: int = 5
    # threads per transcription, and transcriptions run in parallel (calls share one model)
    stt_threads: int = 1
    stt_workers: int = 2
    # audio that fits in this encoder window with 2 s to spare is encoded in it, not in Whisper's
    # full 30 s: 10 transcribes a caller's turn 3x faster, but hears Mandarin telephone speech
    # worse (voice/stt.py), so the default is the full window
    stt_short_window_s: float = Field(30.0, ge=1.0, le=30.0)
    # Speech synthesis: onnxruntime threads per synthesis (calls share one session per voice)
    tts_threads: int = 1
    # a voice pack of kokoro-82m; jf_gongitsune had the lowest round-trip CER of the five (settle eval tts)
    tts_zh_voice: str = "jf_gongitsune"
    tts_speed: float = 1.0
    vad_threads: int = 1
    # The voice channel. `settle serve` loads the speech engines at start when this is on;
    # without their models the app still serves chat and says why voice is off.
    voice: bool = True
    # Twilio signs every webhook with the account's auth token; without one, the TwiML
    # webhook refuses every request (telephony is off), as it does a bad signature
    twilio_auth_token: SecretStr | None = None
    # the lender's official number, the only one a voicemail may give (none: no voicemail is left)
    callback_number: str = ""
    # call audio (caller and agent, one channel each) recorded per conversation, and kept this long
    call_recording: bool = True
    recordings_dir: Path | None = None  # default: <cache_dir>/recordings
    recording_retention_days: int = 90
    # turn-taking: this much silence ends the borrower's turn (a pause of 0.3 s is transcribed
    # ahead, in case it is the end); speech shorter than min_speech is noise and never interrupts
    # the agent; after reprompt_after of silence, "are you still there?"
    call_end_of_speech_s: float = 0.7
    call_min_speech_s: float = 0.2
    call_reprompt_after_s: float = 8.0
    call_min_asr_confidence: float = 0.3

    def speech_cache_path(self) -> Path:
        """Synthesized fixed lines (greetings, notices), keyed by engine, voice and text."""
        return self.cache_dir / "tts"

    def recordings_path(self) -> Path:
        return self.recordings_dir if self.recordings_dir is not None else self.cache_dir / "recordings"

    def models_path(self) -> Path:
        return self.models_dir if self.models_dir is not None else self.cache_dir / "models"

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url[len(prefix):])
        return None
