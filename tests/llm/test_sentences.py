"""Streamed text is cut into whole sentences, never inside a figure."""
from __future__ import annotations

from settle.agent.llm.sentences import SentenceSplitter, join_sentences, split_sentences


def stream(text: str, size: int) -> list[str]:
    splitter = SentenceSplitter()
    out: list[str] = []
    for start in range(0, len(text), size):
        out += splitter.feed(text[start:start + size])
    return out + splitter.flush()


def test_english_sentences_keep_amounts_whole_at_any_chunk_size():
    text = "I understand. Your balance is $1,250.00 today. Could you pay $150.00?"
    expected = ["I understand.", "Your balance is $1,250.00 today.", "Could you pay $150.00?"]
    for size in (1, 2, 3, 7, len(text)):
        assert stream(text, size) == expected


def test_chinese_sentences_end_at_full_width_stops():
    text = "理解您的难处。请问您今天能把3,200.00元还上吗？好的"
    assert split_sentences(text) == ["理解您的难处。", "请问您今天能把3,200.00元还上吗？", "好的"]


def test_a_sentence_is_not_released_until_what_follows_its_stop_is_seen():
    splitter = SentenceSplitter()
    assert splitter.feed("You owe $3.") == []  # "$3." may go on as "$3.50"
    assert splitter.feed("50 now. Ok") == ["You owe $3.50 now."]
    assert splitter.flush() == ["Ok"]


def test_closing_quotes_and_repeated_stops_stay_with_their_sentence():
    assert split_sentences('He said "fine." What?! Right') == ['He said "fine."', "What?!", "Right"]


def test_joining_follows_the_language():
    assert join_sentences(["好的。", "谢谢。"], "zh-CN") == "好的。谢谢。"
    assert join_sentences(["Okay.", "Thanks."], "en-US") == "Okay. Thanks."
