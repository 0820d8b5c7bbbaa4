"""G.711 μ-law: bit for bit what the reference codec (CPython's audioop, Sun's g711.c) produces."""
import warnings

import numpy as np

from settle.voice.codec import telephone_audio, telephone_bytes, ulaw_decode, ulaw_encode
from settle.voice.types import Audio

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # the reference, in the tests only; it leaves the standard library in 3.13

EVERY_PCM16 = np.arange(-32768, 32768, dtype="<i2")


def tone(rate: int, seconds: float = 1.0, hz: float = 440.0, amplitude: float = 0.5) -> Audio:
    t = np.arange(int(rate * seconds)) / rate
    return Audio((amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32), rate)


def test_encodes_every_16_bit_sample_as_the_reference_does():
    reference = audioop.lin2ulaw(EVERY_PCM16.tobytes(), 2)
    assert ulaw_encode(EVERY_PCM16.astype(np.float32) / 32768.0) == reference


def test_decodes_every_code_as_the_reference_does():
    every_code = bytes(range(256))
    reference = np.frombuffer(audioop.ulaw2lin(every_code, 2), dtype="<i2")
    assert np.array_equal(ulaw_decode(every_code) * 32768.0, reference.astype(np.float32))


def test_silence_is_0xff():
    assert ulaw_encode(np.zeros(160, dtype=np.float32)) == b"\xff" * 160


def test_out_of_range_samples_clip_to_the_loudest_codes():
    assert ulaw_encode(np.array([1.7, -1.7], dtype=np.float32)) == bytes([0x80, 0x00])


def test_a_tone_survives_the_round_trip_above_30_db():
    audio = tone(8000)
    back = ulaw_decode(ulaw_encode(audio.samples))
    noise = back - audio.samples
    snr_db = 10 * np.log10(np.sum(audio.samples ** 2) / np.sum(noise ** 2))
    assert snr_db > 30.0


def test_empty_input_gives_empty_output():
    assert ulaw_encode(np.zeros(0, dtype=np.float32)) == b""
    assert ulaw_decode(b"").shape == (0,) and ulaw_decode(b"").dtype == np.float32
    assert telephone_bytes(Audio(np.zeros(0, dtype=np.float32), 24000)) == b""
    assert telephone_audio(b"").duration_s == 0.0


def test_telephone_bytes_resample_any_rate_to_8k_and_back():
    speech_rate_tone = tone(24000, seconds=1.0, hz=440.0)
    payload = telephone_bytes(speech_rate_tone)
    assert abs(len(payload) - 8000) <= 2  # one byte per 8 kHz sample
    heard = telephone_audio(payload)
    assert heard.rate == 8000
    spectrum = np.abs(np.fft.rfft(heard.samples))
    assert abs(np.argmax(spectrum) * 8000 / len(heard.samples) - 440.0) < 2.0
