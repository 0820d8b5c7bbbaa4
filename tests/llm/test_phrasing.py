"""LLM phrasing: the vetted line worded in reply, streamed by sentence, guarded and fact-checked,
and replaced by the vetted line whenever the draft fails, errs or is late."""
from __future__ import annotations

import re
import time

import pytest

from settle.agent.llm.phrasing import GuardedWording
from settle.agent.llm.prompts import PromptBook
from settle.agent.llm.sentences import split_sentences
from settle.agent.nlg import Say, TemplateNLG
from settle.agent.pipeline import Exchange
from settle.agent.types import Draft, GuardContext, Party, Stage
from tests.llm.conftest import asked, fake_engine
from tests.llm.test_factcheck import CN_CASE, US_CASE
from tests.support import TODAY

US_LINE = TemplateNLG().render(Say("objection.objection_unemployed"), US_CASE, "en-US", TODAY)
CN_LINE = TemplateNLG().render(Say("objection.objection_unemployed"), CN_CASE, "zh-CN", TODAY)
US_CTX = GuardContext(locale="en-US", party=Party.DEBTOR, case=US_CASE, stage=Stage.NEGOTIATION)
CN_CTX = GuardContext(locale="zh-CN", party=Party.DEBTOR, case=CN_CASE, stage=Stage.NEGOTIATION)
HEARD = Exchange(heard="they let me go at work, I have nothing coming in", today=TODAY,
                 history=(("agent", "Are you able to pay the $1,250.00 today?"),), objections=("objection_unemployed",))


def word(guard, *replies, line=US_LINE, ctx=US_CTX, budget_s=5.0, sleep=None):
    """The model says `replies` in turn: its acknowledgement (step 1), then its wording of the line (step 2)."""
    engine = fake_engine(*replies, sleep=sleep)
    emitted: list[tuple[float, str]] = []
    wording = GuardedWording(engine, guard, PromptBook())
    result = wording.word(line, ctx, HEARD, time.monotonic() + budget_s, lambda text: emitted.append((time.monotonic(), text)))
    return result, [text for _at, text in emitted], engine


def test_a_faithful_draft_is_sent_as_written_acknowledgement_first(guard):
    acknowledgement, rest = "I'm so sorry you lost your job.", "Could you manage a small payment of at least $150.00 for now?"
    result, emitted, _engine = word(guard, acknowledgement, rest)
    assert result.complete and result.sent == f"{acknowledgement} {rest}" == result.draft and result.violations == ()
    assert emitted == [acknowledgement, rest]
    assert (result.prompt_id, result.model) == ("en-US/phrase-v2", "fake-model")


def test_the_acknowledgement_goes_out_before_the_line_is_worded(guard):
    engine = fake_engine("I'm so sorry.", "Could you manage a small payment of at least $150.00 for now?", sleep=0.01)
    times: list[float] = []
    started = time.monotonic()
    GuardedWording(engine, guard, PromptBook()).word(US_LINE, US_CTX, HEARD, started + 5, lambda _t: times.append(time.monotonic()))
    assert len(times) == 2
    assert times[1] - times[0] > 0.3  # the rest (~60 characters at 10 ms) was still streaming after the first went out


def test_step_two_continues_the_conversation_of_step_one(guard):
    _result, _emitted, engine = word(guard, "I'm so sorry.", "Could you manage at least $150.00?")
    (system_1, heard), (system_2, line) = asked(engine)
    assert system_1 == system_2 and HEARD.heard in heard and US_LINE.text in line and HEARD.heard not in line
    conversation = engine.chat.callbacks[0].conversations[1]
    assert [type(m).__name__ for m in conversation] == ["SystemMessage", "HumanMessage", "AIMessage", "HumanMessage"]
    assert conversation[2].content == "I'm so sorry."


def test_only_the_first_sentence_of_the_acknowledgement_is_taken(guard):
    result, emitted, _engine = word(guard, "I'm so sorry. Losing a job is hard.", "Could you manage at least $150.00?")
    assert emitted[0] == "I'm so sorry." and result.complete


@pytest.mark.parametrize("acknowledgement, rest, category", [
    ("I'm sorry.", "Could you pay $500.00 by Friday?", "fact_check"),
    ("I'm sorry.", "Pay at least $150.00 or we will call the police?", "fact_check"),
    ("If you don't pay we will tell your employer.", "Could you pay at least $150.00?", "fact_check"),
])
def test_a_draft_that_adds_or_threatens_is_not_sent(guard, acknowledgement, rest, category):
    result, emitted, _engine = word(guard, acknowledgement, rest)
    assert not result.complete
    assert category in {v.category for v in result.violations}
    assert result.draft and result.sent in ("", *emitted)


def test_a_threat_the_fact_words_do_not_cover_is_stopped_by_the_guard(guard):
    result, emitted, _engine = word(guard, "You'd better pay, or you'll regret it, understand?", "Pay at least $150.00 now?")
    assert not result.complete and emitted == []
    assert {v.category for v in result.violations} - {"fact_check"}, result.violations


def test_an_acknowledgement_that_passed_stays_and_the_vetted_line_follows(guard):
    result, emitted, _engine = word(guard, "I'm so sorry to hear that.", "We can waive your balance if you pay today?")
    assert not result.complete
    assert result.sent == "I'm so sorry to hear that." and emitted == ["I'm so sorry to hear that."]
    assert result.draft == "I'm so sorry to hear that. We can waive your balance if you pay today?"


def test_a_wording_that_drops_the_lines_amount_is_not_sent(guard):
    result, emitted, _engine = word(guard, "I'm so sorry.", "Could you manage a small payment?")
    assert not result.complete and "dropped_amount" in {v.rule for v in result.violations}
    assert emitted == ["I'm so sorry."]


def test_a_late_draft_is_dropped_within_the_budget(guard):
    started = time.monotonic()
    result, _emitted, _engine = word(guard, "I'm sorry.", "Could you pay? " * 40, budget_s=1.0, sleep=0.02)
    assert time.monotonic() - started < 2.0
    assert not result.complete and [v.rule for v in result.violations] == ["late"]
    assert result.sent == "I'm sorry." and result.draft.startswith("I'm sorry. Could you pay?")


def test_no_time_left_means_no_call(guard):
    result, emitted, engine = word(guard, "I'm sorry.", budget_s=0.1)
    assert [v.rule for v in result.violations] == ["late"] and asked(engine) == [] and emitted == []


def test_mandatory_disclosures_and_verbatim_lines_are_never_worded(guard):
    wording = GuardedWording(fake_engine("x"), guard, PromptBook())
    render = TemplateNLG().render
    assert not wording.accepts(render(Say("disclosure.full"), US_CASE, "en-US", TODAY))  # carries the Reg F notice
    assert not wording.accepts(render(Say("robot.answer"), US_CASE, "en-US", TODAY))  # the AI disclosure
    for step in ("cease.ack", "handoff.ack", "dispute.ack", "attorney.ack", "third_party.message", "closing.promise",
                 "confirmation.read_back", "verification.failed"):
        assert not wording.accepts(Draft(text="…", step=step, fallback="…")), step
    assert wording.accepts(US_LINE)


def test_the_model_sees_the_vetted_line_and_what_was_said_but_not_the_case_record(guard):
    _result, _emitted, engine = word(guard, "I'm sorry.", "Could you manage at least $150.00?")
    (system, heard), (_system, line) = asked(engine)
    assert HEARD.heard in heard and "Tone: firm; the borrower is" in heard and US_LINE.text in line
    assert US_CASE.debtor_name not in system + heard + line and "1988" not in heard + line


def test_chinese_drafts_are_held_to_the_chinese_line(guard):
    acknowledgement, rest = "失业确实很难，理解您。", "您看能否先还一小部分，最低500.00元？如果需要，我可以帮您转人工客服商量还款计划。"
    result, emitted, _engine = word(guard, acknowledgement, rest, line=CN_LINE, ctx=CN_CTX)
    assert result.complete, result.violations
    assert emitted == [acknowledgement, rest] and result.sent == acknowledgement + rest
    result, _emitted, _engine = word(guard, "理解您。", "您先还300元吧？", line=CN_LINE, ctx=CN_CTX)
    assert not result.complete and "new_amount" in {v.rule for v in result.violations}


def test_lines_that_open_with_an_acknowledgement_say_nothing_else_in_it():
    """After the model's acknowledgement such a line goes on from its second sentence: the first must carry no fact."""
    render = TemplateNLG().render
    for step in sorted(PromptBook().config.acknowledging_steps):
        for case, locale in ((US_CASE, "en-US"), (CN_CASE, "zh-CN")):
            first, *rest = split_sentences(render(Say(step), case, locale, TODAY).text)
            assert rest, (step, locale)
            assert not re.search(r"[0-9?？]", first) and not any(channel in first for channel in case.payment_channels), (step, locale, first)


def test_after_a_sent_acknowledgement_the_vetted_line_follows_without_its_own(guard):
    result, _emitted, _engine = word(guard, "I'm so sorry.", "Pay $99.00 today?")
    assert not result.complete and result.follow_with == US_LINE.text.split("hard. ", 1)[1]
    other = TemplateNLG().render(Say("ask.pay_today"), US_CASE, "en-US", TODAY)  # opens with its question
    result, _emitted, _engine = word(guard, "I'm so sorry.", "Pay $99.00 today?", line=other)
    assert not result.complete and result.follow_with is None
