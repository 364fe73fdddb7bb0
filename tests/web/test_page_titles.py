"""Every page's <title> is plain text: walks every GET route of the URL map as the role it is for.

Reuses the role clients of tests/auth/test_authorization.py (anonymous, contact points A and B, staff,
admin) and fills each path argument from real rows, so every page renders as its users meet it.
"""

from __future__ import annotations

import html
import io
import re

import pytest
from werkzeug.routing import IntegerConverter

from consult.auth.operations import create_token
from consult.context import CLI
from consult.db import end_read, write_transaction
from consult.extensions import db
from consult.feedback.publishing import publish_feedback
from consult.groups.drain import drain as drain_groups
from consult.intake.importing import BatchRequest, import_batch
from consult.models import ContactPoint, Draft, ExportJob, GroupMember, Subscription, Theme, User
from consult.reach import tokens
from tests.auth.test_authorization import EXEMPT_ENDPOINTS, clients  # noqa: F401 (a fixture)

# The client each access level is asked with: the least privileged role that may open the page.
ROLE_FOR_LEVEL = {
    "public": "anonymous",
    "signed_in": "contact_point_a",
    "intake": "contact_point_a",
    "staff": "staff",
    "admin": "admin",
    "commenter": "deputy",
}
# <title> is raw text in HTML (RCDATA): a parser would hide markup inside it, so read the source.
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
CSV = "条款,意见内容\n第一条,建议写明示例管理的主管部门。\n第九十九条,没有这一条。\n".encode()


@pytest.fixture
def every_page(clients, factory):  # noqa: F811 (the fixture imported above)
    """The role clients and a value for every path argument of every GET route."""
    app, by_role, ids = clients
    end_read()
    point_id = db.session.scalar(db.select(ContactPoint.id).where(ContactPoint.slug == "point-a"))
    staff_id = db.session.scalar(db.select(User.id).where(User.role == "staff"))
    end_read()
    token, _secret = create_token(None, CLI, staff_id, "title test")
    end_read()
    request = BatchRequest(
        draft=ids["slug"], filename="意见.csv", data=CSV, contact_point="point-a", method="forum"
    )
    batch = import_batch(None, CLI, request)
    operator = by_role["contact_point_a"]
    resp = operator.post(
        "/intake/upload",
        data={
            "csrf_token": operator.csrf,
            "draft": ids["slug"],
            "method": "forum",
            "file": (io.BytesIO(CSV), "意见.csv"),
        },
        content_type="multipart/form-data",
    )
    end_read()
    with write_transaction() as session:  # an export job waiting for the writer (its progress page)
        job = ExportJob(
            draft_id=session.scalar(db.select(Draft.id).where(Draft.slug == ids["slug"])),
            format="csv",
            include="published",
            requested_by=staff_id,
            state="queued",
            rows_total=1,
            download_name="意见汇总表.csv",
        )
        session.add(job)
        session.flush()
        job_id = job.id
        theme = Theme(draft_id=job.draft_id, article_key=0, keywords=["示例"], size=0)  # a theme's page
        session.add(theme)
        session.flush()
        theme_id = theme.id
    upload_token = re.search(rb'action="/intake/upload/([^/"]+)/cancel"', resp.data).group(1).decode()
    # A group of similar comments (its members page and the confirmation of 全部发布).
    draft = db.session.scalar(db.select(Draft).where(Draft.slug == ids["slug"]))
    end_read()
    twins = [
        factory.comment(draft, f"建议城市书房开放时间延长到晚上十点，{e}居民都很需要。").id for e in "甲乙"
    ]
    drain_groups()
    group_id = db.session.scalar(db.select(GroupMember.group_id).where(GroupMember.comment_id == twins[0]))
    end_read()
    values = {
        **ids,
        "user_id": staff_id,
        "point_id": point_id,
        "token_id": token.id,
        "batch_id": batch.batch_id,
        "job_id": job_id,
        "group_id": group_id,
        "theme_id": theme_id,
        "token": upload_token,
        "stage": "close-now",
        "fmt": "csv",
        "name": "opinions-template.csv",
    }
    return app, by_role, values


def _title_problem(resp) -> str | None:
    """What is wrong with the page's <title>, or None."""
    titles = TITLE.findall(resp.get_data(as_text=True))
    if len(titles) != 1:
        return f"{len(titles)} <title> elements"
    raw = titles[0]
    text = html.unescape(raw).strip()
    if not text:
        return "empty <title>"
    if "<" in raw or ">" in raw or "<" in text or ">" in text:
        return f"markup in <title>: {raw[:200]!r}"
    return None


# Pages that answer 404 by design for a draft still open for comments: its feedback report (and its
# places' pages) and open data.
PENDING = {
    "feedback.feedback_page",
    "feedback.feedback_article",
    "feedback.feedback_general",
    "versions.open_data_zip",
    "charts.report_articles_chart",  # the report's charts: 404 like the report until it is published
    "charts.report_channels_chart",
}


# Pages that refuse by design for the sample values: the download of an export job still waiting (409).
REFUSED_BY_DESIGN = {
    "admin_exports.export_job_download": 409,
    # A subscription message's links: the sample token names no subscription (real ones are looked at below).
    "subscriptions.confirm_subscription": 404,
    "subscriptions.unsubscribe_page": 404,
}


def test_no_page_title_is_empty_or_carries_markup(every_page, factory):
    app, by_role, values = every_page
    problems, pages = [], 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS or "GET" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        missing = [a for a in rule.arguments if a not in values]
        assert not missing, f"{rule.rule}: no sample value for {missing}"
        for arg in rule.arguments:
            assert isinstance(rule._converters[arg], IntegerConverter) == isinstance(values[arg], int), arg
        url = rule.build({a: values[a] for a in rule.arguments})[1]
        level = app.view_functions[rule.endpoint].access_level
        resp = by_role[ROLE_FOR_LEVEL[level]].get(url)
        if resp.mimetype != "text/html":
            continue  # downloads and JSON have no title
        if 300 <= resp.status_code < 400:  # a short link, not a page (but never a refusal)
            assert "/login" not in resp.headers["Location"], url
            continue
        expected = 404 if rule.endpoint in PENDING else REFUSED_BY_DESIGN.get(rule.endpoint, 200)
        assert resp.status_code == expected, f"{url} → {resp.status_code}"
        problem = _title_problem(resp)
        if problem:
            problems.append(f"{url}: {problem}")
        pages += 1
    # The published feedback report too (a concluded draft).
    concluded = factory.draft("closed")
    factory.comment(concluded, status="published")
    end_read()
    publish_feedback(None, CLI, concluded.slug)
    article = concluded.current_version.texts[0].article_id
    for path in ("", f"/articles/{article}", "/general"):
        resp = by_role["anonymous"].get(f"/drafts/{concluded.slug}/feedback{path}")
        assert resp.status_code == 200, path
        if problem := _title_problem(resp):
            problems.append(f"/drafts/{concluded.slug}/feedback{path}: {problem}")
    # A subscription's confirmation and unsubscribe pages, with the links its messages carry.
    resp = by_role["anonymous"].post("/api/v1/subscriptions", json={"email": "title@example.cn"})
    assert resp.status_code == 202
    subscription = db.session.scalar(db.select(Subscription))
    end_read()
    for purpose, path in ((tokens.CONFIRM, "confirm"), (tokens.UNSUBSCRIBE, "unsubscribe")):
        url = f"/subscriptions/{path}/{tokens.make(purpose, subscription)}"
        resp = by_role["anonymous"].get(url)
        assert resp.status_code == 200, url
        if problem := _title_problem(resp):
            problems.append(f"{url}: {problem}")
    assert problems == []
    assert pages >= 35  # every HTML page of the site was looked at
