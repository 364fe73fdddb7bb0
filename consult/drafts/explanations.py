"""Article explanations (条文释义): staff write a plain-language explanation of an article.

The explanation belongs to the article's text in one version (``ArticleText.explanation``): staff edit
the current version's; a revised version carries each article's explanation over from the text it
continues (``carried``), so an older version keeps what it said and the new one starts from it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from consult import audit
from consult.context import RequestContext
from consult.db import write_transaction
from consult.drafts.queries import by_slug
from consult.errors import Conflict, NotFound, ValidationError
from consult.extensions import db
from consult.i18n import _
from consult.models import ArticleText, Draft, DraftVersion, User
from consult.models.drafts import EXPLANATION_MAX
from consult.sanitize import plain_text, raw_length_over


def clean_explanation(raw: object) -> str | None:
    """The explanation as stored: plain text (markup removed, entities kept as typed), None when empty.

    A value too long is a ValidationError on ``explanation`` that says by how much.
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValidationError(_("条文释义应为文字"), {"explanation": _("条文释义应为文字")})
    too_long = raw_length_over(raw, EXPLANATION_MAX)
    text = "" if too_long else plain_text(raw)
    length = too_long or len(text)
    if length > EXPLANATION_MAX:
        message = _("条文释义不能超过%(max)d个字（现有%(n)d个字）", max=EXPLANATION_MAX, n=length)
        raise ValidationError(message, {"explanation": message})
    return text or None


def digest(explanation: str | None) -> str:
    """What a form remembers of the explanation it showed, so a later save can tell if it changed since."""
    return hashlib.sha256((explanation or "").encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Explained:
    """The article text after the change, and whether anything changed."""

    text: ArticleText
    changed: bool


def explain_article(
    actor: User | None,
    ctx: RequestContext,
    slug: str,
    article_id: int,
    explanation: object,
    seen: str | None = None,
) -> Explained:
    """Set (or clear, with an empty value) the explanation of an article in the draft's current version.

    ``seen``: the ``digest`` of the explanation the editor started from; another explanation saved since
    is a Conflict (nothing is overwritten unseen). Unchanged text writes nothing and records nothing.
    """
    cleaned = clean_explanation(explanation)
    with write_transaction() as session:
        draft = by_slug(slug, session=session)
        version = draft.current_version
        text = (
            session.scalar(
                select(ArticleText).where(
                    ArticleText.version_id == version.id, ArticleText.article_id == article_id
                )
            )
            if version is not None
            else None
        )
        if text is None:
            raise NotFound(_("该条款不存在"))
        if seen is not None and seen != digest(text.explanation):
            raise Conflict(_("这一条的释义刚刚已被其他工作人员修改，请对照当前内容后重新保存。"))
        if cleaned == text.explanation:
            return Explained(text, False)
        before = text.explanation
        text.explanation = cleaned
        audit.record(
            session,
            actor,
            ctx,
            "article.explain",
            draft,
            {
                "article_id": article_id,
                "label": text.label,
                "version": version.number,
                "before_length": len(before or ""),
                "length": len(cleaned or ""),
            },
        )
    return Explained(text, True)


def carried(session, version: DraftVersion | None) -> dict[int, str]:
    """Article id → explanation in ``version`` (the one a revision continues), for the new version."""
    if version is None:
        return {}
    rows = session.execute(
        select(ArticleText.article_id, ArticleText.explanation).where(
            ArticleText.version_id == version.id, ArticleText.explanation.is_not(None)
        )
    )
    return {article_id: explanation for article_id, explanation in rows}


def revised_since_explained(draft: Draft) -> set[int]:
    """Articles of the current version that carry an explanation over from the previous version although
    their text changed in this one: staff should check that the explanation still fits."""
    versions = draft.versions
    if len(versions) < 2:
        return set()
    current, previous = versions[-1], versions[-2]
    before = dict(
        db.session.execute(
            select(ArticleText.article_id, ArticleText.text).where(ArticleText.version_id == previous.id)
        ).all()
    )
    rows = db.session.execute(
        select(ArticleText.article_id, ArticleText.text, ArticleText.explanation).where(
            ArticleText.version_id == current.id, ArticleText.explanation.is_not(None)
        )
    )
    return {a for a, text, _explanation in rows if a in before and before[a] != text}
