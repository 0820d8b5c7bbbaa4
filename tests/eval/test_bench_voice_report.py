"""`settle bench voice`'s verdicts: what counts as a call carried in real time, and what it prints."""
from settle.eval.bench_voice import Level, VoiceBenchReport


def level(calls, latencies, completed, ended_early=0):
    return Level(calls, by_locale=latencies, attempted=calls, completed=completed, ended_early=ended_early)


def test_a_level_is_sustained_only_with_every_call_through_and_answers_within_the_target():
    assert level(2, {"zh-CN": [0.8, 0.9], "en-US": [0.7]}, completed=2).sustained
    assert not level(2, {"zh-CN": [0.8, 0.9]}, completed=1).sustained  # a call broke off
    assert not level(2, {"zh-CN": [1.2, 1.3], "en-US": [0.9]}, completed=2).sustained  # p50 over 1.0 s
    assert not level(2, {"zh-CN": [0.5, 0.5, 0.5, 0.5, 2.5]}, completed=2).sustained  # p95 over twice that
    assert not level(2, {}, completed=2).sustained  # nothing measured


def test_the_report_gives_each_language_alone_and_calls_the_agent_ended_early():
    single = level(1, {"zh-CN": [0.79, 0.81, 0.83], "en-US": [0.84]}, completed=2)
    crowded = level(4, {"zh-CN": [0.8] * 4, "en-US": [0.9] * 4}, completed=4, ended_early=1)
    report = VoiceBenchReport(stt_rtf=0.06, stt_audio_s=81, levels=[single, crowded]).format()
    assert "  zh-CN: p50 0.81 s" in report and "  en-US: p50 0.84 s" in report
    assert "(1 ended early by the agent)" in report
    assert report.endswith("concurrent calls sustained in real time: 4 (target ≥ 4)")
