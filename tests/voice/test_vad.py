"""Silero VAD, streamed: speech on the real clips, not on silence or noise; each call its own state."""
import numpy as np
import pytest

from settle.voice.audio import read_wav
from settle.voice.types import Audio
from settle.voice.vad import FRAME_SAMPLES

THRESHOLD = 0.5


def frames(samples: np.ndarray) -> np.ndarray:
    padded = np.pad(samples, (0, -len(samples) % FRAME_SAMPLES))
    return padded.reshape(-1, FRAME_SAMPLES)


def test_speech_is_detected_in_every_clip(vad, shared_audio):
    for path in sorted(shared_audio.glob("*.wav")) + sorted((shared_audio / "phone").glob("*.wav")):
        speech = vad.speech_probabilities(read_wav(path)) > THRESHOLD
        assert speech.mean() > 0.5, path.name


def test_silence_and_noise_are_not_speech(vad):
    rng = np.random.default_rng(0)
    for samples in (np.zeros(16000 * 2), 0.05 * rng.standard_normal(16000 * 2), 0.3 * rng.standard_normal(16000 * 2)):
        assert vad.speech_probabilities(Audio(samples.astype(np.float32), 16000)).max() < THRESHOLD


def test_speech_between_silences_is_found_where_it_is(vad, shared_audio):
    clip = read_wav(shared_audio / "zh_paddlespeech_zh.wav").samples
    second = np.zeros(16000, np.float32)
    speech = vad.speech_probabilities(Audio(np.concatenate([second, clip, second]), 16000)) > THRESHOLD
    per_second = 16000 // FRAME_SAMPLES
    assert not speech[: per_second - 3].any()
    assert speech[per_second + 5 : -per_second - 10].mean() > 0.6
    assert not speech[-per_second + 8 :].any()


def test_streaming_frame_by_frame_keeps_state_and_reset_starts_afresh(vad, shared_audio):
    samples = read_wav(shared_audio / "en_jfk.wav").samples[: 16000 * 3]
    detector = vad.detector()
    streamed = [detector.probability(f) for f in frames(samples)]
    assert np.allclose(streamed, vad.speech_probabilities(Audio(samples, 16000)), atol=1e-5)
    detector.reset()
    assert np.allclose([detector.probability(f) for f in frames(samples)], streamed, atol=1e-5)


def test_calls_do_not_share_state(vad, shared_audio):
    speech = frames(read_wav(shared_audio / "en_jfk.wav").samples[:16000 * 2])
    quiet = np.zeros((len(speech), FRAME_SAMPLES), np.float32)
    a, b, alone = vad.detector(), vad.detector(), vad.detector()
    interleaved = []
    for s, q in zip(speech, quiet):
        interleaved.append(a.probability(s))
        b.probability(q)
    assert np.allclose(interleaved, [alone.probability(s) for s in speech], atol=1e-6)


def test_a_frame_of_the_wrong_size_is_refused(vad):
    with pytest.raises(ValueError, match="512"):
        vad.detector().probability(np.zeros(480, np.float32))
