"""Keys out of anything dashtui prints or writes: the rule lives in `dashtui.secrets`, re-exported here."""

from __future__ import annotations

from ..secrets import REDACTED, Redactor, redact, redact_data, shorten

__all__ = ["REDACTED", "Redactor", "redact", "redact_data", "shorten"]
