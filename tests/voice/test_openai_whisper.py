"""The openai-whisper backend on a real .pt checkpoint, rebuilt from whisper-base's CTranslate2 tensors
by `settle models export-whisper-pt` — the same weights, so the same words."""
import pytest

from settle.config import Settings
from settle.eval.speech_eval import clips, score_stt
from settle.voice.engines import load_stt
from settle.voice.whisper_export import whisper_checkpoint

pytest.importorskip("whisper", reason="openai-whisper is installed by the dev set-up (make .venv/.installed-dev)")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from typer.testing import CliRunner

    from settle.cli import app

    out = tmp_path_factory.mktemp("whisper") / "base.pt"
    result = CliRunner().invoke(app, ["models", "export-whisper-pt", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_checkpoint_has_whisper_base_dimensions(speech_settings):
    dims = whisper_checkpoint(speech_settings.models_path() / "whisper-base")["dims"]
    assert dims == {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8, "n_audio_layer": 6,
                    "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512, "n_text_head": 8, "n_text_layer": 6}


def test_openai_whisper_transcribes_the_clips_from_the_exported_checkpoint(checkpoint, shared_audio):
    stt = load_stt(Settings(stt_backend="openai-whisper", stt_checkpoint=checkpoint, stt_threads=2, stt_beam_size=1))
    chosen = [c for c in clips() if c.file in ("en_jfk.wav", "zh_paddlespeech_zh.wav", "zh_funasr_asr_example.wav")]
    score = score_stt(stt, shared_audio, chosen, phone=False)
    assert score.pooled("en") == (0, 22)
    assert score.rate("zh") <= 0.1, [h.transcript.text for h in score.heard]
    assert all(0 < h.transcript.confidence <= 1 for h in score.heard)


def test_the_backend_needs_a_checkpoint(tmp_path):
    with pytest.raises(ValueError, match="SETTLE_STT_CHECKPOINT"):
        load_stt(Settings(stt_backend="openai-whisper"))
    with pytest.raises(FileNotFoundError):
        load_stt(Settings(stt_backend="openai-whisper", stt_checkpoint=tmp_path / "none.pt"))
