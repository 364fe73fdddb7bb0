"""Campaigns in the demo (issue 16, point 5): a text forwarded many times with small edits, and a
contact point's forum that repeats it in other words, so the demo shows groups of similar comments.

On an open draft the copies are still arriving (some wait for moderation); on a concluded one staff
decided the group as a whole (``decide_group``) before the feedback report was published, so the report
shows the decision on every copy. Deterministic: the edits are drawn from a generator seeded by the
draft's slug. Demo *data*, like data/: not interface text, so not through gettext.
"""

# i18n: data-module — campaign texts are demo data, not interface text.

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from consult.context import CLI
from consult.db import end_read
from consult.demo.timeline import Timeline, clock_at
from consult.extensions import db
from consult.groups.decisions import decide_group
from consult.groups.operations import rebuild_draft
from consult.intake.importing import intake_key
from consult.models import Comment, Draft, GroupMember, IntakeBatch, User
from consult.net import address_hash
from consult.receipts import new_code

ESTATES = ("运河花园", "锦绣家园", "东关新村", "柳岸小区", "文昌苑", "北门里", "梧桐公寓", "清水湾")
TENS = ("10点", "十点")
ENDINGS = ("", "望采纳！", "望采纳。", "谢谢！", "恳请采纳")


@dataclass(frozen=True)
class Campaign:
    """One forwarded text on one article, its copies, and the forum's retelling of it."""

    article: str  # the label in the draft's first version
    text: str  # {estate} and {ten} are filled per copy
    copies: int
    forum: tuple[str, ...]  # the contact point's rows: the request retold in other words ({estate} filled)
    # The group's decision on a concluded draft (outcome, public reason); None: still open.
    decision: tuple[str, str] | None = None


CAMPAIGNS: dict[str, Campaign] = {
    "dayunhe-wenhua-yichan-baohu-tiaoli": Campaign(
        article="第二十五条",
        text=(
            "我是{estate}的居民，建议第二十五条明确：运河沿线对外开放的博物馆、陈列馆在夏季每天开放到晚上{ten}，"
            "周一照常开放，方便上班族和学生下班放学后参观运河文化。"
        ),
        copies=12,
        forum=(
            "{estate}的居民代表在座谈会上说：大家都希望运河边的博物馆、陈列馆夏天晚上能开到十点，周一也开门，"
            "年轻人下班以后也能去看看运河的历史。",
        )
        * 3,
    ),
    "hedao-guanli-tiaoli": Campaign(
        article="第十四条",
        text=(
            "我们是{estate}的居民，强烈建议第十四条写明：滨河绿道的夜间照明每天开到晚上{ten}，"
            "并在{estate}一段增设亲水步道和休息座椅，方便老人孩子傍晚散步。"
        ),
        copies=10,
        forum=(
            "{estate}的居民代表在座谈会上说：绿道晚上黑灯瞎火，大家希望路灯能亮到十点，"
            "再在河边修一段能下到水边的步道，放几张长椅，老人孩子晚饭后好去走走。",
        )
        * 2,
        decision=(
            "partially_adopted",
            "修改稿第十三条已要求推进滨河绿道和亲水空间建设；绿道照明时间和座椅设置属于日常管理事项，"
            "已转请水务和城管部门在绿道管理办法中统筹考虑。",
        ),
    ),
}


def copies(slug: str) -> list[str]:
    """The forwarded copies of the draft's campaign, each with its small edits (the same every time)."""
    campaign = CAMPAIGNS.get(slug)
    if campaign is None:
        return []
    rng = random.Random(f"copies:{slug}")
    return [_copy(campaign, rng, ESTATES[n % len(ESTATES)]) for n in range(campaign.copies)]


def _copy(campaign: Campaign, rng: random.Random, estate: str) -> str:
    text = campaign.text.format(estate=estate, ten=rng.choice(TENS))
    if rng.random() < 0.4:
        text = text.replace("，", ",", rng.randint(1, 2))  # typed on a phone without the full-width comma
    if rng.random() < 0.3:  # one forwarder tones it down, another up
        louder = "强烈建议" not in text
        text = text.replace("建议", "强烈建议", 1) if louder else text.replace("强烈建议", "建议", 1)
    return text + rng.choice(ENDINGS)


def load_campaign(draft_id: int, slug: str, point_id: int, when: Timeline, session) -> int:
    """Write the draft's campaign (web copies, and the forum's rows as an intake batch of ``point_id``)
    in the caller's transaction; the number of comments written (0: no campaign for this draft)."""
    campaign = CAMPAIGNS.get(slug)
    if campaign is None:
        return 0
    rng = random.Random(f"campaign:{slug}")
    draft = session.get(Draft, draft_id)
    first = draft.versions[0]
    article_id = next(t.article_id for t in first.texts if t.label == campaign.article)
    staff = session.scalar(select(User).where(User.username == "staff"))
    open_now = draft.status_at(when.now) == "open"
    # Forwarded in a chat group: most copies within two hours, from a few addresses.
    start = when.submitted(rng)
    start = min(start, when.end - timedelta(hours=3))
    addresses = [address_hash(f"203.0.113.{rng.randint(1, 254)}") for _ in range(3)]
    for n, body in enumerate(copies(slug)):
        estate = ESTATES[n % len(ESTATES)]
        submitted = start + timedelta(minutes=rng.randint(0, 110))
        pending = open_now and n >= campaign.copies - 3  # the latest still wait for moderation
        comment = Comment(
            draft_id=draft_id,
            version_id=first.id,
            article_id=article_id,
            body=body,
            channel="web",
            status="pending" if pending else "published",
            receipt_code=new_code(),
            author_name=f"{estate}居民" if n % 3 == 0 else None,
            submitted_at=submitted,
            address_hash=addresses[n % len(addresses)],
        )
        if not pending:
            comment.moderated_at = when.moderated(submitted, rng)
            comment.moderated_by_id = staff.id if staff else None
        session.add(comment)
    _load_forum(session, campaign, draft, first.id, article_id, point_id, when, rng, staff)
    return campaign.copies + len(campaign.forum)


def _load_forum(session, campaign, draft, version_id, article_id, point_id, when, rng, staff) -> None:
    meeting_date, received, uploaded = when.meeting(2)
    batch = IntakeBatch(
        contact_point_id=point_id,
        draft_id=draft.id,
        filename="居民座谈会意见.xlsx",
        encoding="xlsx",
        meeting_date=meeting_date,
        meeting_place="社区居民议事厅",
        method="forum",
        participants=20,
        collector="联系点信息员",
        rows_total=len(campaign.forum),
        rows_valid=len(campaign.forum),
        rows_imported=len(campaign.forum),
        rows_already=0,
        created_at=uploaded,
    )
    session.add(batch)
    session.flush()
    for n, row in enumerate(campaign.forum):
        # The same request from several estates' representatives, one of them thanking the office.
        body = row.format(estate=ESTATES[(n + 3) % len(ESTATES)]) + ("谢谢。" if n % 2 else "")
        comment = Comment(
            draft_id=draft.id,
            version_id=version_id,
            article_id=article_id,
            body=body,
            channel="contact_point",
            status="published",
            receipt_code=new_code(),
            author_name="座谈会居民代表",
            submitted_at=uploaded,
            received_at=received,
            contact_point_id=point_id,
            batch_id=batch.id,
            intake_key=intake_key(point_id, draft.id, article_id, body),
            moderated_at=when.moderated(uploaded, rng),
            moderated_by_id=staff.id if staff else None,
        )
        session.add(comment)


def group_and_decide(slug: str, when: Timeline) -> int | None:
    """Group the draft's comments now (seed-demo leaves no draft ungrouped: a command's comments are not
    drained inline), then, on a concluded draft with a campaign, decide the campaign's group as a whole;
    the decided group's id, if any."""
    with clock_at(when.end):  # the groups formed as the comments arrived
        rebuild_draft(slug)
    campaign = CAMPAIGNS.get(slug)
    if campaign is None or campaign.decision is None:
        return None
    group_id = db.session.scalar(
        select(GroupMember.group_id)
        .join(Comment, Comment.id == GroupMember.comment_id)
        .join(Draft, Draft.id == Comment.draft_id)
        .where(Draft.slug == slug, Comment.channel == "web", GroupMember.group_id.is_not(None))
        .group_by(GroupMember.group_id)
        .order_by(func.count().desc(), GroupMember.group_id)
        .limit(1)
    )
    staff = db.session.scalar(select(User).where(User.username == "staff"))
    end_read()
    if group_id is None or staff is None:
        return None
    outcome, reason = campaign.decision
    with clock_at(when.decided(random.Random(f"decision:{slug}"))):
        decide_group(staff, CLI, group_id, outcome, reason)
    return group_id


__all__ = ["CAMPAIGNS", "Campaign", "copies", "group_and_decide", "load_campaign"]
