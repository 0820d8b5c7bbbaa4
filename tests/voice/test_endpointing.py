"""Turn-taking on real speech with the real Silero VAD: where the borrower's turn starts and ends."""
from __future__ import annotations

import numpy as np

from settle.voice.audio import read_wav, resample
from settle.voice.endpointing import EndpointTiming, Endpointer, Paused, SpeechStarted, Utterance
from settle.voice.types import Audio


def _feed(endpointer: Endpointer, samples: np.ndarray, chunk: int = 320) -> list:
    events = []
    for start in range(0, len(samples), chunk):
        events += endpointer.feed(Audio(samples[start : start + chunk], endpointer.rate))
    return events


def test_a_spoken_line_is_one_utterance_ending_soon_after_the_last_word(vad, shared_audio):
    clip = resample(read_wav(shared_audio / "zh_paddlespeech_zh.wav"), 16000)
    silence = np.zeros(16000, np.float32)
    timing = EndpointTiming(end_of_speech_s=0.5)
    events = _feed(Endpointer(vad.detector(), timing), np.concatenate([silence, clip.samples, silence]))
    starts = [e for e in events if isinstance(e, SpeechStarted)]
    utterances = [e for e in events if isinstance(e, Utterance)]
    assert len(starts) == len(utterances) >= 1
    assert 0.9 <= starts[0].at_s <= 1.6  # the speech starts a little after the leading second of silence
    last = utterances[-1]
    assert last.ended_s <= 1.0 + clip.duration_s + 0.1
    heard = sum(u.audio.duration_s for u in utterances)
    assert heard >= 0.7 * clip.duration_s  # the words are all handed on, with the onset kept


def test_a_short_burst_of_noise_does_not_start_a_turn(vad):
    rng = np.random.default_rng(3)
    burst = (rng.standard_normal(1600) * 0.3).astype(np.float32)  # 100 ms of loud noise, a click on the line
    samples = np.concatenate([np.zeros(8000, np.float32), burst, np.zeros(16000, np.float32)])
    assert _feed(Endpointer(vad.detector(), EndpointTiming(min_speech_s=0.2)), samples) == []


def test_the_clock_is_audio_time_whatever_the_chunk_sizes(vad, shared_audio):
    clip = resample(read_wav(shared_audio / "en_jfk.wav"), 16000).samples
    a, b = Endpointer(vad.detector()), Endpointer(vad.detector())
    events_a, events_b = _feed(a, clip, 160), _feed(b, clip, 4000)
    assert [type(e) for e in events_a] == [type(e) for e in events_b]
    assert a.now_s == b.now_s == len(clip) // 512 * 512 / 16000


def test_the_last_pause_before_the_end_has_the_utterances_audio(vad, shared_audio):
    """What the call transcribes ahead at a pause is exactly what it would transcribe at the end."""
    clip = resample(read_wav(shared_audio / "en_jfk.wav"), 16000).samples
    events = _feed(Endpointer(vad.detector()), np.concatenate([clip, np.zeros(16000, np.float32)]))
    pauses = [e for e in events if isinstance(e, Paused)]
    last = [e for e in events if isinstance(e, Utterance)][-1]
    matching = [p for p in pauses if p.revision == last.revision]
    assert len(matching) == 1
    assert np.array_equal(matching[0].audio.samples, last.audio.samples)
    # earlier pauses (JFK pauses between phrases) were followed by more speech: another revision
    assert all(p.revision < last.revision for p in pauses if p is not matching[0])


def test_telephone_audio_is_handed_on_at_its_own_rate(vad, shared_audio):
    """8 kHz in, 8 kHz out: speech-to-text resamples the utterance whole, at high quality."""
    phone = resample(read_wav(shared_audio / "phone" / "en_jfk_phone8k.wav"), 8000)
    endpointer = Endpointer(vad.detector(), rate=8000)
    events = _feed(endpointer, np.concatenate([phone.samples, np.zeros(8000, np.float32)]), chunk=160)
    utterances = [e for e in events if isinstance(e, Utterance)]
    assert utterances and all(u.audio.rate == 8000 for u in utterances)
    assert sum(u.audio.duration_s for u in utterances) >= 0.7 * phone.duration_s
