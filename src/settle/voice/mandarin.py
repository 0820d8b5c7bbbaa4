"""Mandarin text → pinyin → the IPA phonemes Kokoro was trained on (misaki's Mandarin G2P, legacy v1.0 form).

pypinyin reads most words right from its phrase dictionary, but not the word
a debt collector says most: 还 is *huán* (repay) in 还款, 未还, 先还, 能还,
还多少, and *hái* (still) in 还有, 还是. pypinyin 0.55 says *hái* in all of
them, so 还 is decided here from its neighbours. Two tone changes every
speaker makes are applied too: 不 and 一 before a fourth tone (bú shì, yí
bù fen; 一 keeps its tone in numbers and dates), and third-tone sandhi inside
a word (你好 ní hǎo).

Numbers, amounts and dates are written out first (`textnorm.spoken_chinese`);
Latin letters (the "App" of a channel's name) are spelled out by letter name.
"""
from __future__ import annotations

import re
from functools import lru_cache

import jieba
from misaki.zh import ZHG2P
from pypinyin import Style, lazy_pinyin

from settle.voice.textnorm import spoken_chinese

# 还 before one of these is hái (还有, 还是, 还要, 还没 …), whatever precedes it
_HAI_BEFORE = set("有是要没在不会能可很挺算行好")
# … and huán after one of these (未还, 先还, 能还, 归还 …) or before one of these (还款, 还清, 还多少, 还一部分 …)
_HUAN_AFTER = set("未应先能多再归偿退要没已待会可去来得按")
_HUAN_BEFORE = set("款钱清债贷上完给起多一两几这那最部本")
_NUMERAL = set("零一二三四五六七八九十百千万亿第两")
_DATE_UNITS = set("月日号年")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z]+")
# English letter names, for Latin letters inside Mandarin text
_LETTERS = {
    "a": "eɪ", "b": "biː", "c": "siː", "d": "diː", "e": "iː", "f": "ɛf", "g": "ʤiː", "h": "eɪʧ", "i": "aɪ",
    "j": "ʤeɪ", "k": "keɪ", "l": "ɛl", "m": "ɛm", "n": "ɛn", "o": "oʊ", "p": "piː", "q": "kjuː", "r": "ɑːɹ",
    "s": "ɛs", "t": "tiː", "u": "juː", "v": "viː", "w": "dʌbəljuː", "x": "ɛks", "y": "waɪ", "z": "ziː",
}


def _huan(text: str, i: int) -> bool:
    before, after = text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""
    if after in _HAI_BEFORE:
        return False
    return before in _HUAN_AFTER or after in _HUAN_BEFORE


def _tone(syllable: str) -> int:
    return int(syllable[-1]) if syllable[-1:].isdigit() else 5


def _retone(syllable: str, tone: int) -> str:
    return syllable[:-1] + str(tone) if syllable[-1:].isdigit() else syllable + str(tone)


def pinyin(text: str) -> list[str]:
    """One TONE3 syllable per Han character of `text` (Han characters only), polyphones and sandhi applied."""
    han = "".join(_HAN.findall(text))
    syllables = lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True)
    for i, char in enumerate(han):
        if char == "还":
            syllables[i] = "huan2" if _huan(han, i) else "hai2"
    for i, char in enumerate(han[:-1]):
        after = _tone(syllables[i + 1])
        if char == "不" and after == 4:
            syllables[i] = "bu2"
        elif char == "一" and (i == 0 or han[i - 1] not in _NUMERAL) and han[i + 1] not in _NUMERAL | _DATE_UNITS:
            syllables[i] = "yi2" if after == 4 else "yi4"
    return syllables


def _third_tone_sandhi(syllables: list[str]) -> list[str]:
    """In a run of third tones within one word, all but the last are said as second tones."""
    out = list(syllables)
    for i in range(len(out) - 1):
        if _tone(out[i]) == 3 and _tone(out[i + 1]) == 3:
            out[i] = _retone(out[i], 2)
    return out


@lru_cache(maxsize=4096)
def _syllable_ipa(syllable: str) -> str:
    return ZHG2P.py2ipa(syllable)


def _han_phonemes(run: str) -> str:
    syllables = pinyin(run)
    words, position = [], 0
    for word in jieba.lcut(run, cut_all=False):
        piece = _third_tone_sandhi(syllables[position : position + len(word)])
        position += len(word)
        words.append("".join(_syllable_ipa(s) for s in piece))
    return " ".join(words)


def phonemes(text: str) -> str:
    """Kokoro's input phonemes for a Mandarin sentence."""
    text = ZHG2P.map_punctuation(spoken_chinese(text))
    out: list[str] = []
    position = 0
    for match in re.finditer(r"[\u4e00-\u9fff]+|[A-Za-z]+", text):
        out.append(text[position : match.start()])
        run = match[0]
        out.append(_han_phonemes(run) if _HAN.fullmatch(run) else " ".join(_LETTERS[c] for c in run.lower()))
        position = match.end()
    out.append(text[position:])
    return re.sub(r"\s+", " ", "".join(out)).strip()
