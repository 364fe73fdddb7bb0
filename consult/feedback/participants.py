"""Who a comment counts as, for `participants` (README, "The feedback report's figures").

A comment made on the website counts once per distinct contact detail (case and surrounding spaces
ignored) or, without one, once per address hash; an opinion from a contact point, a deputy, an expert
or a letter counts as one participant per row. One SQL expression, used by the report and the exports.
"""

from __future__ import annotations

from sqlalchemy import String, and_, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from consult.models import Comment


def participant_key() -> ColumnElement[str]:
    """The participant a comment row counts as (distinct values are distinct participants)."""
    web = Comment.channel == "web"
    return case(
        (
            and_(web, func.coalesce(func.trim(Comment.contact), "") != ""),
            literal("contact:") + func.lower(func.trim(Comment.contact)),
        ),
        (and_(web, Comment.address_hash.is_not(None)), literal("address:") + Comment.address_hash),
        else_=literal("comment:") + cast(Comment.id, String),
    )
