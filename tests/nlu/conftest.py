"""The real NLU, built once for the tests that go through multilingual-e5-small."""
from __future__ import annotations

import pytest

from settle.agent.nlu import EmbeddingNLU


@pytest.fixture(scope="session")
def real_nlu() -> EmbeddingNLU:
    """The production NLU: the packaged examples, their embeddings cached on disk."""
    return EmbeddingNLU()
