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


@pytest.fixture
def voice_services(sqlite_url, nlu, guard, rails, stt, vad, synthesizer, tmp_path):
    """The real engine on a fresh database, with the real speech engines and telephony configured."""
    from pydantic import SecretStr

    from settle.voice.engines import SpeechEngines
    from tests.support import make_services
    from tests.voice.calls import TWILIO_TOKEN

    services = make_services(sqlite_url, nlu, guard, rails)
    services.settings = services.settings.model_copy(update={
        "twilio_auth_token": SecretStr(TWILIO_TOKEN), "recordings_dir": tmp_path / "recordings", "callback_number": "+1 800 555 0100",
    })
    services.speech, services.speech_unavailable = SpeechEngines(stt=stt, vad=vad, synthesizer=synthesizer), None
    yield services
    services.close()
