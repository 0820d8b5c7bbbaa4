"""Voice tests run on the real speech clips in ../shared/audio (beside the project, as in CI),
with the real models from `settle models install` (which `make test` runs)."""
from pathlib import Path

import pytest

from settle.config import Settings

SHARED_AUDIO = Path(__file__).resolve().parents[2].parent / "shared" / "audio"


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    assert SHARED_AUDIO.is_dir(), f"the shared speech clips are missing: expected {SHARED_AUDIO}"
    return SHARED_AUDIO


@pytest.fixture(scope="session")
def speech_settings() -> Settings:
    """The shipped defaults, on the models installed in the usual place."""
    return Settings(stt_backend="faster-whisper", stt_threads=2, stt_workers=1)


@pytest.fixture(scope="session")
def stt(speech_settings):
    from settle.voice.engines import load_stt

    return load_stt(speech_settings)


@pytest.fixture(scope="session")
def vad(speech_settings):
    from settle.voice.engines import load_vad

    return load_vad(speech_settings)


@pytest.fixture(scope="session")
def synthesizer(speech_settings, tmp_path_factory):
    """Both voices, with a fixed-line cache of the test's own."""
    from settle.voice.engines import load_synthesizer

    return load_synthesizer(speech_settings.model_copy(update={"cache_dir": tmp_path_factory.mktemp("cache"),
                                                               "models_dir": speech_settings.models_path()}))
