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
call your boss" from "we will not call your boss".
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, ClassVar

from settle.agent.embedding import shared_embedder
from settle.agent.types import GuardContext
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


@dataclass(frozen=True)
class Finding:
    rule: str  # "<category>.<rule>", with ".semantic" when found by similarity
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

    The rules are class-level (they need only the category's YAML), so that any
    category can ask which sentences the others' rules have explained.
    Subclasses set `category` and may refine `applies`, `keep` and `case_findings`.
    """

    category: ClassVar[str]
    # whether findings point at the sentences they concern (not the whole draft)
    explains_sentences: ClassVar[bool] = True

    def __init__(self, on_fail: OnFailAction | str = OnFailAction.NOOP, **kwargs: Any) -> None:
        super().__init__(on_fail=on_fail, **kwargs)
        self._index = exemplar_index() if self.spec().thresholds is not None else None

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
        analysis = analyse(text, ctx.locale)
        hits = self.hits(analysis)
        affirmed = [hit for hit in hits if not hit.denied]
        found = [Finding(hit.rule.id, hit.span, hit.rule.message) for hit in affirmed if self.keep(hit, ctx)]
        found += self.case_findings(analysis, ctx, affirmed)
        found += self._paraphrases(analysis, ctx)
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
    def sentences_to_compare(
        self, analysis: Analysis, ctx: GuardContext, skip_explained: bool = True
    ) -> list[tuple[int, int]]:
        """Sentences long enough, untouched by any rule, and not said word for word
        as a known compliant line. (Threshold tuning also looks at explained
        ones, to see how the layer fares alone.)"""
        minimum = output_settings().min_sentence_chars[analysis.locale]
        explained = explained_spans(analysis, ctx) if skip_explained else []
        return [
            span
            for span in analysis.sentences
            if span[1] - span[0] >= minimum
            and not any(start < span[1] and span[0] < end for start, end in explained)
            and not (self._index is not None and self._index.known_compliant(analysis.sentence_text(span), analysis.locale))
        ]

    def nearest(self, analysis: Analysis, span: tuple[int, int], ctx: GuardContext) -> Nearest | None:
        """The sentence's nearest violation exemplar among the categories that apply here."""
        if self._index is None:
            return None
        vector = shared_embedder().embed(embedding_text(analysis.sentence_text(span)))
        return self._index.nearest(vector, analysis.locale, applicable_categories(ctx))

    def _paraphrases(self, analysis: Analysis, ctx: GuardContext) -> list[Finding]:
        thresholds = self.spec().thresholds
        if self._index is None or thresholds is None:
            return []
        out = []
        for span in self.sentences_to_compare(analysis, ctx):
            nearest = self.nearest(analysis, span, ctx)
            if nearest is not None and nearest.category == self.category and nearest.passes(thresholds):
                rule = self.spec().lexicon.rule(nearest.rule)
                out.append(Finding(rule.id + SEMANTIC_SUFFIX, span, f"{rule.message} (close paraphrase of a known violation)"))
        return out


def validator_for(category: str) -> type[CategoryValidator]:
    """The validator a rail names, registered with guardrails as settle/<category>."""
    importlib.import_module(f"settle.guardrails.output.{category}.validator")
    return validators_registry[f"settle/{category}"]


def _rails(ctx: GuardContext) -> list[type[CategoryValidator]]:
    """Validator classes of every configured rail (also those a guard built with
    fewer rails leaves out) that judge drafts in this context."""
    classes = (validator_for(rail) for rail in output_settings().rails)
    return [cls for cls in classes if cls.applies(ctx)]


def applicable_categories(ctx: GuardContext) -> frozenset[str]:
    return frozenset(cls.category for cls in _rails(ctx))


def explained_spans(analysis: Analysis, ctx: GuardContext) -> list[tuple[int, int]]:
    """Spans any applicable category's rules matched, violation or not."""
    spans: list[tuple[int, int]] = []
    for cls in _rails(ctx):
        if not cls.explains_sentences:
            continue
        hits = cls.hits(analysis)
        spans += [hit.span for hit in hits]
        spans += [finding.span for finding in cls.case_findings(analysis, ctx, [h for h in hits if not h.denied])]
    return spans
