"""threat: violence, being watched, visits, exposure, arrest, harassment."""
from __future__ import annotations

from settle.guardrails.output.category import CategoryValidator
from settle.guardrails.output.offline import register_validator


@register_validator(name="settle/threat", data_type="string")
class ThreatValidator(CategoryValidator):
    category = "threat"
