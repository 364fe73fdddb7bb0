"""Friendly Chinese error pages for people; the one JSON error shape under /api/."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import abort

from consult.errors import ConsultationClosed, ValidationError
from consult.extensions import csrf

STATUSES = [400, 403, 404, 405, 409, 413, 429, 500]
CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}


@pytest.fixture
def err_app(make_app):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom/<int:status>")
    def boom(status):  # a test-only route
        if status == 500:
            raise RuntimeError("unexpected")
        abort(status)

    @app.get("/api/v1/boom/<int:status>")
    def api_boom(status):
        if status == 500:
            raise RuntimeError("unexpected")
        abort(status)

    @app.get("/api/v1/rule")
    def api_rule():
        raise ValidationError("意见内容不能为空", {"body": "请填写意见内容"})

    @app.get("/rule-closed")
    def closed():
        raise ConsultationClosed("本草案的征求意见已于11月1日截止")

    with app.app_context():
        yield app


@pytest.mark.parametrize("status", STATUSES)
def test_html_error_pages_are_chinese_and_keep_the_layout(err_app, status):
    resp = err_app.test_client().get(f"/boom/{status}")
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    page = BeautifulSoup(resp.data, "html.parser")
    assert page.select_one(".error-status").get_text(strip=True) == str(status)
    heading = page.select_one(".error-page h1").get_text(strip=True)
    assert heading and all("\u4e00" <= ch <= "\u9fff" for ch in heading)
    assert page.select_one('meta[name="csrf-token"]') is not None
    assert page.select_one(".error-page a.button")["href"] == "/"


@pytest.mark.parametrize("status", [*STATUSES, 401, 415])
def test_api_errors_have_the_one_json_shape(err_app, status):
    resp = err_app.test_client().get(f"/api/v1/boom/{status}")
    assert resp.status_code == status
    body = resp.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == CODES[status]
    assert body["error"]["message"]


def test_unknown_api_path_and_wrong_method(err_app):
    c = err_app.test_client()
    assert c.get("/api/v1/no-such-thing").get_json()["error"]["code"] == "not_found"
    resp = c.delete("/api/v1/drafts")
    assert resp.status_code == 405
    assert resp.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


def test_domain_errors_become_the_shape_with_fields(err_app):
    resp = err_app.test_client().get("/api/v1/rule")
    assert resp.status_code == 400
    assert resp.get_json() == {
        "error": {
            "code": "validation_error",
            "message": "意见内容不能为空",
            "fields": {"body": "请填写意见内容"},
        }
    }


def test_a_closed_consultation_is_a_409_page_with_its_message(err_app):
    resp = err_app.test_client().get("/rule-closed")
    assert resp.status_code == 409
    assert "本草案的征求意见已于11月1日截止" in resp.get_data(as_text=True)


def test_a_body_over_max_content_length_is_413_in_the_shape(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)

    @app.post("/api/v1/echo")
    @csrf.exempt
    def echo():  # a test-only route that reads the body
        from flask import request

        return {"n": len(request.get_data())}

    with app.app_context():
        c = app.test_client()
        assert c.post("/api/v1/echo", data=b"x" * 512, content_type="application/json").get_json() == {
            "n": 512
        }
        resp = c.post("/api/v1/echo", data=b"x" * 4096, content_type="application/json")
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"


def test_a_missing_csrf_token_is_400_csrf_failed(app):
    resp = app.test_client().post("/login", data={"username": "a", "password": "b"})
    assert resp.status_code == 400
    assert "页面已过期" in resp.get_data(as_text=True)
