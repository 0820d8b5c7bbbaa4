"""Mandarin phonemes: the polyphones a debt collector says (还 huán in 还款, hái in 还有), tone changes,
numbers written out, and the IPA Kokoro is fed."""
import pytest
from misaki.zh import ZHG2P

from settle.voice.mandarin import phonemes, pinyin
from settle.voice.textnorm import spoken_chinese


def reading(text: str) -> str:
    return " ".join(pinyin(text))


@pytest.mark.parametrize(("text", "expected"), [
    ("还款", "huan2 kuan3"),
    ("应还", "ying1 huan2"),
    ("还清", "huan2 qing1"),
    ("归还", "gui1 huan2"),
    ("欠款", "qian4 kuan3"),
    ("逾期", "yu2 qi1"),
    ("账户", "zhang4 hu4"),
    ("未还", "wei4 huan2"),
    ("待还金额", "dai4 huan2 jin1 e2"),
    ("先还一部分", "xian1 huan2 yi2 bu4 fen4"),
    ("您哪天能还", "nin2 na3 tian1 neng2 huan2"),
    ("还多少钱", "huan2 duo1 shao3 qian2"),
    ("今天能把钱还上吗", "jin1 tian1 neng2 ba3 qian2 huan2 shang4 ma5"),
    ("目前还有三千元未还", "mu4 qian2 hai2 you3 san1 qian1 yuan2 wei4 huan2"),
    ("今天还是明天", "jin1 tian1 hai2 shi4 ming2 tian1"),
])
def test_polyphones_that_matter(text, expected):
    assert reading(text) == expected


def test_bu_and_yi_change_tone_but_not_in_numbers_and_dates():
    assert reading("不是") == "bu2 shi4" and reading("不同") == "bu4 tong2"
    assert reading("一下") == "yi2 xia4" and reading("一天") == "yi4 tian1"
    assert reading("十一月二十一日") == "shi2 yi1 yue4 er4 shi2 yi1 ri4"


def test_amounts_and_dates_are_read_as_words():
    assert reading(spoken_chinese("3,200.00元")) == "san1 qian1 er4 bai3 yuan2"
    assert reading(spoken_chinese("2026年11月19日")) == "er4 ling2 er4 liu4 nian2 shi2 yi1 yue4 shi2 jiu3 ri4"
    assert phonemes("3,200.00元") == phonemes("三千二百元")


def test_the_ipa_says_huan_where_pypinyin_says_hai():
    huan, hai = ZHG2P.py2ipa("huan2"), ZHG2P.py2ipa("hai2")
    said = phonemes("请您尽快还款。")
    assert huan in said and hai not in said
    assert hai in phonemes("还有问题吗？")


def test_third_tones_in_a_word_are_said_as_second_but_the_last():
    assert ZHG2P.py2ipa("ni2") + ZHG2P.py2ipa("hao3") in phonemes("你好")


def test_latin_letters_are_spelled_and_punctuation_kept():
    said = phonemes("通过App还款，谢谢。")
    assert "eɪ piː piː" in said and "," in said and said.endswith(".")
