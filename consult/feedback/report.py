"""The feedback report (采纳情况反馈): totals, participants, and per article the outcomes and reasons.

One builder serves the public report (decisions as the latest publication froze them) and the staff
preview (the decisions as they stand). Only published comments count: a rejected comment was never
part of the consultation's public record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from consult.drafts.labels import as_commented, version_name
from consult.extensions import db
from consult.feedback.participants import participant_key
from consult.feedback.queries import latest_publication, publications, published_decisions
from consult.models import (
    ArticleText,
    Comment,
    ContactPoint,
    Decision,
    Draft,
    DraftVersion,
    FeedbackPublication,
)
from consult.models.enums import CHANNELS, OUTCOMES

HIGHLIGHTED = ("adopted", "partially_adopted")
FETCH_CHUNK = 2000


class DecisionLike(Protocol):
    """A Decision or a PublishedDecision: what the report reads of either."""

    outcome: str
    reason: str
    decided_at: datetime


@dataclass(frozen=True)
class ReportItem:
    """One published comment in the report, with its decision (None: undecided)."""

    comment_id: int
    body: str
    channel: str
    submitted_at: datetime
    outcome: str | None
    reason: str
    commented_label: str | None = None  # the label it was made on, when renumbered since
    # The article as its commenter knows it, when renumbered or removed since (drafts.labels.as_commented).
    commented_as: str | None = None
    # It stands for this many similar comments with the same decision (共N条, feedback/grouped.py).
    group_size: int | None = None


@dataclass
class ReasonGroup:
    """Comments that received the same outcome for the same reason (staff often decide in groups)."""

    outcome: str
    reason: str
    items: list[ReportItem] = field(default_factory=list)


@dataclass
class ArticleReport:
    """One article (or the general opinions, article_id None) in the report."""

    article_id: int | None
    label: str | None
    chapter: str | None
    text: str
    removed: bool = False
    items: list[ReportItem] = field(default_factory=list)

    @property
    def comment_count(self) -> int:
        """Published comments on this article."""
        return len(self.items)

    @property
    def outcomes(self) -> dict[str, int]:
        """Count per outcome (every outcome present, zeros included) and `undecided`."""
        counts = Counter(item.outcome or "undecided" for item in self.items)
        return {name: counts.get(name, 0) for name in (*OUTCOMES, "undecided")}

    @property
    def highlighted(self) -> list[ReportItem]:
        """Adopted and partly adopted comments, shown one by one with their reasons."""
        return [i for i in self.items if i.outcome in HIGHLIGHTED]

    @property
    def groups(self) -> list[ReasonGroup]:
        """The other decided comments grouped by outcome and reason, biggest group first."""
        groups: dict[tuple[str, str], ReasonGroup] = {}
        for item in self.items:
            if item.outcome is None or item.outcome in HIGHLIGHTED:
                continue
            key = (item.outcome, item.reason)
            groups.setdefault(key, ReasonGroup(item.outcome, item.reason)).items.append(item)
        order = {name: i for i, name in enumerate(OUTCOMES)}
        return sorted(groups.values(), key=lambda g: (order[g.outcome], -len(g.items)))

    @property
    def undecided(self) -> list[ReportItem]:
        """Comments without a decision (the preview warns about them)."""
        return [i for i in self.items if i.outcome is None]


@dataclass
class FeedbackReport:
    """The whole report of one draft."""

    draft: Draft
    publication: FeedbackPublication | None  # None: the staff preview
    publications: list[FeedbackPublication]
    articles: list[ArticleReport]
    general: ArticleReport
    participants: int
    contact_points: int
    by_channel: dict[str, int]

    @property
    def all_places(self) -> list[ArticleReport]:
        """Every article, then the general opinions."""
        return [*self.articles, self.general]

    @property
    def totals(self) -> dict[str, int]:
        """Comments, participants and the count per outcome (CONTRACT.md's `totals`)."""
        counts: Counter[str] = Counter()
        for place in self.all_places:
            counts.update(place.outcomes)
        comments = sum(p.comment_count for p in self.all_places)
        return {"comments": comments, "participants": self.participants} | {
            name: counts.get(name, 0) for name in (*OUTCOMES, "undecided")
        }

    @property
    def revisions(self) -> list[FeedbackPublication]:
        """The publications after the first, each with its revision note."""
        return [p for p in self.publications if p.number > 1]


def _texts_by_version(draft: Draft) -> dict[int, dict[int, ArticleText]]:
    """version id → article id → text, for every version of the draft."""
    rows = db.session.scalars(
        select(ArticleText)
        .join(DraftVersion, DraftVersion.id == ArticleText.version_id)
        .where(DraftVersion.draft_id == draft.id)
    )
    result: dict[int, dict[int, ArticleText]] = {}
    for text in rows:
        result.setdefault(text.version_id, {})[text.article_id] = text
    return result


def build_report(
    draft: Draft,
    decisions: Mapping[int, DecisionLike],
    publication: FeedbackPublication | None,
    publications: list[FeedbackPublication],
) -> FeedbackReport:
    """The report of a draft with the given decisions (comment id → decision).

    With a publication, only the comments it covered count (its decisions and the comments it
    recorded as undecided), and only while they are still published: a comment taken down since
    leaves the report, a comment published since waits for the next publication. Bodies are left
    out when the draft does not show comments publicly (the figures and reasons stay).
    """
    members = (
        set(decisions) | set(publication.undecided_comment_ids or []) if publication is not None else None
    )
    current = draft.current_version
    texts = _texts_by_version(draft)
    current_texts = texts.get(current.id, {}) if current is not None else {}
    ordered = sorted(current_texts.values(), key=lambda t: t.order)
    places: dict[int | None, ArticleReport] = {
        t.article_id: ArticleReport(t.article_id, t.label, t.chapter, t.text) for t in ordered
    }
    general = ArticleReport(None, None, None, "")
    removed: dict[int, ArticleReport] = {}
    anchors: dict[int, int | None] = {}  # removed article → the surviving article it followed
    names = {v.id: version_name(v.label, v.number) for v in draft.versions}
    participants: set[str] = set()
    points: set[int] = set()
    by_channel: Counter[str] = Counter()
    rows = db.session.execute(
        select(Comment, participant_key())
        .where(Comment.draft_id == draft.id, Comment.status == "published")
        .order_by(Comment.submitted_at, Comment.id)
        .execution_options(yield_per=FETCH_CHUNK)
    )
    for comment, participant in rows:
        if members is not None and comment.id not in members:
            continue
        participants.add(participant)
        if comment.contact_point_id is not None:
            points.add(comment.contact_point_id)
        by_channel[comment.channel] += 1
        decision = decisions.get(comment.id)
        commented = texts.get(comment.version_id, {}).get(comment.article_id)
        if comment.article_id is None:
            place = general
        elif comment.article_id in places:
            place = places[comment.article_id]
        else:  # the article was removed in a later version: kept under its last known text
            if comment.article_id not in removed:
                last = commented or next(
                    (t[comment.article_id] for t in texts.values() if comment.article_id in t), None
                )
                removed[comment.article_id] = ArticleReport(
                    comment.article_id,
                    last.label if last else None,
                    last.chapter if last else None,
                    last.text if last else "",
                    removed=True,
                )
                anchors[comment.article_id] = _anchor(last, texts, places)
            place = removed[comment.article_id]
        renumbered = commented is not None and place.label is not None and commented.label != place.label
        label_now = None if place.removed else place.label
        moved = commented is not None and commented.label != label_now
        place.items.append(
            ReportItem(
                comment_id=comment.id,
                body=comment.public_body if draft.show_comments else "",
                channel=comment.channel,
                submitted_at=comment.submitted_at,
                outcome=decision.outcome if decision is not None else None,
                reason=decision.reason if decision is not None else "",
                commented_label=commented.label if renumbered else None,
                commented_as=as_commented(commented.label, names.get(comment.version_id), label_now)
                if moved
                else None,
            )
        )
    return FeedbackReport(
        draft=draft,
        publication=publication,
        publications=publications,
        articles=_in_place(list(places.values()), removed, anchors),
        general=general,
        participants=len(participants),
        contact_points=len(points),
        by_channel={name: by_channel.get(name, 0) for name in CHANNELS},
    )


def _anchor(last: ArticleText | None, texts, places) -> int | None:
    """The article a removed one followed in its last version that is still in the current one."""
    if last is None:
        return None
    version = texts.get(last.version_id, {})
    before = [t for t in version.values() if t.order < last.order and t.article_id in places]
    return max(before, key=lambda t: t.order).article_id if before else None


def _in_place(
    current: list[ArticleReport], removed: dict[int, ArticleReport], anchors
) -> list[ArticleReport]:
    """The current articles in order, each removed one right after the article it followed."""
    after: dict[int | None, list[ArticleReport]] = {}
    for article_id, place in removed.items():
        after.setdefault(anchors.get(article_id), []).append(place)
    ordered = list(after.get(None, []))
    for place in current:
        ordered.append(place)
        ordered.extend(after.get(place.article_id, []))
    return ordered


def live_decisions(draft: Draft) -> dict[int, Decision]:
    """The decisions on the draft's published comments as they stand now (the staff preview)."""
    rows = db.session.scalars(
        select(Decision)
        .join(Comment, Comment.id == Decision.comment_id)
        .where(Comment.draft_id == draft.id, Comment.status == "published")
    )
    return {d.comment_id: d for d in rows}


def point_names(report: FeedbackReport) -> list[str]:
    """The names of the contact points whose opinions are in the report (for the participants line)."""
    ids = db.session.scalars(
        select(Comment.contact_point_id)
        .where(
            Comment.draft_id == report.draft.id,
            Comment.status == "published",
            Comment.contact_point_id.is_not(None),
        )
        .distinct()
    ).all()
    if not ids:
        return []
    return list(db.session.scalars(select(ContactPoint.name).where(ContactPoint.id.in_(ids))))


def published_report(draft: Draft) -> FeedbackReport | None:
    """The report as the draft's latest publication froze it; None before the first publication."""

    latest = latest_publication(db.session, draft.id)
    if latest is None:
        return None
    return build_report(
        draft, published_decisions(db.session, latest.id), latest, publications(db.session, draft.id)
    )


def preview_report(draft: Draft) -> FeedbackReport:
    """The report with the decisions as they stand now: what publishing would show (staff only)."""

    return build_report(draft, live_decisions(draft), None, publications(db.session, draft.id))
