"""The rule of what a decision (处理情况) may say: one home for a comment's decision and a group's.

A decision is one of the outcomes with a public reason, required for every outcome but 采纳 (where it
is still welcome), at most BODY_MAX characters, plain text (consult/sanitize.py).
"""

from __future__ import annotations

from consult.errors import ValidationError
from consult.i18n import _
from consult.models.comments import BODY_MAX
from consult.models.enums import OUTCOMES
from consult.sanitize import plain_text, raw_length_over


def checked_decision(outcome: str | None, reason: str | None) -> tuple[str, str]:
    """The outcome and the cleaned reason, or a ValidationError naming the field that is wrong."""
    if outcome not in OUTCOMES:
        raise ValidationError(
            _("未知的处理结果：%(o)s", o=str(outcome)),
            {"outcome": _("应为 %(list)s 之一", list="、".join(OUTCOMES))},
        )
    if raw_length_over(reason, BODY_MAX):  # refused before cleaning (sanitize.raw_max)
        raise ValidationError(_("理由不能超过%(n)d个字", n=BODY_MAX), {"reason": _("理由过长")})
    reason = plain_text(reason)
    if outcome != "adopted" and not reason:
        raise ValidationError(_("除“采纳”外，处理结果必须附公开的理由"), {"reason": _("请填写理由")})
    if len(reason) > BODY_MAX:
        raise ValidationError(_("理由不能超过%(n)d个字", n=BODY_MAX), {"reason": _("理由过长")})
    return outcome, reason
