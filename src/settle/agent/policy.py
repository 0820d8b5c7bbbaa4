"""Dialogue policy: the deterministic engine that walks the script in `flow.yaml`.

Given the conversation state and what the borrower meant, it decides which
script lines to say and how the state moves. It never produces text itself
(that is NLG's job) and nothing here depends on an LLM: code decides.

Why not LangGraph: the state of a conversation must be committed in the same
database transaction as the turn that changed it, so that a crash can never
leave a stored turn without its state (or the reverse). A separate graph
checkpointer would be a second store with a second commit. The script itself
is a table of stage × intent → action, which this small engine reads directly.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from settle.agent import strategy
from settle.agent.nlg import Say
from settle.agent.types import CaseFacts, Intent, Outcome, Party, Slots, Stage, Understanding
from settle.prompts import load_flow

# what the agent's last question was waiting for; decides how a bare "yes" reads
PENDING_REASK = {
    "identity_name": "greeting.reask",
    "pay_today": "ask.pay_today",
    "ask.full_soon": "ask.full_soon",
    "ask.partial_now": "ask.partial_now",
    "ask.plan": "ask.plan",
    "amount": "commitment.ask_amount",
    "date": "commitment.ask_date",
    "amount_and_date": "commitment.ask_amount_and_date",
    "confirm": "confirmation.reask",
    "reason": "negotiation.probe_reason",
}


NEGOTIATING_STAGES = (Stage.DISCLOSURE, Stage.NEGOTIATION, Stage.COMMITMENT)


@dataclass
class Proposal:
    amount: str | None = None
    date: str | None = None
    channel: str | None = None

    @property
    def amount_value(self) -> Decimal | None:
        return Decimal(self.amount) if self.amount is not None else None

    @property
    def date_value(self) -> dt.date | None:
        return dt.date.fromisoformat(self.date) if self.date is not None else None


@dataclass
class DialogueState:
    """Everything the policy remembers between turns; stored as JSON with the conversation."""

    stage: Stage = Stage.GREETING
    party: Party = Party.UNVERIFIED
    pending: str | None = None
    verification_attempts: int = 0
    rounds: int = 0
    refusals: int = 0
    vague_presses: int = 0
    commitment_attempts: int = 0
    confirmation_attempts: int = 0
    objections: list[str] = field(default_factory=list)
    proposal: Proposal = field(default_factory=Proposal)
    outcome: Outcome | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.stage == Stage.ENDED

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DialogueState":
        data = dict(data)
        data["stage"] = Stage(data["stage"])
        data["party"] = Party(data["party"])
        data["outcome"] = Outcome(data["outcome"]) if data.get("outcome") else None
        data["proposal"] = Proposal(**data.get("proposal", {}))
        return cls(**data)


@dataclass(frozen=True)
class TurnInput:
    """What the policy reads from one borrower message."""

    text: str
    understanding: Understanding
    today: dt.date


@dataclass
class Decision:
    """The lines to say, each tagged with the stage it is said in."""

    says: list[tuple[Stage, Say]] = field(default_factory=list)


class DialoguePolicy:
    """Reads `flow.yaml` once; `open()` starts a conversation, `step()` answers a message."""

    def __init__(self) -> None:
        self.flow = load_flow()
        self.limits = self.flow["limits"]

    def open(self, state: DialogueState, case: CaseFacts) -> Decision:
        state.pending = "identity_name"
        return Decision(says=[(Stage.GREETING, Say("greeting.open"))])

    def step(self, state: DialogueState, case: CaseFacts, turn: TurnInput) -> Decision:
        if state.ended:
            raise ValueError("the conversation has ended")
        ctx = _Turn(self, state, case, turn)
        ctx.run(self._action_for(state, turn))
        return ctx.decision

    def _action_for(self, state: DialogueState, turn: TurnInput) -> str:
        intent = turn.understanding.intent
        # free-text answers the agent asked for are taken first, unless the message
        # carries a signal that must stop the conversation anyway
        if state.pending in ("attorney_details", "callback_time") and intent not in (Intent.HARDSHIP, Intent.CEASE):
            return "record_" + state.pending
        branch = self.flow["branches"].get(intent.value)
        if branch and (not branch.get("after_verification") or state.party == Party.DEBTOR):
            return branch["action"]
        slots = turn.understanding.slots
        if state.stage in NEGOTIATING_STAGES:
            if state.pending in ("date", "amount_and_date") and slots.vague_date and slots.date is None and intent != Intent.OBJECTION_REFUSAL:
                return "take_commitment"  # "过几天吧" answers the date question vaguely: press again
            if intent == Intent.OTHER and (slots.amount is not None or (slots.date is not None and slots.date > turn.today)):
                return "take_commitment"  # "Maybe 50 dollars tomorrow": an offer, however hedged
        table = self.flow["transitions"][state.stage.value]
        key = "objection" if intent.is_objection else intent.value
        return table.get(key, table["default"])


class _Turn:
    """One step of the policy: the actions named in flow.yaml are its methods."""

    def __init__(self, policy: DialoguePolicy, state: DialogueState, case: CaseFacts, turn: TurnInput) -> None:
        self.policy = policy
        self.limits = policy.limits
        self.state = state
        self.case = case
        self.turn = turn
        self.slots = turn.understanding.slots
        self.decision = Decision()

    def run(self, action: str) -> None:
        handler = getattr(self, "act_" + action, None)
        if handler is None:
            raise ValueError(f"flow.yaml names an unknown action {action!r}")
        handler()

    # -- helpers -------------------------------------------------------------
    def say(self, step: str, **params: Any) -> None:
        self.decision.says.append((self.state.stage, Say(step, params)))

    def ask(self, pending: str) -> None:
        self.state.pending = pending
        self.say(PENDING_REASK[pending])

    def end(self, outcome: Outcome, step: str, **params: Any) -> None:
        self.state.stage = Stage.CLOSING
        self.say(step, **params)
        self.state.outcome = outcome
        self.state.pending = None
        self.state.stage = Stage.ENDED

    def reask_pending(self) -> None:
        if self.state.pending in PENDING_REASK:
            self.say(PENDING_REASK[self.state.pending])
        elif self.state.pending == "identity":
            self.say(self._verification_step())

    def _verification_step(self) -> str:
        return f"verification.ask_{self._verification_method()}"

    def _verification_method(self) -> str:
        order = ("id_last4", "dob", "zip") if self.case.locale == "zh-CN" else ("dob", "zip", "id_last4")
        available = self.case.verification
        for method in order:
            if available.get(method):
                return method
        raise ValueError(f"case {self.case.external_ref} has no verification data")

    # -- branches ------------------------------------------------------------
    def act_cease(self) -> None:
        self.end(Outcome.CEASE, "cease.ack")

    def act_attorney(self) -> None:
        self.state.pending = "attorney_details"
        self.say("attorney.ask_details")

    def act_record_attorney_details(self) -> None:
        self.state.notes["attorney"] = self.turn.text
        self.end(Outcome.ATTORNEY, "attorney.ack")

    def act_handoff(self) -> None:
        self.end(Outcome.HANDOFF, "handoff.ack")

    def act_dispute(self) -> None:
        self.state.notes["dispute"] = self.turn.text
        self.end(Outcome.DISPUTE, "dispute.ack")

    def act_robot_answer(self) -> None:
        self.say("robot.answer")
        self.reask_pending()

    def act_callback(self) -> None:
        if self.slots.date is not None and self.slots.date > self.turn.today:  # "明天下午三点", not "right now"
            self.state.notes["callback"] = self.turn.text
            self.end(Outcome.CALLBACK, "callback.ack")
        else:
            self.state.pending = "callback_time"
            self.say("callback.ask_time")

    def act_record_callback_time(self) -> None:
        self.state.notes["callback"] = self.turn.text
        self.end(Outcome.CALLBACK, "callback.ack")

    def act_third_party(self) -> None:
        self.state.party = Party.THIRD_PARTY
        self.end(Outcome.THIRD_PARTY, "third_party.message")

    def act_wrong_number(self) -> None:
        self.state.party = Party.THIRD_PARTY
        self.end(Outcome.WRONG_NUMBER, "wrong_number.ack")

    # -- greeting and verification ---------------------------------------------
    def act_reask_identity(self) -> None:
        self.state.verification_attempts += 1
        if self.state.verification_attempts >= self.limits["verification_attempts"]:
            self.end(Outcome.VERIFICATION_FAILED, "verification.failed")
        else:
            self.say("greeting.reask")

    def act_start_verification(self) -> None:
        self.state.stage = Stage.VERIFICATION
        self.state.pending = "identity"
        self.say(self._verification_step())

    def act_explain_before_verification(self) -> None:
        self.say("verification.explain")
        if self.state.stage == Stage.GREETING:
            self.say("greeting.reask")
        else:
            self.reask_pending()

    def act_refuse_verification(self) -> None:
        self.state.verification_attempts += 1
        if self.state.verification_attempts >= 2:
            self.end(Outcome.VERIFICATION_FAILED, "verification.failed")
        else:
            self.say("verification.explain")
            self.say(self._verification_step())

    def act_check_identity(self) -> None:
        self.state.stage = Stage.VERIFICATION
        self.state.pending = "identity"
        if identity_matches(self.case, self.slots):
            self.state.party = Party.DEBTOR
            self.state.stage = Stage.DISCLOSURE
            self.state.pending = "pay_today"
            self.say("disclosure.full")
            return
        self.state.verification_attempts += 1
        if self.state.verification_attempts >= self.limits["verification_attempts"]:
            self.end(Outcome.VERIFICATION_FAILED, "verification.failed")
        else:
            self.say("verification.retry")
            self.say(self._verification_step())

    # -- negotiation ---------------------------------------------------------------
    def _count_round(self) -> bool:
        """One more negotiating exchange; False (and the conversation closed) past the limit."""
        self.state.rounds += 1
        if self.state.rounds > self.limits["negotiation_rounds"]:
            self.end(Outcome.NO_COMMITMENT, "negotiation.exhausted")
            return False
        return True

    def act_handle_objection(self) -> None:
        objection = self.turn.understanding.intent.value
        self.state.objections.append(objection)
        if objection == Intent.OBJECTION_REFUSAL:
            self.state.refusals += 1
            if self.state.refusals >= self.limits["refusals_before_end"]:
                self.end(Outcome.REFUSED, "refusal.final")
                return
        if not self._count_round():
            return
        if self._offers_payment():
            # "发工资那天还一千" — the objection already carries an offer: take it up
            self.act_take_commitment()
            return
        self.state.stage = Stage.NEGOTIATION
        self.say(f"objection.{objection}")
        self.state.pending = strategy.next_ask(self.state.objections)

    def _offers_payment(self) -> bool:
        """An objection offers a payment only with an amount ("发工资那天还一千", "后天全部还上"); a refusal
        never does. A day alone ("I don't get paid until payday") is remembered instead."""
        if self.turn.understanding.intent == Intent.OBJECTION_REFUSAL:
            return False
        date = self.slots.date
        later = date is not None and date > self.turn.today
        if self.slots.amount is None and later:
            self.state.proposal.date = date.isoformat()
        # "can't pay it all today" names the full amount but offers nothing
        return self.slots.amount is not None or (self.slots.full_amount and later)

    def act_probe_reason(self) -> None:
        if not self._count_round():
            return
        self.state.stage = Stage.NEGOTIATION
        if self.state.pending == "reason":
            self.ask(strategy.next_ask(self.state.objections))
        else:
            self.ask("reason")

    def act_answer_question(self) -> None:
        self.say("answer.question")
        self.reask_pending()

    def act_accept_proposal(self) -> None:
        """A plain yes: it agrees to whatever the last question proposed."""
        proposal = self.state.proposal
        if self.state.pending == "pay_today":
            proposal.amount = proposal.amount or f"{self.case.amount_due:.2f}"
            proposal.date = proposal.date or self.turn.today.isoformat()
        elif self.state.pending in ("ask.partial_now", "ask.plan"):
            proposal.amount = proposal.amount or f"{self.case.min_payment:.2f}"
        self.act_take_commitment()

    # -- commitment and confirmation -------------------------------------------------
    def act_take_commitment(self) -> None:
        state, slots, proposal = self.state, self.slots, self.state.proposal
        state.stage = Stage.COMMITMENT
        state.commitment_attempts += 1
        answers_the_question = self.turn.understanding.intent in (Intent.AFFIRM, Intent.COMMITMENT)
        if state.pending == "pay_today" and proposal.amount is None and answers_the_question and not slots.vague_date:
            # the question was "can you pay the full balance today?"
            proposal.amount = f"{self.case.amount_due:.2f}"
        if slots.full_amount:
            proposal.amount = f"{self.case.amount_due:.2f}"
        if slots.amount is not None:
            proposal.amount = f"{slots.amount:.2f}"
        if slots.date is not None:
            proposal.date = slots.date.isoformat()
        proposal.channel = self._mentioned_channel() or proposal.channel or self.case.payment_channels[0]
        if state.commitment_attempts > self.limits["negotiation_rounds"] * 2:
            self.end(Outcome.NO_COMMITMENT, "negotiation.exhausted")
            return
        if slots.vague_date and slots.date is None:
            state.vague_presses += 1
            if state.vague_presses > self.limits["vague_date_presses"]:
                self.end(Outcome.NO_COMMITMENT, "commitment.too_many_vague")
            else:
                state.pending = "date"
                self.say("commitment.press_date")
            return
        if not self._proposal_acceptable():
            return
        if proposal.amount is None and proposal.date is None:
            self.ask("amount_and_date")
        elif proposal.amount is None:
            self.ask("amount")
        elif proposal.date is None:
            self.ask("date")
        else:
            state.stage = Stage.CONFIRMATION
            state.pending = "confirm"
            self.say("confirmation.read_back", **self._proposal_params())

    def _proposal_acceptable(self) -> bool:
        """Amounts within [minimum, balance], dates from today up to the horizon."""
        proposal, case, today = self.state.proposal, self.case, self.turn.today
        amount, date = proposal.amount_value, proposal.date_value
        if amount is not None:
            if amount > case.amount_due:
                proposal.amount = None
                self.state.pending = "amount"
                self.say("commitment.above_due")
                return False
            if amount < case.min_payment and amount != case.amount_due:
                proposal.amount = None
                self.state.pending = "amount"
                self.say("commitment.below_minimum", amount=amount)
                return False
        if date is not None:
            limit = today + dt.timedelta(days=self.limits["max_promise_days"])
            if date < today:
                proposal.date = None
                self.state.pending = "date"
                self.say("commitment.date_past")
                return False
            if date > limit:
                proposal.date = None
                self.state.pending = "date"
                self.say("commitment.date_too_late", date=date, limit_date=limit)
                return False
        return True

    def _proposal_params(self) -> dict[str, Any]:
        proposal = self.state.proposal
        return {"amount": proposal.amount_value, "date": proposal.date_value, "channel": proposal.channel}

    def _mentioned_channel(self) -> str | None:
        text = self.turn.text.lower()
        for channel in self.case.payment_channels:
            if channel.lower() in text:
                return channel
        return None

    def act_confirm_commitment(self) -> None:
        self.end(Outcome.PROMISE_TO_PAY, "closing.promise", **self._proposal_params())

    def act_correct_commitment(self) -> None:
        if self.slots.amount is not None or self.slots.date is not None or self.slots.full_amount:
            self.act_take_commitment()
        else:
            self.state.stage = Stage.COMMITMENT
            self.state.pending = "amount_and_date"
            self.say("confirmation.ask_correction")

    def act_reconfirm(self) -> None:
        self.state.confirmation_attempts += 1
        if self.state.confirmation_attempts >= self.limits["confirmation_attempts"]:
            self.end(Outcome.NO_COMMITMENT, "negotiation.exhausted")
        else:
            self.say("confirmation.reask", **self._proposal_params())


def identity_matches(case: CaseFacts, slots: Slots) -> bool:
    """Right-party check: every verification answer given must match, and at least one must be given."""
    expected = case.verification
    given = {"id_last4": slots.id_last4, "dob": slots.dob.isoformat() if slots.dob else None, "zip": slots.zip}
    checked = False
    for key, value in given.items():
        if value is None or not expected.get(key):
            continue
        if str(value).upper() != str(expected[key]).upper():
            return False
        checked = True
    return checked
