"""Call recording: both sides on one timeline, on disk as the call goes, and deleted after the retention."""
import datetime
import os
import subprocess
import sys
import threading
import wave
from pathlib import Path

import numpy as np

from settle.voice.audio import from_pcm16, to_pcm16
from settle.voice.recording import FLUSH_SECONDS, CallRecorder, purge_recordings
from settle.voice.types import Audio

RATE = 8000
CHUNK = 160  # 20 ms, as the telephone sends it


def constant(value: float, samples: int, rate: int = RATE) -> Audio:
    return Audio(np.full(samples, value, dtype=np.float32), rate)


def click(rate: int = RATE) -> Audio:
    samples = np.zeros(rate // 10, dtype=np.float32)
    samples[0] = 0.8
    return Audio(samples, rate)


def send_caller(recorder: CallRecorder, seconds: float, value: float = 0.01) -> None:
    for _ in range(round(seconds * RATE / CHUNK)):
        recorder.caller(constant(value, CHUNK))


def channels(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, RATE)
        frames = from_pcm16(wav.readframes(wav.getnframes()), RATE).samples.reshape(-1, 2)
    return frames[:, 0], frames[:, 1]


def test_agent_audio_at_one_second_lands_at_sample_8000(tmp_path):
    with CallRecorder(tmp_path / "call.wav") as recorder:
        send_caller(recorder, 1.0)
        recorder.agent(click())
        send_caller(recorder, 1.0)
    caller, agent = channels(tmp_path / "call.wav")
    assert len(caller) == len(agent) == 2 * RATE
    assert np.argmax(np.abs(agent)) == 8000 and agent[8000] > 0.79
    assert not agent[:8000].any()
    assert np.allclose(caller, 0.01, atol=1e-4)


def test_agent_audio_at_another_rate_is_resampled_onto_the_same_timeline(tmp_path):
    with CallRecorder(tmp_path / "call.wav") as recorder:
        send_caller(recorder, 1.0)
        recorder.agent(click(rate=24000))
        send_caller(recorder, 0.5)
    agent = channels(tmp_path / "call.wav")[1]
    assert abs(int(np.argmax(np.abs(agent))) - 8000) <= 2


def test_agent_audio_queues_behind_what_is_still_playing(tmp_path):
    with CallRecorder(tmp_path / "call.wav") as recorder:
        send_caller(recorder, 0.5)
        recorder.agent(constant(0.3, RATE))  # one second, sent at once: plays from 0.5 s to 1.5 s
        recorder.agent(constant(0.6, RATE // 2))  # queued after it
        send_caller(recorder, 2.5)
    agent = channels(tmp_path / "call.wav")[1]
    assert not agent[:4000].any()
    assert np.allclose(agent[4000:12000], 0.3, atol=1e-4)
    assert np.allclose(agent[12000:16000], 0.6, atol=1e-4)
    assert not agent[16000:].any()


def test_explicit_times_place_audio_and_gaps_are_silence(tmp_path):
    with CallRecorder(tmp_path / "call.wav") as recorder:
        recorder.agent(click(), at=0.25)
        send_caller(recorder, 1.0, value=0.2)
        recorder.caller(constant(0.4, CHUNK), at=2.0)  # the telephone's timestamp: a second was lost
    caller, agent = channels(tmp_path / "call.wav")
    assert len(caller) == 2 * RATE + CHUNK
    assert np.allclose(caller[:8000], 0.2, atol=1e-4) and not caller[8000:16000].any()
    assert np.allclose(caller[16000:], 0.4, atol=1e-4)
    assert np.argmax(agent) == 2000


def test_audio_for_a_time_already_on_disk_is_dropped_with_a_warning(tmp_path, caplog):
    with CallRecorder(tmp_path / "call.wav") as recorder:
        send_caller(recorder, 1.0)
        recorder.agent(constant(0.5, RATE // 2), at=0.75)  # 0.75 s–1.0 s is on disk already
    agent = channels(tmp_path / "call.wav")[1]
    assert "2000 samples for a time already on disk were not recorded" in caplog.text
    assert not agent[:8000].any() and np.allclose(agent[8000:], 0.5, atol=1e-4)


def test_barge_in_drops_the_agent_audio_that_never_played(tmp_path):
    with CallRecorder(tmp_path / "call.wav") as recorder:
        send_caller(recorder, 0.5)
        recorder.agent(constant(0.3, 2 * RATE))  # two seconds queued
        send_caller(recorder, 0.5)
        recorder.agent_interrupted()  # the caller spoke over it at 1.0 s
        send_caller(recorder, 0.5)
        recorder.agent(constant(0.6, CHUNK))  # the agent's answer starts now
    caller, agent = channels(tmp_path / "call.wav")
    assert len(agent) == 12000 + CHUNK
    assert np.allclose(agent[4000:8000], 0.3, atol=1e-4) and not agent[8000:12000].any()
    assert np.allclose(agent[12000:], 0.6, atol=1e-4)


def test_the_file_is_a_valid_wav_while_the_call_goes_on(tmp_path):
    path = tmp_path / "call.wav"
    recorder = CallRecorder(path)
    assert channels(path)[0].size == 0  # a header from the start
    send_caller(recorder, 2.0, value=0.1)
    recorder.agent(click())
    caller, agent = channels(path)  # read by another reader while the recorder still holds the file
    assert 2 * RATE - FLUSH_SECONDS * RATE <= len(caller) <= 2 * RATE
    assert np.allclose(caller, 0.1, atol=1e-4)
    recorder.close()
    assert len(channels(path)[1]) == 2 * RATE + RATE // 10


def test_a_crash_loses_at_most_the_unflushed_tail(tmp_path):
    path = tmp_path / "call.wav"
    crashing_call = (
        "import os, numpy as np\n"
        "from settle.voice.recording import CallRecorder\n"
        "from settle.voice.types import Audio\n"
        f"recorder = CallRecorder({str(path)!r})\n"
        f"for _ in range(150): recorder.caller(Audio(np.full({CHUNK}, 0.1, dtype=np.float32), {RATE}))\n"
        "os._exit(1)  # no close: the process dies mid-call\n")
    subprocess.run([sys.executable, "-c", crashing_call], check=False, timeout=120,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    caller = channels(path)[0]
    assert len(caller) >= 3 * RATE - FLUSH_SECONDS * RATE  # of three seconds
    assert np.allclose(caller, 0.1, atol=1e-4)


def test_caller_and_agent_threads_write_at_once(tmp_path):
    caller_chunks = [constant(0.001 * (i % 50 + 1), CHUNK) for i in range(250)]  # five seconds, varied
    utterances = [constant(0.1 * (k + 1), 400) for k in range(8)]
    path = tmp_path / "call.wav"
    start = threading.Barrier(2)

    def caller_side():
        start.wait()
        for chunk in caller_chunks:
            recorder.caller(chunk)

    def agent_side():
        start.wait()
        for utterance in utterances:
            recorder.agent(utterance)

    with CallRecorder(path) as recorder:
        threads = [threading.Thread(target=caller_side), threading.Thread(target=agent_side)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    caller, agent = channels(path)
    expected_caller = from_pcm16(to_pcm16(Audio(np.concatenate([c.samples for c in caller_chunks]), RATE)), RATE)
    assert np.array_equal(caller[:len(expected_caller.samples)], expected_caller.samples)
    played = agent[agent != 0]
    assert np.allclose(played, np.concatenate([u.samples for u in utterances]), atol=1e-4)  # whole, in order


def test_close_is_idempotent_and_later_audio_is_ignored(tmp_path):
    path = tmp_path / "call.wav"
    recorder = CallRecorder(path)
    send_caller(recorder, 0.3)
    recorder.close()
    size = path.stat().st_size
    recorder.close()
    recorder.caller(constant(0.5, CHUNK))
    recorder.agent(constant(0.5, CHUNK))
    assert path.stat().st_size == size and len(channels(path)[0]) == round(0.3 * RATE / CHUNK) * CHUNK


def test_purge_removes_recordings_past_the_retention_and_keeps_the_rest(tmp_path):
    now = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
    ages = {"old.wav": 40, "nested/older.wav": 90, "recent.wav": 3, "notes.txt": 400}
    for name, days in ages.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        written = (now - datetime.timedelta(days=days)).timestamp()
        os.utime(path, (written, written))
    deleted = purge_recordings(tmp_path, datetime.timedelta(days=30), now)
    assert sorted(deleted) == sorted([tmp_path / "old.wav", tmp_path / "nested/older.wav"])
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["notes.txt", "recent.wav"]
    assert purge_recordings(tmp_path, datetime.timedelta(days=30), now) == []


def test_purge_of_a_missing_folder_deletes_nothing(tmp_path):
    assert purge_recordings(tmp_path / "none", datetime.timedelta(days=1), datetime.datetime.now()) == []
