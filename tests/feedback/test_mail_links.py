"""Links in feedback mail and SMS are built from the app's routes (url_for) on the public address:
every link resolves to a route, a renamed route is followed, SERVER_NAME wins when set, and the
plain-text templates keep what people typed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import Rule

from consult.feedback import mail, sms

PUBLIC = "https://yijian.example.cn"
WHEN = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
CODE = "5861000880049"
LINK = re.compile(r"https?://[^\s<>]+")


def comment_notice(**kw) -> mail.CommentNotice:
    values = {
        "to": "li@example.cn",
        "draft_title": "本市公园管理条例（草案）",
        "draft_slug": "gongyuan",
        "receipt_code": CODE,
        "submitted_at": WHEN,
        "article_label": "第一条",
        "status": "published",
        "moderation_reason": None,
        "outcome": "not_adopted",
        "reason": "罚款<5000元 & 以上，另有规定。",
        "publication_number": 2,
        "published_at": WHEN,
        "revision_note": "更正<一条>意见",
        "changed": True,
    }
    return mail.CommentNotice(**{**values, **kw})


def point_notice() -> mail.PointNotice:
    batches = [
        mail.BatchLine(7, date(2026, 11, 3), "东关街道会议室", "东关.xlsx", WHEN, 2, {"adopted": 1}, 1, 0),
        mail.BatchLine(None, None, None, "", None, 1, {}, 0, 1),
    ]
    return mail.PointNotice(
        "p@example.cn", "东关街道基层立法联系点", "本市公园管理条例", "gongyuan", 1, WHEN, "", batches
    )


def links_of(message) -> list[str]:
    found = LINK.findall(message.get_content())
    if message["List-Unsubscribe"]:
        found += LINK.findall(message["List-Unsubscribe"])
    return found


def endpoints(app, links: list[str], host: str = "yijian.example.cn", root: str = "") -> set[str]:
    """The endpoint each link resolves to (NotFound if one resolves to nothing)."""
    adapter = app.url_map.bind(host, script_name=root or "/", url_scheme="https")
    result = set()
    for link in links:
        parts = urlsplit(link)
        assert parts.netloc == host, link
        assert parts.path.startswith(root), link
        endpoint, _values = adapter.match(parts.path[len(root) :] or "/", method="GET")
        result.add(endpoint)
    return result


@pytest.fixture
def mail_app(make_app):
    app = make_app(PUBLIC_BASE_URL=PUBLIC)
    with app.app_context():
        yield app


def test_every_link_in_a_composed_mail_resolves_to_a_route(mail_app):
    message = mail.comment_message(1, comment_notice())
    links = links_of(message)
    assert len(links) == 4
    assert endpoints(mail_app, links) == {"public.receipt_page", "feedback.feedback_page"}
    assert f"{PUBLIC}/receipts/5861-000-880-049#notifications" in links
    point = mail.point_message(2, point_notice())
    assert endpoints(mail_app, links_of(point)) == {"intake.batch", "feedback.feedback_page"}
    text = sms.sms_text("本市人大", PUBLIC, CODE)
    assert endpoints(mail_app, LINK.findall(text)) == {"public.short_receipt"}


def test_text_templates_keep_what_people_typed(mail_app):
    body = mail.comment_message(1, comment_notice()).get_content()
    assert "理由：罚款<5000元 & 以上，另有规定。" in body  # autoescape is off for .txt
    assert "修订说明：更正<一条>意见" in body
    assert "&lt;" not in body and "&amp;" not in body
    assert body.endswith("\n") and not body.endswith("\n\n")


def _rename(app, endpoint: str, rule: str) -> None:
    """Move a route to a new address, as an edit of its @bp.get(...) would: the new rule builds first."""
    app.url_map.add(Rule(rule, endpoint=endpoint, methods=["GET"]))
    rules = app.url_map._rules_by_endpoint[endpoint]  # werkzeug builds with the first suitable rule
    rules.insert(0, rules.pop())


def test_a_renamed_route_is_followed_by_mail_and_sms(mail_app):
    _rename(mail_app, "public.receipt_page", "/huizhi/<code>")
    _rename(mail_app, "feedback.feedback_page", "/caoan/<slug>/fankui")
    _rename(mail_app, "intake.batch", "/daoru/pici/<int:batch_id>")
    _rename(mail_app, "public.short_receipt", "/h/<code>")
    body = mail.comment_message(1, comment_notice()).get_content()
    assert f"{PUBLIC}/huizhi/5861-000-880-049" in body and "/receipts/" not in body
    assert f"{PUBLIC}/caoan/gongyuan/fankui" in body
    point = mail.point_message(2, point_notice()).get_content()
    assert f"{PUBLIC}/daoru/pici/7" in point and "/intake/batches/" not in point
    text = sms.sms_text("本市人大", PUBLIC, CODE)
    assert text.endswith(f"{PUBLIC}/h/{CODE}")


def test_server_name_wins_and_a_path_prefix_is_kept(make_app):
    app = make_app(PUBLIC_BASE_URL=PUBLIC, SERVER_NAME="rd.example.gov.cn", PREFERRED_URL_SCHEME="https")
    with app.app_context():
        links = links_of(mail.comment_message(1, comment_notice()))
        assert endpoints(app, links, host="rd.example.gov.cn") == {
            "public.receipt_page",
            "feedback.feedback_page",
        }
    app = make_app(PUBLIC_BASE_URL="https://example.cn/consult/")
    with app.app_context():
        links = links_of(mail.comment_message(1, comment_notice()))
        assert endpoints(app, links, host="example.cn", root="/consult") == {
            "public.receipt_page",
            "feedback.feedback_page",
        }


def test_a_mail_composed_inside_a_request_links_to_the_public_address(mail_app):
    with mail_app.test_request_context("/admin/", base_url="http://127.0.0.1:5000"):
        links = links_of(mail.comment_message(1, comment_notice()))
    assert links and all(link.startswith(f"{PUBLIC}/") for link in links)
