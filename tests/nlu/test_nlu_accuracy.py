"""The real NLU (multilingual-e5-small + the packaged examples) on messages it has never seen."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.nlu.nlu_testdata import PAYDAY, TODAY, load_heldout

from settle.agent.types import Intent, NLUContext, Stage

MIN_ACCURACY = 0.9


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_heldout_accuracy(real_nlu, locale):
    items = load_heldout()[locale]
    misses = []
    for text, expected in items:
        got = real_nlu.understand(text, NLUContext(locale, TODAY)).intent
        if got is not expected:
            misses.append(f"{text!r}: expected {expected}, got {got}")
    accuracy = 1 - len(misses) / len(items)
    print(f"\n{locale} held-out accuracy {accuracy:.3f} ({len(items) - len(misses)}/{len(items)})")
    print("\n".join(misses))
    assert accuracy >= MIN_ACCURACY, misses


def understand(nlu, text, locale, stage=None):
    return nlu.understand(text, NLUContext(locale, TODAY, payday=PAYDAY, stage=stage))


@pytest.mark.parametrize(("locale", "text", "expected"), [
    ("zh-CN", "15号吧", {"date": dt.date(2026, 12, 15)}),
    ("zh-CN", "那就下周五还两千", {"amount": Decimal(2000), "date": dt.date(2026, 12, 4)}),
    ("zh-CN", "发了工资15号就还", {"date": dt.date(2026, 12, 15)}),
    ("zh-CN", "我老婆周五帮我还", {"date": dt.date(2026, 11, 27)}),
    ("en-US", "I can do 200 Friday", {"amount": Decimal(200), "date": dt.date(2026, 11, 27)}),
    ("en-US", "the 15th works", {"date": dt.date(2026, 12, 15)}),
    ("en-US", "I get paid on the 15th, I'll pay then", {"date": dt.date(2026, 12, 15)}),
])
def test_concrete_offers_while_negotiating_are_commitments(real_nlu, locale, text, expected):
    understood = understand(real_nlu, text, locale, Stage.NEGOTIATION)
    assert understood.intent is Intent.COMMITMENT
    for slot, value in expected.items():
        assert getattr(understood.slots, slot) == value


@pytest.mark.parametrize(("locale", "text"), [
    ("zh-CN", "下周一我还不上钱"),
    ("zh-CN", "周五之前不可能还"),
    ("zh-CN", "明天我就是不还"),
    ("zh-CN", "我已经还了500了"),
    ("en-US", "I won't be able to pay 500 tomorrow"),
    ("en-US", "I'm not paying you 500 on Friday or ever"),
    ("en-US", "I already paid 500 last week"),
    ("en-US", "I can't pay on Friday"),
])
def test_refusals_and_past_payments_with_dates_are_not_commitments(real_nlu, locale, text):
    understood = understand(real_nlu, text, locale, Stage.NEGOTIATION)
    assert understood.intent not in (Intent.COMMITMENT, Intent.AFFIRM)


@pytest.mark.parametrize(("locale", "text", "intent"), [
    ("zh-CN", "明天打给我吧", Intent.CALLBACK),
    ("en-US", "call me back tomorrow", Intent.CALLBACK),
    ("en-US", "I already paid 500 last week", Intent.DISPUTE),
])
def test_dated_messages_keep_their_own_intent(real_nlu, locale, text, intent):
    assert understand(real_nlu, text, locale, Stage.NEGOTIATION).intent is intent


@pytest.mark.parametrize(("locale", "text", "slot", "value"), [
    ("zh-CN", "后四位是3527", "id_last4", "3527"),
    ("zh-CN", "1234", "id_last4", "1234"),
    ("zh-CN", "我1990年3月5号生的", "dob", dt.date(1990, 3, 5)),
    ("en-US", "my zip is 10001", "zip", "10001"),
    ("en-US", "it's 4821", "id_last4", "4821"),
    ("en-US", "I was born on June 2, 1980", "dob", dt.date(1980, 6, 2)),
])
def test_identity_answers_during_verification(real_nlu, locale, text, slot, value):
    understood = understand(real_nlu, text, locale, Stage.VERIFICATION)
    assert understood.intent is Intent.IDENTITY_ANSWER
    assert getattr(understood.slots, slot) == value


@pytest.mark.parametrize(("locale", "text"), [("zh-CN", "对"), ("zh-CN", "是的"), ("zh-CN", "好的。"),
                                              ("en-US", "Yes."), ("en-US", "yeah"), ("en-US", "OK")])
def test_bare_yes_is_affirm_at_every_stage(real_nlu, locale, text):
    for stage in (None, *Stage):
        assert understand(real_nlu, text, locale, stage).intent is Intent.AFFIRM


@pytest.mark.parametrize(("locale", "text", "intent"), [
    ("zh-CN", "活不下去了", Intent.HARDSHIP),
    ("zh-CN", "别再打了", Intent.CEASE),
    ("zh-CN", "我请了律师", Intent.ATTORNEY),
    ("zh-CN", "打错了,没这个人", Intent.WRONG_NUMBER),
    ("zh-CN", "你是机器人吗", Intent.ROBOT_QUESTION),
    ("en-US", "I don't want to live anymore", Intent.HARDSHIP),
    ("en-US", "stop calling me", Intent.CEASE),
    ("en-US", "I have a lawyer, talk to my attorney", Intent.ATTORNEY),
    ("en-US", "I'm his wife, he's not here", Intent.THIRD_PARTY),
    ("en-US", "am I talking to a robot?", Intent.ROBOT_QUESTION),
])
def test_messages_the_law_cares_about(real_nlu, locale, text, intent):
    """Cease, attorney, hardship, third parties, wrong numbers and AI questions change what the agent
    may do next; they must be recognised at any stage."""
    for stage in (None, Stage.DISCLOSURE, Stage.NEGOTIATION):
        assert understand(real_nlu, text, locale, stage).intent is intent


def test_every_intent_is_reachable(real_nlu):
    """Each intent is predicted for at least one held-out message, in both languages."""
    for locale, items in load_heldout().items():
        predicted = {real_nlu.understand(text, NLUContext(locale, TODAY)).intent for text, _ in items}
        assert predicted == set(Intent), (locale, set(Intent) - predicted)
