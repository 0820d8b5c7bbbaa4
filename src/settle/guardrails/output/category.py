"""What every category validator shares: lexicon, exemplars, the guardrails plumbing.

A category lives in its own folder (NeMo Guardrails style): `config.yaml`
(thresholds), `lexicon.yaml` (patterns per locale), `exemplars.yaml`
(paraphrase exemplars) and `validator.py`, a guardrails-ai validator registered
as `settle/<category>`. The validator reads the conversation's `GuardContext`
from guardrails' metadata under `guard_context`.

Detection is layered. Rules come first: the lexicon, then checks against the
conversation and the case. The paraphrase layer then judges only sentences no
rule of any category has touched — a rule that matched has already decided
(a violation, a denial such as "不会影响孩子上学", or a statement the case
permits), and knows more than an embedding does, which barely tells "we will
call your boss" from "we will not call your boss". The trained layer
(`classifier.py`) reads the same embeddings and judges the sentences the
paraphrase layer did not flag.

All six validators judge the same draft, and each needs to know what the
others' rules explained, so one `Assessment` per draft (every applicable
rail's rule layer, then one embedding per sentence left over) is computed by
whichever validator asks first and read by the rest. The draft's sentences are
embedded in one model call.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from settle.agent.embedding import shared_embedder
from settle.agent.types import GuardContext
from settle.guardrails.output.classifier import Verdict, shipped_classifier
from settle.guardrails.output.lexicon import Hit, Lexicon
from settle.guardrails.output.offline import (
    ErrorSpan,
    FailResult,
    OnFailAction,
    PassResult,
    ValidationResult,
    Validator,
    validators_registry,
)
from settle.guardrails.output.semantic import (
    ExemplarIndex,
    Nearest,
    Thresholds,
    vetted_sentences,
)
from settle.guardrails.output.settings import (
    OUTPUT_DIR,
    category_file,
    output_settings,
    read_yaml,
)
from settle.guardrails.output.text import LOCALES, Analysis, analyse, embedding_text
from settle.prompts import load_script

CONTEXT_KEY = "guard_context"
SEMANTIC_SUFFIX = ".semantic"
CLASSIFIER_RULE = "classifier"


@dataclass(frozen=True)
class Finding:
    rule: str  # "<category>.<rule>", with ".semantic" when found by similarity, "<category>.classifier" by the trained layer
    span: tuple[int, int]
    message: str


@dataclass(frozen=True)
class CategorySpec:
    name: str
    lexicon: Lexicon
    thresholds: Thresholds | None
    exemplars: dict[str, Any] | None


@cache
def load_spec(category: str) -> CategorySpec:
    config = read_yaml(category_file(category, "config.yaml")) or {}
    lexicon_path = category_file(category, "lexicon.yaml")
    rules = read_yaml(lexicon_path)["rules"] if lexicon_path.exists() else []
    semantic = config.get("semantic")
    exemplars_path = category_file(category, "exemplars.yaml")
    return CategorySpec(
        name=category,
        lexicon=Lexicon(category, rules, LOCALES),
        thresholds=Thresholds(float(semantic["threshold"]), float(semantic["margin"])) if semantic else None,
        exemplars=read_yaml(exemplars_path) if semantic and exemplars_path.exists() else None,
    )


@lru_cache(maxsize=1)
def exemplar_index() -> ExemplarIndex:
    """One index over the exemplars of every configured rail, the shared
    contrast sentences and the script's vetted lines; built once per process."""
    contrast = read_yaml(OUTPUT_DIR / "contrast.yaml")
    compliant = {locale: contrast.get(locale, []) + vetted_sentences(load_script(locale)) for locale in LOCALES}
    exemplars = {}
    for rail in output_settings().rails:
        spec = load_spec(rail)
        if spec.exemplars:
            for groups in spec.exemplars.values():
                for rule_name in groups["violation"]:
                    spec.lexicon.rule(rule_name)  # exemplars must name rules of their category
            exemplars[rail] = spec.exemplars
    return ExemplarIndex(exemplars, compliant, shared_embedder())


class CategoryValidator(Validator):
    """One compliance category as a guardrails-ai validator.

    The rules are class-level (they need only the category's YAML), so that the
    draft's shared `Assessment` can run every category's rule layer at once.
    Subclasses set `category` and may refine `applies`, `keep` and `case_findings`.
    """

    category: ClassVar[str]
    # whether findings point at the sentences they concern (not the whole draft)
    explains_sentences: ClassVar[bool] = True

    def __init__(self, on_fail: OnFailAction | str = OnFailAction.NOOP, **kwargs: Any) -> None:
        super().__init__(on_fail=on_fail, **kwargs)
        if self.spec().thresholds is not None:
            exemplar_index()  # embed the exemplars at start-up, not on the first draft

    @classmethod
    def spec(cls) -> CategorySpec:
        return load_spec(cls.category)

    # guardrails entry point
    def _validate(self, value: Any, metadata: dict[str, Any]) -> ValidationResult:
        ctx = metadata.get(CONTEXT_KEY)
        if not isinstance(ctx, GuardContext):
            raise TypeError(f"{type(self).__name__} needs a GuardContext in metadata[{CONTEXT_KEY!r}]")
        found = self.findings(str(value), ctx)
        if not found:
            return PassResult()
        return FailResult(
            error_message=f"{self.category}: " + "; ".join(f.message for f in found),
            error_spans=[ErrorSpan(start=f.span[0], end=f.span[1], reason=f"{f.rule}: {f.message}") for f in found],
        )

    def findings(self, text: str, ctx: GuardContext) -> list[Finding]:
        """Everything wrong with `text` in this category, in order of position."""
        if not self.applies(ctx):
            return []
        assessment = assess(text, ctx)
        outcome = assessment.rules[self.category]
        found = [Finding(hit.rule.id, hit.span, hit.rule.message) for hit in outcome.affirmed if self.keep(hit, ctx)]
        found += outcome.case
        found += self._paraphrases(assessment)
        found += self._classified(assessment)
        return sorted(found, key=lambda f: f.span)

    # the rule layer
    @classmethod
    def applies(cls, ctx: GuardContext) -> bool:
        """Whether the category judges drafts in this context at all."""
        return True

    @classmethod
    def hits(cls, analysis: Analysis) -> list[Hit]:
        """Lexicon matches, denied ones included and marked."""
        return cls.spec().lexicon.scan(analysis, output_settings().negation[analysis.locale])

    @classmethod
    def keep(cls, hit: Hit, ctx: GuardContext) -> bool:
        """Whether a lexicon hit is a violation in this context."""
        return True

    @classmethod
    def case_findings(cls, analysis: Analysis, ctx: GuardContext, hits: list[Hit]) -> list[Finding]:
        """Findings that need the conversation or the case record, not just words."""
        return []

    @classmethod
    def finding(cls, rule_name: str, span: tuple[int, int], detail: str = "") -> Finding:
        """A finding of one of this category's rules, found by code rather than pattern."""
        rule = cls.spec().lexicon.rule(rule_name)
        return Finding(rule.id, span, f"{rule.message}: {detail}" if detail else rule.message)

    # the paraphrase layer
    def _paraphrases(self, assessment: Assessment) -> list[Finding]:
        thresholds = self.spec().thresholds
        if thresholds is None:
            return []
        out = []
        for span, nearest in assessment.nearest.items():
            if nearest.category == self.category and nearest.passes(thresholds):
                rule = self.spec().lexicon.rule(nearest.rule)
                out.append(Finding(rule.id + SEMANTIC_SUFFIX, span, f"{rule.message} (close paraphrase of a known violation)"))
        return out

    # the trained layer
    def _classified(self, assessment: Assessment) -> list[Finding]:
        return [
            Finding(
                f"{self.category}.{CLASSIFIER_RULE}",
                span,
                f"reads as {self.category} to the trained classifier (p={verdict.probability:.2f})",
            )
            for span, verdict in assessment.classified.items()
            if verdict.category == self.category
        ]


def validator_for(category: str) -> type[CategoryValidator]:
    """The validator a rail names, registered with guardrails as settle/<category>."""
    importlib.import_module(f"settle.guardrails.output.{category}.validator")
    return validators_registry[f"settle/{category}"]


@cache
def _configured_rails() -> tuple[type[CategoryValidator], ...]:
    return tuple(validator_for(rail) for rail in output_settings().rails)


def _rails(ctx: GuardContext) -> list[type[CategoryValidator]]:
    """Validator classes of every configured rail (also those a guard built with
    fewer rails leaves out) that judge drafts in this context."""
    return [cls for cls in _configured_rails() if cls.applies(ctx)]


def applicable_categories(ctx: GuardContext) -> frozenset[str]:
    return frozenset(cls.category for cls in _rails(ctx))


@dataclass(frozen=True)
class RuleOutcome:
    """One category's rule layer on one draft."""

    hits: tuple[Hit, ...]  # lexicon matches, denied ones included
    case: tuple[Finding, ...]  # findings against the conversation and the case

    @property
    def affirmed(self) -> tuple[Hit, ...]:
        return tuple(hit for hit in self.hits if not hit.denied)


@dataclass(frozen=True)
class Assessment:
    """Everything the validators read about one draft in one context."""

    analysis: Analysis
    rules: Mapping[str, RuleOutcome]  # applicable category → its rule layer
    explained: tuple[tuple[int, int], ...]  # spans any applicable rule matched, violation or not
    nearest: Mapping[tuple[int, int], Nearest]  # unexplained sentence → its nearest violation exemplar
    classified: Mapping[tuple[int, int], Verdict]  # unexplained sentence the paraphrase layer let pass → the trained layer's flag


class _RecentAssessments(threading.local):
    """The last few assessments made in this thread. Every validator of one check
    asks for the same draft in the same context, one after another; a context
    holds a dict (the case's verification answers), so it is compared, not hashed."""

    size = 8

    def __init__(self) -> None:
        self.entries: list[tuple[str, GuardContext, Assessment]] = []

    def get(self, text: str, ctx: GuardContext) -> Assessment | None:
        for seen_text, seen_ctx, assessment in self.entries:
            if seen_text == text and (seen_ctx is ctx or seen_ctx == ctx):
                return assessment
        return None

    def put(self, text: str, ctx: GuardContext, assessment: Assessment) -> None:
        self.entries = [(text, ctx, assessment), *self.entries[: self.size - 1]]

    def clear(self) -> None:
        self.entries = []


_recent = _RecentAssessments()


def assess(text: str, ctx: GuardContext) -> Assessment:
    """The draft's shared assessment, made once per check."""
    found = _recent.get(text, ctx)
    if found is None:
        found = _assess(text, ctx)
        _recent.put(text, ctx, found)
    return found


def forget_assessments() -> None:
    """Drop this thread's remembered assessments (the evaluation's cold pass)."""
    _recent.clear()


def _assess(text: str, ctx: GuardContext) -> Assessment:
    analysis = analyse(text, ctx.locale)
    rules: dict[str, RuleOutcome] = {}
    explained: list[tuple[int, int]] = []
    for cls in _rails(ctx):
        hits = cls.hits(analysis)
        outcome = RuleOutcome(tuple(hits), tuple(cls.case_findings(analysis, ctx, [h for h in hits if not h.denied])))
        rules[cls.category] = outcome
        if cls.explains_sentences:
            explained += [hit.span for hit in outcome.hits] + [finding.span for finding in outcome.case]
    spans = sentences_to_compare(analysis, explained, case_names(ctx))
    categories = semantic_categories(ctx)
    nearest: dict[tuple[int, int], Nearest] = {}
    classified: dict[tuple[int, int], Verdict] = {}
    if spans and categories:
        vectors = sentence_vectors(analysis, spans, ctx)
        for span, vector in zip(spans, vectors):
            found = exemplar_index().nearest(vector, analysis.locale, categories)
            if found is not None:
                nearest[span] = found
        left = [row for row, span in enumerate(spans) if not paraphrase_flags(nearest.get(span))]
        classifier = shipped_classifier()
        if classifier is not None and left:
            for row, verdict in zip(left, classifier.judge(vectors[left], categories)):
                if verdict is not None:
                    classified[spans[row]] = verdict
    return Assessment(
        analysis, MappingProxyType(rules), tuple(explained), MappingProxyType(nearest), MappingProxyType(classified)
    )


def explained_spans(analysis: Analysis, ctx: GuardContext) -> list[tuple[int, int]]:
    return list(assess(analysis.text, ctx).explained)


def case_names(ctx: GuardContext) -> tuple[str, ...]:
    """Names the case puts into vetted lines; the paraphrase layer reads past them."""
    case = ctx.case
    if case is None:
        return ()
    return (case.creditor, case.agent_name, case.debtor_name, *case.payment_channels)


def sentences_to_compare(
    analysis: Analysis, explained: Iterable[tuple[int, int]] = (), names: Iterable[str] = ()
) -> list[tuple[int, int]]:
    """Sentences long enough, untouched by the `explained` spans, and not said
    word for word as a known compliant line. (Threshold tuning passes no
    explained spans, to see how the paraphrase layer fares alone.)"""
    minimum = output_settings().min_sentence_chars[analysis.locale]
    explained, names = list(explained), tuple(names)
    index = exemplar_index()
    return [
        span
        for span in analysis.sentences
        if span[1] - span[0] >= minimum
        and not any(start < span[1] and span[0] < end for start, end in explained)
        and not index.known_compliant(analysis.sentence_text(span), analysis.locale, names)
    ]


def classifier_sentences(text: str, ctx: GuardContext) -> list[tuple[int, int]]:
    """The sentences of a draft the trained layer judges: those the rules and
    the paraphrase layer left (as `_assess` picks them)."""
    assessment = assess(text, ctx)
    return [
        span
        for span in sentences_to_compare(assessment.analysis, assessment.explained, case_names(ctx))
        if not paraphrase_flags(assessment.nearest.get(span))
    ]


def semantic_categories(ctx: GuardContext) -> frozenset[str]:
    """The categories with a paraphrase layer that apply here: the ones the
    embedding layers (paraphrase and trained) may flag."""
    return frozenset(cls.category for cls in _rails(ctx) if cls.spec().thresholds is not None)


def sentence_vectors(analysis: Analysis, spans: Iterable[tuple[int, int]], ctx: GuardContext) -> np.ndarray:
    """The sentences' embeddings, as the embedding layers see them, in one model call."""
    names = case_names(ctx)
    return shared_embedder().embed_batch([embedding_text(analysis.sentence_text(span), names) for span in spans])


def paraphrase_flags(nearest: Nearest | None) -> bool:
    """Whether the paraphrase layer flags a sentence with this nearest exemplar."""
    if nearest is None:
        return False
    thresholds = load_spec(nearest.category).thresholds
    return thresholds is not None and nearest.passes(thresholds)
