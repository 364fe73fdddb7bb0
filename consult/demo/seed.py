"""Demo data: six drafts at every stage, a few hundred comments, three contact points, demo accounts, and
campaigns grouped as similar comments (campaigns.py), one of them decided as a group.

Idempotent: a draft, contact point or account that exists already is left alone. Strings here are
demo *data* (like the texts in data/), not interface text, so they do not go through gettext.
"""

from __future__ import annotations

import json
import os
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from consult.auth.operations import create_contact_point, create_user
from consult.clock import utcnow
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.demo.campaigns import group_and_decide, load_campaign
from consult.demo.timeline import Timeline, clock_at
from consult.drafts.explanations import explain_article
from consult.drafts.operations import DraftInput, add_version, create_draft
from consult.errors import Conflict
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.i18n import _
from consult.intake.importing import intake_key
from consult.models import Comment, ContactPoint, Decision, Draft, IntakeBatch, User
from consult.net import address_hash
from consult.personal_data import find as personal_data
from consult.personal_data import mask_text as masked
from consult.planner_stats import refresh_statistics
from consult.receipts import new_code
from consult.sanitize import paragraphs_to_html, plain_text

DATA = Path(__file__).parent / "data"
ACCOUNTS_FILE = "demo-accounts.txt"

# Stage of each demo draft (DOMAIN.md), as days relative to now: opens, closes, feedback published.
STAGES: dict[str, tuple[int, int, int | None]] = {
    "chengshi-shufang-tiaoli": (-12, 18, None),
    "yangchen-wuran-fangzhi-tiaoli": (-5, 25, None),
    "dayunhe-wenhua-yichan-baohu-tiaoli": (-20, 10, None),
    "nongmao-shichang-guanli-tiaoli": (-50, -20, None),
    "hedao-guanli-tiaoli": (-150, -120, -30),
    "gongyuan-guanli-tiaoli": (-200, -170, -100),
}

CONTACT_POINTS = [
    ("dongguan-jiedao", "东关街道基层立法联系点", "主城区", "legislative"),
    ("yunhe-shequ", "运河社区基层立法联系点", "运河新区", "legislative"),
    ("xicheng-daibiao-zhijia", "西城街道人大代表之家", "主城区", "deputy_home"),
]

# (username, role, contact point, display name, e-mail): deputies and experts are invited by mail, at
# addresses of a reserved example domain (RFC 2606).
ACCOUNTS = [
    ("admin", "admin", None, "平台管理员", None),
    ("staff", "staff", None, "法工委工作人员", None),
    ("dongguan", "contact_point", "dongguan-jiedao", "东关街道联系点操作员", None),
    ("yunhe", "contact_point", "yunhe-shequ", "运河社区联系点操作员", None),
    ("daibiao", "deputy", None, "陈立新", "daibiao@example.org"),
    ("zhuanjia", "expert", None, "周文远", "zhuanjia@example.org"),
]

# Advertising and off-topic comments in the demo set, recognised by their wording.
SPAM_MARKERS = ("招聘", "批发", "领取", "厂家直销", "转让二手", "特价", "代写", "冷链运输", "价格优惠")
OFF_TOPIC_MARKERS = ("房价",)
# Contacts of web commenters: reserved example domains (RFC 2606) and one fake mobile range only.
MAIL_NAMES = ("lin.hua", "zhou.min", "wang.lei", "chen.jing", "liu.yang", "reader")


@dataclass
class SeedReport:
    """What seed_demo did, for the command line."""

    drafts_created: list[str] = field(default_factory=list)
    drafts_kept: list[str] = field(default_factory=list)
    comments: int = 0
    accounts: list[tuple[str, str, str | None]] = field(default_factory=list)
    accounts_file: str = ""

    def lines(self) -> list[str]:
        """Human-readable summary, including new demo passwords."""
        out = [_("已加载演示草案 %(n)d 部，意见 %(c)d 条。", n=len(self.drafts_created), c=self.comments)]
        if self.drafts_kept:
            out.append(_("已存在、未改动的草案：%(slugs)s", slugs="、".join(self.drafts_kept)))
        new = [(u, r, p) for u, r, p in self.accounts if p]
        if new:
            out.append(_("演示账号（密码已写入 %(path)s）：", path=self.accounts_file))
            out.extend(f"  {u:<10} {r:<14} {p}" for u, r, p in new)
        elif self.accounts:
            out.append(_("演示账号已存在，密码见 %(path)s。", path=self.accounts_file))
        return out


def database_has_drafts() -> bool:
    """Whether any draft exists (make run loads the demo only into an empty database)."""
    found = db.session.scalar(select(Draft.id).limit(1)) is not None
    end_read()
    return found


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _ensure_points() -> dict[str, int]:
    ids = {}
    for slug, name, district, kind in CONTACT_POINTS:
        existing = db.session.scalar(select(ContactPoint.id).where(ContactPoint.slug == slug))
        end_read()
        ids[slug] = existing or create_contact_point(None, CLI, slug, name, district, kind=kind).id
    return ids


def _ensure_accounts(report: SeedReport, now: datetime) -> None:
    path = os.path.join(current_app.instance_path, ACCOUNTS_FILE)
    report.accounts_file = path
    created = []
    for username, role, point, display, email in ACCOUNTS:
        exists = db.session.scalar(select(User.id).where(User.username == username)) is not None
        end_read()
        password = None
        if not exists:
            password = secrets.token_urlsafe(12)
            create_user(None, CLI, username, password, role, point, display, email)
            created.append((username, role, password))
        report.accounts.append((username, role, password))
    if created:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"# demo accounts created {now.isoformat()}\n")
            for username, role, password in created:
                fh.write(f"{username}\t{role}\t{password}\n")
        os.chmod(path, 0o600)


def _status_for(item: dict, stage: str, index: int) -> tuple[str, str | None]:
    body = item["body"]
    if any(m in body for m in SPAM_MARKERS):
        return "spam", None
    if any(m in body for m in OFF_TOPIC_MARKERS):
        return "rejected", "与本草案无关"
    if stage == "open" and (personal_data(body) or index % 4 == 3):
        return "pending", None
    return "published", None


def _public_copy(body: str) -> str | None:
    """The masked copy the moderation queue suggests (admin._render_queue), when there is personal data."""
    return masked(body) if personal_data(body) else None


def _web_contact(index: int, rng: random.Random) -> tuple[str | None, bool]:
    """Every third web commenter leaves a contact: e-mail or mobile in turn, most asking to be told."""
    if index % 3:
        return None, False
    k = index // 3
    if k % 2 == 0:
        domain = "example.com" if k % 4 == 0 else "example.org"
        return f"{rng.choice(MAIL_NAMES)}{rng.randint(10, 99)}@{domain}", k % 3 != 2
    return f"1390000{rng.randint(1000, 9999)}", k % 3 == 0


def _load_comments(
    draft_id: int, items: list[dict], points: dict[str, int], rng: random.Random, when: Timeline
) -> int:
    with write_transaction() as session:
        draft = session.get(Draft, draft_id)
        first = draft.versions[0]
        labels = {t.label: t.article_id for t in first.texts}
        stage = draft.status_at(when.now)
        staff = session.scalar(select(User).where(User.username == "staff"))
        batches, received = {}, {}
        for n, (slug, point_id) in enumerate(points.items()):
            meeting_date, received[point_id], uploaded = when.meeting(n)
            batch = IntakeBatch(
                contact_point_id=point_id,
                draft_id=draft.id,
                filename=f"{slug}-意见汇总表.xlsx",
                encoding="xlsx",
                meeting_date=meeting_date,
                meeting_place="社区党群服务中心会议室" if n else "街道办事处三楼会议室",
                method="forum",
                participants=12 + 5 * n,
                collector="联系点信息员",
                rows_total=0,
                rows_valid=0,
                rows_imported=0,
                rows_already=0,
                created_at=uploaded,
            )
            session.add(batch)
            batches[point_id] = batch
        session.flush()
        point_ids = list(points.values())
        for index, item in enumerate(items):
            article_id = labels.get(item["article"]) if item.get("article") else None
            body = plain_text(item["body"])
            status, reason = _status_for(item, stage, index)
            submitted = when.submitted(rng)
            channel = item.get("channel") or "web"
            comment = Comment(
                draft_id=draft.id,
                version_id=first.id,
                article_id=article_id,
                body=body,
                channel=channel,
                status=status,
                receipt_code=new_code(),
                author_name=(item.get("author_name") or None),
                submitted_at=submitted,
            )
            if channel == "web":
                comment.address_hash = address_hash(f"198.51.100.{rng.randint(1, 254)}")
                if status != "spam":
                    comment.contact, comment.notify = _web_contact(index, rng)
            elif channel == "contact_point":
                point_id = point_ids[index % len(point_ids)]
                batch = batches[point_id]
                comment.contact_point_id, comment.batch_id = point_id, batch.id
                # as the importer records an upload: received at the meeting, submitted when uploaded
                comment.received_at, comment.submitted_at = received[point_id], batch.created_at
                comment.intake_key = intake_key(point_id, draft.id, article_id, body)
                batch.rows_total += 1
                batch.rows_valid += 1
                batch.rows_imported += 1
            else:
                comment.received_at = when.received(submitted, rng)
            if status != "pending":
                comment.moderated_at = when.moderated(comment.submitted_at, rng)
                comment.moderated_by_id = staff.id if staff else None
                comment.moderation_reason = reason
                if status == "published":
                    comment.masked_body = _public_copy(body)
            session.add(comment)
            if item.get("outcome") and status == "published":
                session.flush()
                decided = when.decided(rng)
                session.add(
                    Decision(
                        comment_id=comment.id,
                        outcome=item["outcome"],
                        reason=item.get("reason") or "",
                        decided_at=decided,
                        decided_by_id=staff.id if staff else None,
                    )
                )
    return len(items)


def _create_demo_draft(
    meta: dict, report: SeedReport, points: dict[str, int], comments: dict, now: datetime
) -> None:
    slug = meta["slug"]
    exists = db.session.scalar(select(Draft.id).where(Draft.slug == slug)) is not None
    end_read()
    if exists:
        report.drafts_kept.append(slug)
        return
    when = Timeline.of(STAGES[slug], now)
    labels = meta.get("version_labels") or [None]
    data = DraftInput(
        title=meta["title"],
        slug=slug,
        summary=paragraphs_to_html(meta["summary"]),
        text=_read(meta["files"][0]),
        opens_at=when.opens,
        closes_at=when.closes,
        publish=True,
        version_label=labels[0],
    )
    with clock_at(when.opens):  # published as its consultation opens, its articles explained
        draft = create_draft(None, CLI, data)
        _explain(slug, meta.get("explanations") or {})
    rng = random.Random(slug)
    report.comments += _load_comments(draft.id, comments.get(slug, []), points, rng, when)
    with write_transaction() as session:
        report.comments += load_campaign(draft.id, slug, next(iter(points.values())), when, session)
    revisions = meta["files"][1:]
    for i, name in enumerate(revisions, start=1):
        with clock_at(when.revised(i, len(revisions))):
            add_version(None, CLI, slug, _read(name), labels[i] if i < len(labels) else None)
    group_and_decide(slug, when)  # before the report freezes the decisions
    if when.feedback is not None:
        with clock_at(when.feedback):  # queues the notification mails of that day too
            publish_feedback(None, CLI, slug)
    report.drafts_created.append(slug)


def _explain(slug: str, explanations: dict[str, str]) -> None:
    """The demo's article explanations (条文释义), given by the article's label in the first version."""
    draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
    ids = {t.label: t.article_id for t in draft.current_version.texts}
    end_read()
    for label, text in explanations.items():
        explain_article(None, CLI, slug, ids[label], text)


class DemoInProduction(Conflict):
    """Demo data asked for on a production instance (the code stays CONTRACT's "conflict")."""


def refuse_in_production() -> None:
    """Demo data never goes into a production database.

    Its accounts have passwords written to a file in the instance folder, and its made-up comments
    and receipts would be mixed into the public record of a real consultation.
    """
    if current_app.config["PRODUCTION"]:
        raise DemoInProduction(
            _(
                "生产环境（PRODUCTION=true）不能加载演示数据：演示账号的密码是公开的，"
                "演示意见会混入真实的征求意见记录。请在测试或演示实例上运行 seed-demo。"
            )
        )


def seed_demo() -> SeedReport:
    """Load the demo drafts, comments, contact points and accounts; leave existing ones alone."""
    refuse_in_production()
    report = SeedReport()
    end_read()
    now = utcnow()
    # The staff and the contact points were there before the first demo consultation opened.
    with clock_at(now + timedelta(days=min(stage[0] for stage in STAGES.values()) - 14)):
        points = _ensure_points()
        _ensure_accounts(report, now)
    drafts = json.loads(_read("drafts.json"))
    comments = json.loads(_read("comments.json"))
    for meta in drafts:
        _create_demo_draft(meta, report, points, comments, now)
    refresh_statistics()  # issue 15, point 9: plan the first reads with statistics of what was loaded
    return report


__all__ = ["STAGES", "SeedReport", "database_has_drafts", "seed_demo"]
