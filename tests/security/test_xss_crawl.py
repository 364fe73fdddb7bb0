"""No payload becomes markup anywhere (issue 14): an XSS corpus planted in every field a person can write,
then every page of the URL map, the pages they link to and the JSON API crawled as every role.

Each payload carries a marker of its own (zq00k, zq01k, …). The corpus goes in raw, as a row written
before any cleaning would hold it (the factory's direct inserts), and through the real operations and
HTTP doors, which clean it first. A page fails when an element or attribute came from a payload: a
<script> whose text holds a marker, an on* attribute holding one, a javascript:/data: URL holding one,
an <iframe>/<object>/<embed>/<svg>/<math>/<style>/<meta>/<base>/<link> holding one, or {{7*7}} rendered.
"""

from __future__ import annotations

import io
import re
import time
from datetime import date
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from openpyxl import Workbook

from consult.auth.operations import create_contact_point, create_token, update_user
from consult.comments.decisions import decide
from consult.comments.moderation import enter_offline_comment, moderate_comment
from consult.comments.review import add_note
from consult.context import CLI
from consult.db import end_read
from consult.drafts.operations import add_version
from consult.extensions import db, limiter
from consult.feedback.publishing import open_revision, publish_feedback
from consult.feedback.satisfaction import rate
from consult.intake.importing import BatchRequest, import_batch
from consult.models import Comment
from consult.receipts import normalise
from tests.conftest import csrf_token_from
from tests.factories import SAMPLE_TEXT
from tests.security.crawl import HTML, JSON, crawl, route_urls

# Every payload keeps within 40 characters with its marker, so it fits even a name field.
PAYLOADS = [
    "<script>alert('{m}')</script>",
    "\"><img src=x onerror=alert('{m}')>",
    "'><svg onload=alert('{m}')>",
    "<svg/onload=alert('{m}')>{m}",
    "javascript:alert('{m}')",
    "<a href=\"javascript:alert('{m}')\">{m}</a>",
    "JaVaScRiPt:alert('{m}')",
    " javascript:alert('{m}')",
    "{{{{7*7}}}}{m}",
    "{{% print 7*7 %}}{m}",
    "</textarea><script>alert('{m}')</script>",
    '" onmouseover="alert(\'{m}\')" x="',
    "' onfocus='alert(`{m}`)' autofocus='",
    "＜script＞alert('{m}')＜/script＞",
    "\\u003cscript\\u003ealert('{m}')",
    "[{m}](javascript:alert('{m}'))",
    "<p style=\"x:expression(alert('{m}'))\">{m}",
    "<iframe srcdoc=\"<script>alert('{m}')\">",
    '<a href="data:text/html,{m}">{m}</a>',
    "data:text/html,<script>alert('{m}')",
    "<object data=\"javascript:alert('{m}')\">",
    "<embed src=\"javascript:alert('{m}')\">{m}",
    "<body onload=alert('{m}')>{m}",
    "&lt;script&gt;alert('{m}')&lt;/script&gt;<b>",
    "<scr<script>ipt>alert('{m}')</script>",
    "<ScRiPt>alert('{m}')</sCrIpT>{m}",
    "<details open ontoggle=alert('{m}')>",
    "<input autofocus onfocus=alert('{m}')>",
    '<!--<img src="--><img src=x onerror={m}>',
    "</title><script>alert('{m}')</script>",
    "</script><script>alert('{m}')</script>",
    '<a href="&#106;avascript:{m}">{m}</a>',
    '<form action="javascript:{m}"><button>',
    '<button formaction="javascript:{m}">{m}',
    "<math><mtext><img src onerror={m}>",
    '<meta http-equiv=refresh content="0;{m}">',
    '<base href="javascript:{m}//">{m}',
    "<style>*{{x:url('{m}')}}</style>{m}",
]
CORPUS = [p.format(m=f"zq{i:02d}k") for i, p in enumerate(PAYLOADS)]
MARKERS = [f"zq{i:02d}k" for i in range(len(PAYLOADS))]
MARKER = re.compile(r"zq\d\dk")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "srcdoc", "data", "xlink:href", "content")
FOREIGN_ELEMENTS = ("iframe", "object", "embed", "svg", "math", "style", "meta", "base", "link", "frame")
ROLES = ("anonymous", "contact_point", "staff", "admin")
# The body of an article or a comment needs some words round a payload (at least five characters).
WORDS = "这是一条测试意见"


def _article_text(payloads: list[str]) -> str:
    lines = ["本市安全测试条例（草案）", "", "第一章　总则", ""]
    for n, payload in enumerate(payloads, start=1):
        lines += [f"第{n}条　{WORDS}{payload}", ""]
    return "\n".join(lines)


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for r, values in enumerate([["条款", "意见内容", "提出人", "同意公开姓名", "备注"], *rows], start=1):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value).data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _violations(url: str, resp) -> list[str]:
    """What in one answer came from a payload (an empty list when nothing did)."""
    found: list[str] = []
    where = f"{url} ({resp.status_code})"
    text = resp.get_data(as_text=True)
    for m in MARKERS:
        if f"49{m}" in text:
            found.append(f"{where}: template expression evaluated next to {m}")
    if resp.mimetype != HTML:
        return found
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(True):
        if tag.name == "script" and MARKER.search(tag.get_text()):
            found.append(f"{where}: <script> holding {MARKER.search(tag.get_text()).group()}")
        if tag.name in FOREIGN_ELEMENTS and MARKER.search(str(tag)):
            found.append(f"{where}: <{tag.name}> holding {MARKER.search(str(tag)).group()}")
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if not MARKER.search(value):
                continue
            if name.lower().startswith("on"):
                found.append(f"{where}: <{tag.name} {name}={value!r}>")
            squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name.lower() in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"{where}: <{tag.name} {name}={value!r}>")
            if name.lower() == "style":
                found.append(f"{where}: <{tag.name} style={value!r}>")
            if name.lower() in ("autofocus", "formaction", "srcdoc", "ontoggle"):
                found.append(f"{where}: <{tag.name} {name}> from a payload")
    return found


@pytest.fixture
def app(make_app):
    """The app the factory and login_as use too (it replaces conftest's), with room for many comments."""
    app = make_app(
        COMMENT_RATE_LIMIT="100000 per minute",
        COMMENT_REFUSAL_LIMIT="100000 per minute",
        RECEIPT_LOOKUP_LIMIT="100000 per minute",
    )
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()


def plant(app, factory, clients) -> dict[str, list]:
    """The corpus in every field a person can write; returns the values to fill URL arguments with."""
    staff, admin, operator = clients["staff"].user, clients["admin"].user, clients["contact_point"].user

    # Staff-authored drafts: a title, an explanatory note and articles of payloads, a version label.
    main = factory.draft(
        "open", text=_article_text(CORPUS), title=f"安全测试条例（草案）{CORPUS[1]}", summary="".join(CORPUS)
    )
    titled = [factory.draft("open", title=f"条例（草案）{p}", summary=p) for p in CORPUS]
    end_read()
    add_version(staff, CLI, titled[0].slug, _article_text(CORPUS[::-1]), label=CORPUS[2])
    for draft, payload in zip(titled[1:6], CORPUS[3:8], strict=True):
        add_version(
            staff, CLI, draft.slug, SAMPLE_TEXT.replace("本条例。", f"本条例。{payload}"), label=payload
        )

    # Comments as a row holds them before any cleaning: body, author, contact, masked copy, reason.
    raw = []
    for i, payload in enumerate(CORPUS):
        raw.append(
            factory.comment(
                main,
                f"{WORDS}{payload}",
                status=("published", "rejected", "pending")[i % 3],
                article_index=i % 4,
                author_name=payload,
                name_public=bool(i % 2),
                contact=payload,
                masked_body=f"{payload}{WORDS}" if i % 3 == 0 else None,
                moderation_reason=payload if i % 3 == 1 else None,
            )
        )
    # The same through the public API door (cleaned on the way in).
    citizen = app.test_client()
    codes = []
    for payload in CORPUS:
        resp = citizen.post(
            f"/api/v1/drafts/{main.slug}/comments",
            json={"body": f"{WORDS}{payload}", "author_name": payload[:50], "article_id": None},
        )
        assert resp.status_code == 201, resp.get_json()
        codes.append(resp.get_json()["receipt_code"])
    end_read()
    stored = [normalise(c) for c in codes]
    submitted = [c.id for c in Comment.query.filter(Comment.receipt_code.in_(stored)).order_by(Comment.id)]
    end_read()
    # Staff work: moderation reasons and masked copies, decisions, notes, assignments, offline entries.
    for i, (comment_id, payload) in enumerate(zip(submitted, CORPUS, strict=True)):
        end_read()
        if i % 2:
            moderate_comment(staff, CLI, comment_id, "reject", reason=f"理由{payload}")
        else:
            moderate_comment(staff, CLI, comment_id, "publish", masked_body=f"{WORDS}{payload}")
            end_read()
            decide(staff, CLI, [comment_id], "partially_adopted", f"理由{payload}")
        end_read()
        add_note(staff, CLI, f"备注{payload}", comment_id=comment_id)
        end_read()
        add_note(staff, CLI, f"条款备注{payload}", article_id=main.current_version.texts[i % 4].article_id)
    for payload in CORPUS:
        end_read()
        enter_offline_comment(staff, CLI, main.slug, f"{WORDS}{payload}", "letter", None, payload[:50], None)

    staff_token = csrf_token_from(clients["staff"].get("/admin/").data)
    # Accounts: display names, token names, contact-point names; assignment shows a display name.
    for i, payload in enumerate(CORPUS):
        end_read()
        point = create_contact_point(admin, CLI, f"xss-point-{i:02d}", f"联系点{payload}")
        user, _password = factory.user(
            "staff" if i % 2 else "contact_point", point=None if i % 2 else point.slug
        )
        end_read()
        update_user(
            admin, CLI, user.id, payload, user.role, point.slug if user.role == "contact_point" else None
        )
        end_read()
        create_token(admin, CLI, user.id, f"令牌{payload}")
        if user.role == "staff":  # through the door: the review page's form
            article_id = main.current_version.texts[i % 4].article_id
            for target in (f"comments/{raw[i].id}", f"articles/{article_id}"):
                resp = clients["staff"].post(
                    f"/admin/review/{main.slug}/{target}/assign",
                    data={"csrf_token": staff_token, "assignee": str(user.id)},
                )
                assert resp.status_code in (302, 303), resp.status_code
    end_read()
    create_token(admin, CLI, staff.id, f"令牌{CORPUS[0]}")

    # Intake: a row's body, name and note, the meeting's place and collector.
    batch_ids = []
    for i, payload in enumerate(CORPUS):
        end_read()
        outcome = import_batch(
            operator,
            CLI,
            BatchRequest(
                draft=main.slug,
                filename=f"意见{i}.xlsx",
                data=_xlsx([["第一条", f"{WORDS}{payload}{i}", payload[:50], "是", payload]]),
                meeting_date=date(2026, 11, 20),
                meeting_place=payload,
                method="forum",
                participants=12,
                collector=payload[:40],
            ),
        )
        batch_ids.append(outcome.batch_id)

    # A concluded draft with feedback published twice (revision note), and satisfaction remarks.
    closed = factory.draft("closed", title=f"已结束条例（草案）{CORPUS[3]}")
    closed_comments = [
        factory.comment(closed, f"{WORDS}{p}", status="published", author_name=p, name_public=True, contact=p)
        for p in CORPUS
    ]
    for c, payload in zip(closed_comments, CORPUS, strict=True):
        end_read()
        decide(staff, CLI, [c.id], "not_adopted", f"不予采纳{payload}")
    end_read()
    publish_feedback(staff, CLI, closed.slug)
    end_read()
    open_revision(staff, CLI, closed.slug)
    end_read()
    publish_feedback(staff, CLI, closed.slug, f"修订说明{''.join(CORPUS)}"[:2000])
    for c, payload in zip(closed_comments, CORPUS, strict=True):
        end_read()
        rate(CLI, closed.slug, c.receipt_code, 2, f"评价{payload}")
    end_read()

    drafts = [main.slug, closed.slug]
    articles = [main.current_version.texts[0].article_id, closed.current_version.texts[0].article_id]
    return {
        "slug": drafts,
        "article_id": articles,
        "comment_id": [raw[0].id, raw[1].id, submitted[0], submitted[1]],
        "code": [codes[0], closed_comments[0].receipt_code, raw[2].receipt_code],
        "point_id": [operator.contact_point_id, 2, 3],
        "user_id": [staff.id, operator.id, admin.id + 3],
        "token_id": [1, 2],
        "batch_id": batch_ids[:3],
        "stage": ["close-now", "publish"],
        "fmt": [],  # the exports are attachments (formula safety: tests/feedback/test_exports.py)
        "name": [],
    }


def test_no_payload_becomes_markup_on_any_page_as_any_role(app, factory, login_as):
    started = time.monotonic()
    clients = {role: login_as(role) for role in ("staff", "admin", "contact_point")}
    clients["anonymous"] = app.test_client()
    values = plant(app, factory, clients)
    planted = time.monotonic() - started

    pages = route_urls(app, values)
    # What a request carries is reflected on the page it gets back: search terms, a typed receipt code,
    # a path. Public pages read them alike for everyone, so they are asked once (anonymously); the
    # staff list's filter as staff.
    reflected = [f"/search?q={quote(p)}" for p in CORPUS]
    reflected += [f"/receipts?code={quote(p)}" for p in CORPUS]
    reflected += [f"/api/v1/search?q={quote(p)}" for p in CORPUS]
    reflected += [f"/drafts/{quote(p, safe='')}" for p in CORPUS[:8]]
    reflected += [f"/receipts/{quote(p, safe='')}" for p in CORPUS[:8]]
    extra = {"anonymous": reflected, "staff": [f"/admin/moderation?q={quote(p)}" for p in CORPUS]}

    problems: list[str] = []
    seen_markers: set[str] = set()
    asked: dict[str, int] = {}
    for role in ROLES:
        client = clients[role]
        for url, resp in crawl(client, pages + extra.get(role, []), depth=1, limit=1500):
            asked[role] = asked.get(role, 0) + 1
            assert resp.status_code < 500, f"{url} as {role}: {resp.status_code}"
            if url.startswith("/api/") and resp.status_code != 204:
                assert resp.mimetype == JSON, f"{url} as {role}: {resp.mimetype}"
            if resp.mimetype in (HTML, JSON):
                seen_markers.update(MARKER.findall(resp.get_data(as_text=True)))
                problems += [f"as {role}: {p}" for p in _violations(url, resp)]
    # The crawl saw the corpus (so the check above had something to find) and every role walked far.
    assert len(seen_markers) == len(CORPUS), sorted(set(MARKERS) - seen_markers)
    assert min(asked.values()) > 60, asked
    assert problems == [], "\n".join(problems[:50])
    print(f"planted in {planted:.1f}s, crawled {asked} in {time.monotonic() - started - planted:.1f}s")


def test_a_form_sent_back_with_errors_shows_the_payloads_as_text(app, factory, login_as):
    """The comment form and the new-draft preview re-render what was typed: as text, never as markup."""
    draft = factory.draft("open")
    citizen = app.test_client()
    staff = login_as("staff")
    problems: list[str] = []
    echoed: set[str] = set()
    for payload in CORPUS:
        token = csrf_token_from(citizen.get(f"/drafts/{draft.slug}").data)
        # A contact that is neither a phone number nor an e-mail address is refused: the form comes back.
        resp = citizen.post(
            f"/drafts/{draft.slug}/comments",
            data={
                "csrf_token": token,
                "body": f"{WORDS}{payload}",
                "author_name": payload,
                "contact": payload,
            },
        )
        assert resp.status_code in (200, 400, 422), resp.status_code
        echoed.update(MARKER.findall(resp.get_data(as_text=True)))
        problems += _violations("comment form", resp)
        token = csrf_token_from(staff.get("/admin/drafts/new").data)
        resp = staff.post(
            "/admin/drafts/new",
            data={
                "csrf_token": token,
                "action": "preview",
                "title": payload,
                "summary": payload,
                "text": _article_text([payload]),
                "slug": "",
            },
        )
        assert resp.status_code in (200, 400, 422), resp.status_code
        echoed.update(MARKER.findall(resp.get_data(as_text=True)))
        problems += _violations("new draft preview", resp)
    assert problems == [], "\n".join(problems)
    assert echoed == set(MARKERS), sorted(set(MARKERS) - echoed)  # what was typed did come back
