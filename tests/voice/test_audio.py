"""The audio helpers every voice piece relies on: WAV and PCM round trips, rate conversion."""
import numpy as np

from settle.voice.audio import from_pcm16, read_wav, resample, to_pcm16, write_wav
from settle.voice.types import Audio


def tone(rate: int, seconds: float = 0.5, hz: float = 440.0) -> Audio:
    t = np.arange(int(rate * seconds)) / rate
    return Audio((0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32), rate)


def test_pcm16_round_trip_keeps_the_samples():
    audio = tone(16000)
    back = from_pcm16(to_pcm16(audio), 16000)
    assert back.rate == 16000
    assert np.max(np.abs(back.samples - audio.samples)) < 1e-4


def test_pcm16_clips_instead_of_wrapping():
    loud = Audio(np.array([1.5, -1.5], dtype=np.float32), 8000)
    back = from_pcm16(to_pcm16(loud), 8000).samples
    assert back[0] > 0.99 and back[1] <= -0.99


def test_resample_keeps_duration_and_pitch():
    audio = tone(24000, seconds=1.0, hz=440.0)
    down = resample(audio, 8000)
    assert down.rate == 8000 and abs(down.duration_s - 1.0) < 0.01
    spectrum = np.abs(np.fft.rfft(down.samples))
    assert abs(np.argmax(spectrum) * 8000 / len(down.samples) - 440.0) < 2.0


def test_wav_round_trip(tmp_path):
    audio = tone(22050)
    write_wav(tmp_path / "t.wav", audio)
    back = read_wav(tmp_path / "t.wav")
    assert back.rate == 22050 and len(back.samples) == len(audio.samples)


def test_reads_the_shared_clips_at_16k(shared_audio):
    clip = read_wav(shared_audio / "en_jfk.wav")
    assert clip.rate == 16000 and 10.5 < clip.duration_s < 11.5
