"""Input rails: every kind in both locales, with the negatives that must stay quiet.

Runs the shipped screen (patterns and the real multilingual embedder): a
negative passes only if neither layer fires.
"""

from __future__ import annotations

import pytest

from settle.agent.types import RailSignal
from settle.guardrails.input_rails import InputRailScreen, load_config, screen

KINDS = (
    "cease", "attorney", "dispute", "bankruptcy", "hardship", "illness", "bereavement",
    "self_harm", "cant_talk", "third_party", "wrong_number", "robot_question",
)  # fmt: skip


@pytest.fixture(scope="module")
def rails() -> InputRailScreen:
    warmed = InputRailScreen()
    warmed.warm()
    return warmed


def kinds(found: list[RailSignal]) -> set[str]:
    return {signal.kind for signal in found}


# (kind, locale, message): the message must raise `kind`
POSITIVES = [
    # cease
    ("cease", "en-US", "Stop calling me."),
    ("cease", "en-US", "Please don't ever contact me again."),
    ("cease", "en-US", "I don't want any more calls from you people."),
    ("cease", "en-US", "Take my number off your call list."),
    ("cease", "en-US", "This is a cease and desist."),
    ("cease", "en-US", "STOP"),
    ("cease", "zh-CN", "别再给我打电话了!"),
    ("cease", "zh-CN", "以后不要再联系我。"),
    ("cease", "zh-CN", "请停止对我的催收。"),
    ("cease", "zh-CN", "我不想再接到你们的电话。"),
    ("cease", "zh-CN", "TD"),
    # attorney
    ("attorney", "en-US", "I have a lawyer now, talk to her."),
    ("attorney", "en-US", "Please contact my attorney, Jane Ruiz, at 555-0100."),
    ("attorney", "en-US", "I've retained an attorney about this debt."),
    ("attorney", "en-US", "I'm represented by a law firm."),
    ("attorney", "en-US", "This is her attorney calling back."),
    ("attorney", "zh-CN", "我已经请了律师。"),
    ("attorney", "zh-CN", "有事找我律师谈。"),
    ("attorney", "zh-CN", "这件事我已经委托给律所了。"),
    ("attorney", "zh-CN", "我的律师会跟你们联系。"),
    # dispute
    ("dispute", "en-US", "I don't owe you anything."),
    ("dispute", "en-US", "This is not my debt."),
    ("dispute", "en-US", "I never took out this loan."),
    ("dispute", "en-US", "I already paid it off last year."),
    ("dispute", "en-US", "The balance is wrong."),
    ("dispute", "en-US", "I want to dispute this."),
    ("dispute", "en-US", "Someone stole my identity and opened this account."),
    ("dispute", "en-US", "Prove that I owe this."),
    ("dispute", "zh-CN", "这钱不是我借的。"),
    ("dispute", "zh-CN", "我从来没借过你们的钱。"),
    ("dispute", "zh-CN", "我早就还清了。"),
    ("dispute", "zh-CN", "我去年就还清了。"),
    ("dispute", "en-US", "It's been paid."),
    ("dispute", "zh-CN", "你们这个金额不对。"),
    ("dispute", "zh-CN", "我对这笔账有异议。"),
    ("dispute", "zh-CN", "我的身份证被人冒用了。"),
    # bankruptcy
    ("bankruptcy", "en-US", "I filed for bankruptcy in May."),
    ("bankruptcy", "en-US", "I'm in Chapter 13 right now."),
    ("bankruptcy", "en-US", "That debt was discharged in my bankruptcy."),
    ("bankruptcy", "en-US", "There's an automatic stay on my debts."),
    ("bankruptcy", "zh-CN", "我已经申请个人破产了。"),
    ("bankruptcy", "zh-CN", "法院已经裁定我破产,我被宣告破产了。"),
    ("bankruptcy", "zh-CN", "我的破产案已经受理了。"),
    # hardship
    ("hardship", "en-US", "I can't afford food for my kids."),
    ("hardship", "en-US", "We're being evicted next week."),
    ("hardship", "en-US", "I'm homeless right now."),
    ("hardship", "en-US", "They shut off our electricity."),
    ("hardship", "en-US", "I'm relying on food banks."),
    ("hardship", "zh-CN", "我现在连饭都吃不上了。"),
    ("hardship", "zh-CN", "房租都交不起,被房东赶出来了。"),
    ("hardship", "zh-CN", "孩子的奶粉钱都没有。"),
    ("hardship", "zh-CN", "家里断水断电了。"),
    # illness (the borrower's own)
    ("illness", "en-US", "I'm in the hospital right now."),
    ("illness", "en-US", "I was diagnosed with cancer in June."),
    ("illness", "en-US", "I'm undergoing chemo."),
    ("illness", "en-US", "I had a stroke last month."),
    ("illness", "en-US", "I'm severely depressed."),
    ("illness", "zh-CN", "我在住院。"),
    ("illness", "zh-CN", "我查出了癌症。"),
    ("illness", "zh-CN", "我刚做完手术。"),
    ("illness", "zh-CN", "我得了重度抑郁症了。"),
    ("illness", "zh-CN", "我出了车祸。"),
    # bereavement
    ("bereavement", "en-US", "My husband passed away last week."),
    ("bereavement", "en-US", "I just lost my mother."),
    ("bereavement", "en-US", "I'm at my father's funeral."),
    ("bereavement", "en-US", "He died in March, I'm his widow."),
    ("bereavement", "zh-CN", "我爸上周去世了。"),
    ("bereavement", "zh-CN", "家里在办丧事。"),
    ("bereavement", "zh-CN", "我老公突然没了。"),
    ("bereavement", "zh-CN", "他已经不在人世了。"),
    # self-harm
    ("self_harm", "en-US", "I want to kill myself."),
    ("self_harm", "en-US", "I don't want to live anymore."),
    ("self_harm", "en-US", "I've been having suicidal thoughts."),
    ("self_harm", "en-US", "Everyone would be better off if I was dead, I'm better off dead."),
    ("self_harm", "en-US", "I've got nothing left to live for."),
    ("self_harm", "zh-CN", "我不想活了。"),
    ("self_harm", "zh-CN", "活着真没意思。"),
    ("self_harm", "zh-CN", "我想自杀。"),
    ("self_harm", "zh-CN", "我真想从楼上跳下去。"),
    ("self_harm", "zh-CN", "还不如死了算了。"),
    # can't talk
    ("cant_talk", "en-US", "I'm at work."),
    ("cant_talk", "en-US", "I'm driving, call me later."),
    ("cant_talk", "en-US", "Now's not a good time."),
    ("cant_talk", "en-US", "I can't talk right now."),
    ("cant_talk", "en-US", "Don't call me at work."),
    ("cant_talk", "zh-CN", "我在上班。"),
    ("cant_talk", "zh-CN", "正在开会,晚点再打。"),
    ("cant_talk", "zh-CN", "现在不方便。"),
    ("cant_talk", "zh-CN", "上班时间别打电话。"),
    # third party
    ("third_party", "en-US", "He's not here right now."),
    ("third_party", "en-US", "This is his wife."),
    ("third_party", "en-US", "I'm not her, I'm her roommate."),
    ("third_party", "en-US", "Can I take a message?"),
    ("third_party", "zh-CN", "他不在家。"),
    ("third_party", "zh-CN", "我是他老婆。"),
    ("third_party", "zh-CN", "我不是本人。"),
    ("third_party", "zh-CN", "我帮你转告他。"),
    # wrong number
    ("wrong_number", "en-US", "You have the wrong number."),
    ("wrong_number", "en-US", "There's nobody here by that name."),
    ("wrong_number", "en-US", "I don't know who that is."),
    ("wrong_number", "en-US", "I just got this number a few weeks ago."),
    ("wrong_number", "zh-CN", "你打错了。"),
    ("wrong_number", "zh-CN", "这里没有这个人。"),
    ("wrong_number", "zh-CN", "我不认识他。"),
    ("wrong_number", "zh-CN", "这个号码是我新办的。"),
    # robot question
    ("robot_question", "en-US", "Are you a robot?"),
    ("robot_question", "en-US", "Is this a real person?"),
    ("robot_question", "en-US", "Am I talking to a machine?"),
    ("robot_question", "en-US", "Let me speak to a real person."),
    ("robot_question", "zh-CN", "你是机器人吗?"),
    ("robot_question", "zh-CN", "你是不是真人?"),
    ("robot_question", "zh-CN", "这是录音吗?"),
    ("robot_question", "zh-CN", "转人工。"),
]

# (kinds that must NOT fire, locale, message): negations, look-alikes, ordinary objections
NEGATIVES = [
    (KINDS, "en-US", "I'm not saying stop calling, I just need until Friday."),
    (KINDS, "en-US", "I never said stop calling me."),
    (("cease",), "en-US", "Don't call me at work."),
    (("cease",), "en-US", "Please don't call me before 9am."),
    (("cease",), "en-US", "Will you stop calling if I pay today?"),
    (KINDS, "en-US", "I'm not a lawyer, I don't understand this letter."),
    (KINDS, "en-US", "Do I need a lawyer for this?"),
    (("attorney",), "en-US", "My friend is a lawyer and he says I should pay."),
    (("attorney",), "en-US", "I don't have a lawyer."),
    (KINDS, "en-US", "I'm not disputing the debt, I just can't pay it all."),
    (KINDS, "en-US", "I know I owe it, I'll pay."),
    (KINDS, "en-US", "I already paid $200 of it last week."),
    (("dispute",), "en-US", "It's not my fault the payment bounced."),
    (KINDS, "en-US", "My company went bankrupt and I lost my job."),
    (KINDS, "en-US", "My mom is in hospital so money is tight."),
    (KINDS, "en-US", "My son is sick, I had to pay for his medicine."),
    (KINDS, "en-US", "Money is tight this month."),
    (KINDS, "en-US", "I lost my job last month."),
    (KINDS, "en-US", "My phone died yesterday, sorry I missed your call."),
    (KINDS, "en-US", "This debt is killing me."),
    (KINDS, "en-US", "I'm dying to get this sorted out."),
    (KINDS, "en-US", "I'm not going to hurt myself, don't worry."),
    (KINDS, "en-US", "I'm not at work today, go ahead."),
    (("wrong_number",), "en-US", "It's not a wrong number, it's me."),
    (KINDS, "en-US", "I can pay 300 on Friday."),
    (KINDS, "en-US", "My grandmother's funeral was years ago, it has nothing to do with this."),
    (KINDS, "en-US", "I can't speak English very well."),
    (KINDS, "zh-CN", "我没说不还。"),
    (KINDS, "zh-CN", "我没说不让你们打电话,就是最近手头紧。"),
    (("cease",), "zh-CN", "上班时间别打电话。"),
    (("cease",), "zh-CN", "现在别打了,我在开会。"),
    (KINDS, "zh-CN", "我不是律师,这些条款看不懂。"),
    (("attorney",), "zh-CN", "我没有律师。"),
    (("attorney",), "zh-CN", "我朋友是律师,他说可以协商。"),
    (KINDS, "zh-CN", "我已经还了一部分,剩下的下月还。"),
    (KINDS, "zh-CN", "我知道是我借的,我会还。"),
    (("dispute",), "zh-CN", "我已经还了500,剩下的月底还。"),
    (("dispute",), "en-US", "I haven't paid it yet."),
    (("cease",), "zh-CN", "你们别催了,我知道了。"),
    (("cease",), "en-US", "I'm not asking you to stop calling."),
    (("dispute",), "zh-CN", "金额没问题。"),
    (KINDS, "zh-CN", "家里有人生病急用钱。"),
    (KINDS, "zh-CN", "我妈住院了,最近手头很紧。"),
    (("illness",), "zh-CN", "我在医院陪我妈。"),
    (KINDS, "zh-CN", "公司破产了,我失业了。"),
    (KINDS, "zh-CN", "累死了,今天太忙。"),
    (KINDS, "zh-CN", "烦死了,天天提醒。"),
    (KINDS, "zh-CN", "我不会自杀的,你放心。"),
    (KINDS, "zh-CN", "你没打错,我就是本人。"),
    (KINDS, "zh-CN", "我现在不忙,你说吧。"),
    (KINDS, "zh-CN", "我在加班赚钱,争取早点还上。"),
    (KINDS, "zh-CN", "我奶奶很多年前就去世了,跟这事没关系。"),
    (("robot_question",), "zh-CN", "我不是机器人。"),
    (KINDS, "zh-CN", "下周五发工资就还。"),
]


@pytest.mark.parametrize(("kind", "locale", "text"), POSITIVES)
def test_rail_fires(rails, kind, locale, text):
    found = rails.screen(text, locale)
    assert kind in kinds(found), found


@pytest.mark.parametrize(("quiet", "locale", "text"), NEGATIVES)
def test_rail_stays_quiet(rails, quiet, locale, text):
    found = rails.screen(text, locale)
    assert not kinds(found) & set(quiet), found


def test_every_kind_is_covered_in_both_locales():
    covered = {(kind, locale) for kind, locale, _ in POSITIVES}
    assert covered == {(kind, locale) for kind in KINDS for locale in ("en-US", "zh-CN")}


class TestSignals:
    def test_span_points_at_the_words_that_fired(self, rails):
        text = "Hi there. Please stop calling me at home, ok?"
        (signal,) = rails.screen(text, "en-US")
        assert signal.kind == "cease" and signal.rule == "stop_contacting"
        assert text[slice(*signal.span)] == "stop calling"

    def test_span_indexes_the_original_text_after_full_width_folding(self, rails):
        text = "喂，你好！别再给我打电话了！"
        (signal,) = rails.screen(text, "zh-CN")
        assert text[slice(*signal.span)] == "别再给我打电话"

    def test_curly_apostrophes_are_understood(self, rails):
        assert "cease" in kinds(rails.screen("Don\u2019t call me again.", "en-US"))

    def test_several_kinds_in_one_message_in_order(self, rails):
        found = rails.screen("I'm at work. Also I have a lawyer now, talk to him.", "en-US")
        assert [signal.kind for signal in found] == ["cant_talk", "attorney"]

    def test_one_signal_per_kind(self, rails):
        found = rails.screen("Stop calling me. Seriously, stop calling me.", "en-US")
        assert [signal.kind for signal in found] == ["cease"]

    def test_ordinary_message_has_no_signals(self, rails):
        assert rails.screen("Okay, I'll transfer 500 tomorrow morning.", "en-US") == []
        assert rails.screen("好的,我明天上午转五百过去。", "zh-CN") == []

    def test_negation_in_another_clause_does_not_hide_a_request(self, rails):
        found = rails.screen("I'm not rich, but stop calling me.", "en-US")
        assert "cease" in kinds(found)


class TestConfiguration:
    def test_all_rails_are_switched_on_by_the_shipped_config(self):
        assert tuple(rail.kind for rail in load_config().rails) == KINDS

    def test_every_rail_has_patterns_and_exemplars_in_both_locales(self):
        for rail in load_config().rails:
            for locale in ("en-US", "zh-CN"):
                assert rail.patterns.get(locale), (rail.kind, locale)
                assert rail.exemplars.get(locale), (rail.kind, locale)

    def test_disabled_rails_do_not_fire(self):
        only_cease = InputRailScreen(enabled=["cease"], semantic=False)
        assert only_cease.kinds == ("cease",)
        assert only_cease.screen("I'm at work, stop calling me.", "en-US") == [
            RailSignal(kind="cease", rule="stop_contacting", span=(13, 25))
        ]

    def test_unknown_rail_is_refused(self):
        with pytest.raises(ValueError, match="unknown rail"):
            InputRailScreen(enabled=["cease", "weather"])

    def test_locale_by_language(self, rails):
        assert kinds(rails.screen("别再打了", "zh")) == {"cease"}
        assert kinds(rails.screen("Stop calling me", "en-GB")) == {"cease"}

    def test_unsupported_locale_is_refused(self, rails):
        with pytest.raises(ValueError, match="unsupported locale 'fr-FR'"):
            rails.screen("Arrêtez de m'appeler", "fr-FR")

    def test_module_level_screen_uses_the_shipped_config(self):
        assert kinds(screen("Are you a robot?", "en-US")) == {"robot_question"}
