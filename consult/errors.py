"""Domain errors, and how each door answers them: JSON error shape, HTML page, CLI exit."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from consult.i18n import _, _l

F = TypeVar("F", bound=Callable[..., Any])

# The request log (consult/web/request_log.py) gives each request its id (g.request_id) and writes this
# logger's records, crashes included, as JSON lines.
REQUEST_LOGGER = "consult.request"


class DomainError(Exception):
    """A rule said no. Carries a Chinese message, an error code, a status and per-field messages."""

    code = "conflict"
    status = 409

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationError(DomainError):
    """The input is malformed or breaks a rule; `fields` names what and where."""

    code = "validation_error"
    status = 400


class NotFound(DomainError):
    """The thing asked for does not exist (or is not public)."""

    code = "not_found"
    status = 404


class Forbidden(DomainError):
    """The actor may not do this."""

    code = "forbidden"
    status = 403


class Conflict(DomainError):
    """The change collides with the current state (e.g. someone else changed it first)."""

    code = "conflict"
    status = 409


class ConsultationClosed(Conflict):
    """The consultation is not open for comments."""

    code = "consultation_closed"


class RateLimited(DomainError):
    """Too many requests from one address."""

    code = "rate_limited"
    status = 429


class IdempotencyKeyReused(DomainError):
    """A submission key already answered a different submission."""

    code = "idempotency_key_reused"
    status = 422

    def __init__(self, message: str, fields: dict[str, str] | None = None, first_receipt: str = ""):
        super().__init__(message, fields)
        self.first_receipt = first_receipt


class UnsupportedMediaType(DomainError):
    """The request body is not of a type this endpoint accepts."""

    code = "unsupported_media_type"
    status = 415


# What became of a write that met a lost connection: not saved, or not known (lost during COMMIT).
NOT_SAVED = "not_saved"
OUTCOME_UNKNOWN = "unknown"
SAVED = "saved"  # committed, and the connection was lost afterwards (drawing the answer)
COMMITTED = "consult_committed"  # g's flag: a write_transaction of this request committed
RETRY_AFTER_SECONDS = 5


class ServiceUnavailable(DomainError):
    """The database connection was lost or refused: 503, retry in a few seconds. `outcome` (None for a
    read, NOT_SAVED, OUTCOME_UNKNOWN, SAVED) is what became of a write; the message says it honestly."""

    code = "service_unavailable"
    status = 503

    def __init__(self, outcome: str | None = None):
        super().__init__(unavailable_message(outcome))
        self.outcome = outcome


# A lost connection: PostgreSQL's SQLSTATE class 08, or 57P01-03 (terminated by an administrator, crash
# shutdown, starting up or shutting down); else the driver's words (it saw the socket close, or could not
# connect; SQLite's "unable to open database file").
LOST_SQLSTATES = ("57P01", "57P02", "57P03")
LOST_MESSAGES = re.compile(
    "server closed the connection unexpectedly|terminating connection due to administrator command"
    "|connection refused|the connection is (closed|lost)|connection is bad|consuming input failed"
    "|could not connect to server|connection timeout expired|ssl connection has been closed unexpectedly"
    "|no connection to the server|the database system is|unable to open database file",
    re.IGNORECASE,
)


def connection_lost(err: BaseException) -> bool:
    """Whether a database error means the connection was lost or refused (not a bad statement)."""
    if not isinstance(err, DBAPIError):
        return False
    if err.connection_invalidated:
        return True
    sqlstate = getattr(err.orig, "sqlstate", None) or ""
    if sqlstate.startswith("08") or sqlstate in LOST_SQLSTATES:
        return True
    return LOST_MESSAGES.search(str(err.orig)) is not None


def unavailable_message(outcome: str | None) -> str:
    """The Chinese message of a 503 for a lost database connection, honest about a write's fate."""
    busy = _("服务暂时繁忙，请稍后再试（数据库连接中断）。")
    if outcome == NOT_SAVED:
        return busy + _("您提交的内容未能保存，请稍后重新提交。")
    if outcome == OUTCOME_UNKNOWN:
        return busy + _(
            "连接在保存的最后一步中断，无法确定您提交的内容是否已经保存。请稍后查询确认，或原样重新提交："
            "意见表和带相同 Idempotency-Key 的请求不会重复保存，已保存的将给出原来的回执码。"
        )
    if outcome == SAVED:
        return busy + _("您提交的内容已经保存，只是结果未能显示，请稍后刷新页面查看。")
    return busy


# HTTP status → (JSON code, Chinese title shown on the page and in the JSON message).
HTTP_ERRORS: dict[int, tuple[str, Any]] = {
    400: ("validation_error", _l("请求有误")),
    401: ("unauthorized", _l("请先登录")),
    403: ("forbidden", _l("没有访问权限")),
    404: ("not_found", _l("页面不存在")),
    405: ("method_not_allowed", _l("不支持该请求方式")),
    409: ("conflict", _l("操作冲突")),
    413: ("payload_too_large", _l("提交的内容过大")),
    415: ("unsupported_media_type", _l("不支持的内容类型")),
    429: ("rate_limited", _l("操作过于频繁")),
    500: ("internal_error", _l("服务器内部错误")),
    503: ("service_unavailable", _l("服务暂时不可用")),
}

EXPLANATIONS: dict[int, Any] = {
    400: _l("您提交的请求无法处理，请检查后重试。"),
    401: _l("请登录后再访问此页面。"),
    403: _l("您的账号无权访问此页面。如需权限，请联系平台管理员。"),
    404: _l("您要找的页面不存在，可能已被移除，或链接有误。"),
    405: _l("此页面不接受这种请求方式。"),
    409: _l("该操作与当前状态冲突，请刷新页面后重试。"),
    413: _l("提交的内容或文件超过了大小限制，请精简后重试。"),
    415: _l("请求的内容类型不受支持。"),
    429: _l("您的操作过于频繁，请稍后再试。您填写的内容不会丢失。"),
    500: _l("服务器出现了意外错误，我们已记录此问题。请稍后再试。"),
    503: _l("服务暂时繁忙，请过几秒钟再试。您填写的内容不会丢失：回到刚才的页面即可重新提交。"),
}


def wants_json() -> bool:
    """API paths always answer JSON."""
    return request.path.startswith("/api/")


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The one JSON error shape of CONTRACT.md."""
    err: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        err["fields"] = {k: str(v) for k, v in fields.items()}
    return {"error": err}


def _answer(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    request_id: str | None = None,
):
    # The JSON shape stays the contract's (and the OpenAPI document's): programs read the X-Request-Id
    # header that every answer carries. The page shows the id to the person, who can quote it.
    if wants_json():
        return jsonify(error_body(code, message, fields)), status
    title = str(HTTP_ERRORS.get(status, HTTP_ERRORS[500])[1])
    explanation = str(EXPLANATIONS.get(status, EXPLANATIONS[500]))
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title,
            message=message,
            explanation=explanation,
            request_id=request_id,
        ),
        status,
    )


def request_fields() -> dict[str, Any]:
    """What a log line may say about the request: method, the route's rule and endpoint, never the path.

    The path holds receipt codes (/receipts/<code>) and the query string search terms.
    """
    rule = request.url_rule
    return {
        "method": request.method,
        "route": rule.rule if rule is not None else None,
        "endpoint": request.endpoint,
    }


def log_crash(err: BaseException) -> str | None:
    """Log an unhandled error's traceback with the request's id and route; return the id for the page."""
    request_id = g.get("request_id")
    logging.getLogger(REQUEST_LOGGER).error(
        "unhandled error",
        exc_info=(type(err), err, err.__traceback__),
        extra={"request_id": request_id, **request_fields(), "error": type(err).__name__},
    )
    return request_id


def unavailable_body(err: ServiceUnavailable, request_id: str | None) -> Any:
    """The 503's body: the JSON error shape, or the Chinese page (a plain one if even that needs the
    database, e.g. to show who is signed in); after a POST the page leads back to where it came from."""
    # The session's transaction died with its connection: end it, or the page's own reads would fail on
    # it. Through app.extensions: this base module imports no other part of consult.
    sqlalchemy = current_app.extensions.get("sqlalchemy")
    if sqlalchemy is not None:
        with contextlib.suppress(DBAPIError):  # the connection is gone already; the pool replaces it
            sqlalchemy.session.rollback()
    if wants_json():
        return jsonify(error_body(err.code, err.message))
    title = str(HTTP_ERRORS[503][1])
    back = _local_referrer() if request.method == "POST" else None
    try:
        return render_template(
            "errors/error.html",
            status=503,
            title=title,
            message=err.message,
            explanation=str(EXPLANATIONS[503]) if back else _("请过几秒钟再刷新页面。"),
            request_id=request_id,
            back=back,
            back_label=_("回到刚才的页面"),
        )
    except DBAPIError as again:
        if not connection_lost(again):
            raise
        page = current_app.jinja_env.get_template("errors/unavailable.html")  # no context processors
        return page.render(title=title, message=err.message, request_id=request_id)


def _local_referrer() -> str | None:
    """The page of this site the request came from (its path and query), when the Referer says so."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc not in ("", request.host) or not parts.path.startswith("/") or parts.path[1:2] == "/":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def refuse_nul_characters() -> None:
    """No text we store may hold a NUL character (PostgreSQL refuses them): answer 400, not 500."""
    if "\x00" in request.path or (request.query_string and any("\x00" in v for v in request.args.values())):
        raise ValidationError(_("请求中含有无效字符"))
    if request.method in ("GET", "HEAD") and not (
        request.environ.get("CONTENT_LENGTH") and request.content_length
    ):
        # No body to look at (the common case: a page view). The environ first: werkzeug's lookup of a
        # missing header raises and catches an error.
        return
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and any(
        "\x00" in v for v in request.form.values()
    ):
        raise ValidationError(_("提交的内容中含有无效字符"))
    if request.mimetype == "multipart/form-data" and any(
        "\x00" in (upload.filename or "") for upload in request.files.values()
    ):
        raise ValidationError(_("文件名中含有无效字符"))


KiB = 1024
# What a request body may weigh unless its view declares more with @body_limit: forms and JSON of the
# public (a 5,000-character opinion is 15 KB in UTF-8, so 256 KiB leaves room for markup that is
# stripped). Larger bodies are refused with 413 before a byte of them is parsed or cleaned.
BODY_MAX_DEFAULT = 256 * KiB
STAFF_JSON_BODY_MAX = 1024 * KiB


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Declare the largest request body a view accepts (put it right below the route decorator)."""

    def mark(view: F) -> F:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def limit_request_body() -> None:
    """Set this request's body limit from its view's @body_limit (or the default), under the app's.

    MAX_CONTENT_LENGTH stays the ceiling for every route; a body past the limit is 413 in the door's shape.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    declared = getattr(view, "max_body_bytes", BODY_MAX_DEFAULT)
    ceiling = current_app.config.get("MAX_CONTENT_LENGTH")
    request.max_content_length = min(declared, ceiling) if ceiling else declared


def init_error_handlers(app: Flask) -> None:
    """Register handlers for domain errors, CSRF failures, HTTP errors and crashes."""
    # First of all before-request hooks: CSRF protection (registered earlier, with the extensions) reads
    # the form, and the body limit must be in place before anything reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request_body)
    app.before_request(refuse_nul_characters)

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        if isinstance(err, ServiceUnavailable):
            return _unavailable(err)
        return _answer(err.status, err.code, err.message, err.fields)

    @app.errorhandler(DBAPIError)
    def _database(err: DBAPIError):
        # A lost or refused connection is the database's state, not a bug: 503, retry shortly (the pool
        # pings and reconnects). Any other database error is a crash like every other.
        if not connection_lost(err):
            return _crash(err)
        # Outside write_transaction (which says itself): a write request that committed nothing saved nothing.
        outcome = None if request.method in ("GET", "HEAD", "OPTIONS") else NOT_SAVED
        return _unavailable(ServiceUnavailable(SAVED if g.get(COMMITTED) else outcome), cause=err)

    @app.after_request
    def _retry_after(response: Response) -> Response:
        # Every 503 says when to try again, also where a view answered it with its own page (a form shown
        # again with the text and the ServiceUnavailable message).
        if response.status_code == 503:
            response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        return response

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        app.logger.info("CSRF failed: %s", err.description)
        return _answer(400, "csrf_failed", _("页面已过期或安全校验失败，请刷新页面后重新提交。"))

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        code, title = HTTP_ERRORS.get(status, ("internal_error" if status >= 500 else "validation_error", ""))
        request_id = g.get("request_id") if status >= 500 else None  # a 503 is worth quoting too
        response = _answer(
            status, code, str(title) if title else (err.description or ""), request_id=request_id
        )
        if status == 405 and err.get_response().headers.get("Allow"):
            body, st = response
            resp = app.make_response((body, st))
            resp.headers["Allow"] = err.get_response().headers["Allow"]
            return resp
        return response

    def _unavailable(err: ServiceUnavailable, cause: BaseException | None = None):
        # One warning line, no traceback: the database's state, not a bug.
        request_id, lost = g.get("request_id"), cause or err.__cause__ or err
        error = f"{type(lost).__name__}, write {err.outcome}" if err.outcome else type(lost).__name__
        logging.getLogger(REQUEST_LOGGER).warning(
            "database unavailable", extra={"request_id": request_id, **request_fields(), "error": error}
        )
        response = app.make_response((unavailable_body(err, request_id), 503))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def _crash(err: Exception):
        request_id = log_crash(err)
        code, title = HTTP_ERRORS[500]
        return _answer(500, code, str(title), request_id=request_id)
