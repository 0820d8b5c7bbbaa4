"""One set of engines per process serves every call: concurrent calls share them safely."""
from concurrent.futures import ThreadPoolExecutor

from settle.config import Settings
from settle.voice.audio import read_wav
from settle.voice.engines import load_stt


def test_concurrent_transcriptions_on_one_model_hear_what_each_alone_hears(shared_audio):
    stt = load_stt(Settings(stt_threads=1, stt_workers=2))
    clips = [(read_wav(shared_audio / "en_jfk.wav"), "en-US"), (read_wav(shared_audio / "zh_paddlespeech_zh.wav"), "zh-CN")]
    alone = [stt.transcribe(audio, locale).text for audio, locale in clips]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda pair: stt.transcribe(*pair).text, clips * 2))
    assert together == alone * 2


def test_concurrent_synthesis_from_one_synthesizer(synthesizer):
    lines = [("Could you pay at least $150.00?", "en-US"), ("请问您今天能把3,200.00元还上吗？", "zh-CN")] * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        audios = list(pool.map(lambda pair: synthesizer.synthesize(*pair), lines))
    assert all(a.duration_s > 1.0 for a in audios)
    assert {a.rate for a in audios} == {22050, 24000}
