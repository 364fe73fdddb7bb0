"""The review page's fixed words and labels, translated once per render instead of once per comment.

A page of 50 comments used to ask gettext about 3,000 times (every word of every comment's forms),
the vocabulary's lazy labels 250 times and csrf_token() 150 times; the words do not depend on the comment.
Words with a blank are kept as patterns and filled in the template (``|format``).
"""

from __future__ import annotations

from consult.i18n import _
from consult.models.enums import OUTCOMES
from consult.vocabulary import CHANNELS, outcome_label


def review_words() -> dict[str, str]:
    """Every word a review page repeats per comment, translated for this request."""
    return {
        "anonymous": _("匿名"),
        "name_private": _("（不公开）"),
        "name_private_title": _("提出人未同意公开姓名，公开时显示为匿名"),
        "label_then": _("提出时为%(label)s"),
        "masked": _("公开的是遮盖个人信息后的文本。"),
        "by_when": _("（%(who)s，%(when)s）"),
        "when": _("（%(when)s）"),
        "undecided": _("未处理"),
        "change_decision": _("修改处理结果"),
        "fill_decision": _("填写处理结果"),
        "outcome": _("处理结果"),
        "reason": _("公开的理由"),
        "outcome_hint": _(
            "除“采纳”外，必须填写公开的理由；采纳时也建议写明如何采纳。理由将在采纳情况反馈中公开。"
        ),
        "save_decision": _("保存处理结果"),
        "assigned_to": _("由%(who)s负责"),
        "work": _("分工和内部备注"),
        "assign_comment": _("本条意见分配给"),
        "internal": _("内部备注，不公开"),
        "deleted_account": _("已删除的账号"),
    }


def outcome_choices() -> list[tuple[str, str]]:
    """(code, name) of every decision outcome, in the enum's order."""
    return [(code, outcome_label(code)) for code in OUTCOMES]


def channel_names() -> dict[str, str]:
    """Each channel's name by its code."""
    return {code: str(label) for code, label in CHANNELS.items()}
