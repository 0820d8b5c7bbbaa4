"""The local call: its playback queue, and a clear message where the machine has no audio device."""
from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from settle.voice.local import Playback, open_duplex_stream, NoAudioDevice
from settle.voice.types import Audio


def test_playback_plays_in_order_and_reports_each_mark_when_reached():
    reached = []
    playback = Playback(on_mark=reached.append)
    playback.play(Audio(np.ones(300, np.float32), 16000))
    playback.mark("a")
    playback.play(Audio(np.full(100, 0.5, np.float32), 16000))
    playback.mark("b")
    first = playback.read(320)
    assert np.all(first[:300] == 1.0) and np.all(first[300:] == 0.5) and reached == ["a"]
    second = playback.read(320)
    assert np.all(second[:80] == 0.5) and np.all(second[80:] == 0.0) and reached == ["a", "b"]


def test_clear_drops_the_queued_audio_and_answers_its_marks():
    reached = []
    playback = Playback(on_mark=reached.append)
    playback.play(Audio(np.ones(16000, np.float32), 16000))
    playback.mark("end")
    playback.clear()
    assert reached == ["end"]
    assert not playback.read(320).any()


def _has_audio_device() -> bool:
    try:
        open_duplex_stream(lambda _block: None, Playback(lambda _m: None)).close()
        return True
    except NoAudioDevice:
        return False


@pytest.mark.skipif(_has_audio_device(), reason="this machine has a microphone and speaker")
def test_settle_call_without_an_audio_device_exits_with_a_clear_message(tmp_path, monkeypatch):
    from settle.cli import app

    monkeypatch.setenv("SETTLE_DATABASE_URL", f"sqlite:///{tmp_path / 'settle.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["seed-demo"]).exit_code == 0
    result = runner.invoke(app, ["call", "--case", "DEMO-US-001"])
    assert result.exit_code == 3, result.output
    assert "cannot place a local call" in result.output and "microphone" in result.output
