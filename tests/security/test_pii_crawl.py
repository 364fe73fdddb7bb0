"""No contact detail is ever public (issue 14): pages, JSON, open data, the feedback report, logs, index.

Comments carry a mobile, a landline, an e-mail address and an ID number (valid check digit) in the
contact field, each through a door that takes it (the public API, the staff entry form's operation, an
intake spreadsheet, and a row written directly for the ID number, which no door accepts as a contact).
Then every public page and JSON answer is crawled anonymously, the concluded draft's open data and
feedback report read, and the request log and the Whoosh index files searched for any of them. A
receipt code shows only on its own receipt page.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import date
from urllib.parse import quote

import pytest
from openpyxl import Workbook

from consult.comments.decisions import decide
from consult.comments.moderation import enter_offline_comment, moderate_comment
from consult.context import CLI
from consult.db import end_read
from consult.errors import REQUEST_LOGGER
from consult.extensions import db, limiter
from consult.feedback.publishing import publish_feedback
from consult.intake.importing import BatchRequest, import_batch
from consult.models import Comment
from consult.receipts import display, normalise
from consult.web.request_log import JsonLineFormatter
from tests.security.crawl import crawl, route_urls

MOBILE, LANDLINE, EMAIL, ID_NUMBER = "13812345678", "0571-88889999", "li.si@example.com", "11010519491231002X"
# Each as typed and as stored (normalise_contact drops the landline's dash).
CONTACT_FORMS = [MOBILE, LANDLINE, "057188889999", "88889999", EMAIL, "li.si%40example.com", ID_NUMBER]
SEARCH_TERM = "开放时间"
BODY = "建议延长图书馆开放时间，方便上班族。"


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for r, values in enumerate([["条款", "意见内容", "提出人", "联系方式"], *rows], start=1):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value).data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Lines(logging.Handler):
    """The request log's lines, formatted as the operator's log gets them."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonLineFormatter())
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def request_log():
    logger = logging.getLogger(REQUEST_LOGGER)
    handler = Lines()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def app(make_app, tmp_path):
    """The app the factory and login_as use too (it replaces conftest's): the index follows each commit."""
    app = make_app(
        COMMENT_RATE_LIMIT="100000 per minute",
        COMMENT_REFUSAL_LIMIT="100000 per minute",
        RECEIPT_LOOKUP_LIMIT="100000 per minute",
        SEARCH_BACKEND="whoosh",
        SEARCH_DRAIN_INLINE=True,
        SEARCH_INDEX_DIR=str(tmp_path / "pii-index"),
    )
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()


def plant(app, factory, login_as) -> dict:
    """Contacts on comments of an open and of a concluded draft, through each door that takes one."""
    staff = login_as("staff")
    operator = login_as("contact_point")
    open_draft = factory.draft("open")
    concluded = factory.draft("closed")
    citizen = app.test_client()
    codes: list[str] = []
    for contact in (MOBILE, LANDLINE, EMAIL):
        resp = citizen.post(
            f"/api/v1/drafts/{open_draft.slug}/comments",
            json={
                "body": f"{BODY}{contact[:3]}",
                "author_name": "李四",
                "contact": contact,
                "notify": "@" in contact,
            },
        )
        assert resp.status_code == 201, resp.get_json()
        codes.append(normalise(resp.get_json()["receipt_code"]))
    end_read()
    for code in codes:
        comment_id = db.session.scalar(db.select(Comment.id).where(Comment.receipt_code == code))
        end_read()
        moderate_comment(staff.user, CLI, comment_id, "publish")
        end_read()
    for contact in (MOBILE, LANDLINE, EMAIL):
        entered = enter_offline_comment(
            staff.user, CLI, open_draft.slug, f"{BODY}来信{contact[:3]}", "letter", None, "王五", contact
        )
        codes.append(entered.receipt_code)
        end_read()
    raw = factory.comment(
        open_draft, f"{BODY}身份证", status="published", contact=ID_NUMBER, author_name="赵六"
    )
    codes.append(raw.receipt_code)
    end_read()
    outcome = import_batch(
        operator.user,
        CLI,
        BatchRequest(
            draft=open_draft.slug,
            filename="意见.xlsx",
            data=_xlsx([["第一条", f"{BODY}座谈会{c[:3]}", "钱七", c] for c in (MOBILE, LANDLINE, EMAIL)]),
            meeting_date=date(2026, 11, 20),
            meeting_place="街道办事处",
            method="forum",
            participants=12,
            collector="信息员",
        ),
    )
    assert outcome.rows_imported == 3
    end_read()
    # The concluded draft: every kind of contact on published, decided comments; its feedback published.
    closed_comments = [
        factory.comment(
            concluded, f"{BODY}{n}", status="published", contact=c, author_name="孙八", notify=True
        )
        for n, c in enumerate((MOBILE, LANDLINE.replace("-", ""), EMAIL, ID_NUMBER))
    ]
    for c in closed_comments:
        end_read()
        decide(staff.user, CLI, [c.id], "adopted", "已吸收。")
        codes.append(c.receipt_code)
    end_read()
    publish_feedback(staff.user, CLI, concluded.slug)
    end_read()
    every = db.session.scalars(db.select(Comment.receipt_code)).all()
    end_read()
    return {"open": open_draft, "concluded": concluded, "codes": sorted(set(every) | set(codes))}


def _leaks(where: str, text: str, codes: list[str], own_code: str | None = None) -> list[str]:
    found = [f"{where}: contact {c}" for c in CONTACT_FORMS if c.lower() in text.lower()]
    for code in codes:
        if code == own_code:
            continue
        if code in text or display(code) in text:
            found.append(f"{where}: receipt code {code}")
    return found


def _own_code(url: str, codes: list[str]) -> str | None:
    """The code whose own receipt page (HTML or JSON, or the look-up that leads to it) this is."""
    for code in codes:
        for form in (code, display(code)):
            own = (f"/receipts/{form}", f"/r/{form}", f"/receipts/{quote(form)}", f"?code={quote(form)}")
            if url.rstrip("/").endswith(own):
                return code
    return None


def test_no_contact_and_no_receipt_code_on_any_public_page_json_or_file(app, factory, login_as, request_log):
    planted = plant(app, factory, login_as)
    codes = planted["codes"]
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions.get(rule.endpoint), "access_level", None) == "public"
    }
    values = {
        "slug": [planted["open"].slug, planted["concluded"].slug],
        "article_id": [
            planted["open"].current_version.texts[0].article_id,
            planted["concluded"].current_version.texts[0].article_id,
        ],
        "code": [codes[0], display(codes[1])],
    }
    start = [url for url in route_urls(app, values) if app.url_map.bind("localhost").match(url)[0] in public]
    start += [f"/search?q={quote(SEARCH_TERM)}", f"/api/v1/search?q={quote(SEARCH_TERM)}"]
    start += [f"/receipts?code={quote(display(codes[2]))}"]
    anonymous = app.test_client()
    problems: list[str] = []
    asked = 0
    files = 0
    for url, resp in crawl(anonymous, start, depth=1, limit=1500):
        assert resp.status_code < 500, url
        asked += 1
        own = _own_code(url, codes)
        if resp.mimetype == "application/zip":
            archive = zipfile.ZipFile(io.BytesIO(resp.data))
            for name in archive.namelist():
                files += 1
                problems += _leaks(f"{url}!{name}", archive.read(name).decode("utf-8", "replace"), codes)
        else:
            problems += _leaks(url, resp.get_data(as_text=True), codes, own)
        problems += _leaks(f"{url} headers", str(resp.headers), codes, own)
    # The concluded draft's open data and feedback report were among them, and the crawl walked far.
    slug = planted["concluded"].slug
    report = anonymous.get(f"/api/v1/drafts/{slug}/feedback")
    assert report.status_code == 200 and json.dumps(report.get_json(), ensure_ascii=False).count(BODY) >= 4
    assert anonymous.get(f"/drafts/{slug}/feedback").status_code == 200
    assert anonymous.get(f"/api/v1/drafts/{slug}/open-data").status_code == 200
    assert files >= 2, "the open-data ZIP was not read"
    assert asked > 30, asked
    # The receipt pages themselves do show their own code (so the check above can see one).
    assert display(codes[0]) in anonymous.get(f"/receipts/{display(codes[0])}").get_data(as_text=True)
    assert problems == [], "\n".join(problems)

    # The request log: one line per request, naming routes, never a code, a search term or a contact.
    assert len(request_log) >= asked
    log_text = "\n".join(request_log)
    problems = _leaks("request log", log_text, codes)
    if SEARCH_TERM in log_text or quote(SEARCH_TERM) in log_text:
        problems.append(f"request log: the search term {SEARCH_TERM}")
    assert problems == [], "\n".join(problems)
    assert '"route":"/receipts/<code>"' in log_text  # the receipt pages were logged, by their rule


def test_the_search_index_files_hold_no_contact(app, factory, login_as):
    plant(app, factory, login_as)
    folder = app.config["SEARCH_INDEX_DIR"]
    from pathlib import Path

    paths = [p for p in Path(folder).rglob("*") if p.is_file()]
    data = b"".join(p.read_bytes() for p in paths)
    # The index did take the comments in (their words are there, so the check can see a leak).
    assert anonymous_hits(app) >= 4
    assert "延长".encode() in data or "图书馆".encode() in data, [p.name for p in paths]
    leaks = [c for c in CONTACT_FORMS if c.encode() in data or c.upper().encode() in data]
    assert leaks == [], leaks


def anonymous_hits(app) -> int:
    resp = app.test_client().get(f"/api/v1/search?q={quote('图书馆')}")
    assert resp.status_code == 200
    body = resp.get_json()
    return body.get("total") or len(body.get("items") or body.get("results") or [])
