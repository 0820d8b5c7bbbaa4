"""abuse: insults, contempt, profanity and seed 003's forbidden phrases."""
from __future__ import annotations

from settle.guardrails.output.category import CategoryValidator
from settle.guardrails.output.offline import register_validator


@register_validator(name="settle/abuse", data_type="string")
class AbuseValidator(CategoryValidator):
    category = "abuse"
