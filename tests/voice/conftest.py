"""Voice tests run on the real speech clips in ../shared/audio (beside the project, as in CI)."""
from pathlib import Path

import pytest

SHARED_AUDIO = Path(__file__).resolve().parents[2].parent / "shared" / "audio"


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    assert SHARED_AUDIO.is_dir(), f"the shared speech clips are missing: expected {SHARED_AUDIO}"
    return SHARED_AUDIO
