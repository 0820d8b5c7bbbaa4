"""LLM phrasing: the vetted line worded in reply, streamed by sentence, guarded and fact-checked,
and replaced by the vetted line whenever the draft fails, errs or is late."""
from __future__ import annotations

import time

import pytest

from settle.agent.llm.phrasing import GuardedWording
from settle.agent.llm.prompts import PromptBook
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
    engine = fake_engine(*replies, sleep=sleep)
    emitted: list[tuple[float, str]] = []
    wording = GuardedWording(engine, guard, PromptBook())
    result = wording.word(line, ctx, HEARD, time.monotonic() + budget_s, lambda text: emitted.append((time.monotonic(), text)))
    return result, [text for _at, text in emitted], engine


def test_a_faithful_draft_is_sent_as_written_first_sentence_first(guard):
    draft = "I'm so sorry you lost your job. Could you manage a small payment of at least $150.00 for now?"
    result, emitted, _engine = word(guard, draft)
    assert result.complete and result.sent == draft and result.violations == ()
    assert emitted == ["I'm so sorry you lost your job.", "Could you manage a small payment of at least $150.00 for now?"]
    assert (result.prompt_id, result.model) == ("en-US/phrase-v1", "fake-model")


def test_the_first_sentence_goes_out_before_the_rest_is_generated(guard):
    draft = "I'm so sorry. Could you manage a small payment of at least $150.00 for now?"
    engine = fake_engine(draft, sleep=0.01)
    times: list[float] = []
    started = time.monotonic()
    GuardedWording(engine, guard, PromptBook()).word(US_LINE, US_CTX, HEARD, started + 5, lambda _t: times.append(time.monotonic()))
    assert len(times) == 2
    assert times[1] - times[0] > 0.3  # the rest (~60 characters at 10 ms) was still streaming after the first went out


@pytest.mark.parametrize("draft, category", [
    ("I'm sorry. Could you pay $500.00 by Friday?", "fact_check"),
    ("I'm sorry. Pay at least $150.00 or we will call the police?", "fact_check"),
    ("If you don't pay we will tell your employer. Could you pay at least $150.00?", "fact_check"),
])
def test_a_draft_that_adds_or_threatens_is_not_sent(guard, draft, category):
    result, emitted, _engine = word(guard, draft)
    assert not result.complete
    assert category in {v.category for v in result.violations}
    assert result.draft and result.sent in ("", *emitted)


def test_a_threat_the_fact_words_do_not_cover_is_stopped_by_the_guard(guard):
    result, _emitted, _engine = word(guard, "You'd better pay at least $150.00 right now, or you'll regret it, understand?")
    assert not result.complete
    assert {v.category for v in result.violations} - {"fact_check"}, result.violations


def test_a_first_sentence_that_passed_stays_and_the_vetted_line_follows(guard):
    draft = "I'm so sorry to hear that. We can waive your balance if you pay today?"
    result, emitted, _engine = word(guard, draft)
    assert not result.complete
    assert result.sent == "I'm so sorry to hear that." and emitted == ["I'm so sorry to hear that."]


def test_a_late_draft_is_dropped_within_the_budget(guard):
    started = time.monotonic()
    result, _emitted, _engine = word(guard, "I'm sorry. " * 40, budget_s=0.5, sleep=0.02)
    assert time.monotonic() - started < 1.5
    assert not result.complete and [v.rule for v in result.violations] == ["late"]


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
    _result, _emitted, engine = word(guard, "I'm sorry. Could you manage at least $150.00?")
    system, user = asked(engine)[0]
    assert US_LINE.text in user and HEARD.heard in user and "firm but polite" in user
    assert US_CASE.debtor_name not in system + user and "1988" not in user


def test_chinese_drafts_are_held_to_the_chinese_line(guard):
    good = "失业确实很难，理解您。您看能否先还一小部分，最低500.00元？如果需要，我可以帮您转人工客服商量还款计划。"
    result, emitted, _engine = word(guard, good, line=CN_LINE, ctx=CN_CTX)
    assert result.complete, result.violations
    assert "".join(emitted) == good
    result, _emitted, _engine = word(guard, "理解您。您先还300元吧？", line=CN_LINE, ctx=CN_CTX)
    assert not result.complete and "new_amount" in {v.rule for v in result.violations}
