"""Public pages: home, draft, article, commenting, receipts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from consult.auth.access import commenting_account, public
from consult.clock import utcnow
from consult.comments.operations import CommentInput, submission_key, submit_comment
from consult.comments.queries import (
    latest_published_by_article,
    look_up_receipt,
    published_comments,
    published_counts,
)
from consult.context import RequestContext
from consult.drafts.queries import (
    article_in_draft,
    chapters,
    current_articles,
    public_draft,
)
from consult.errors import EXPLANATIONS, HTTP_ERRORS, DomainError, NotFound, ValidationError
from consult.extensions import db
from consult.feedback.queries import public_decisions
from consult.feedback.satisfaction import rating_for
from consult.i18n import _, data_text
from consult.models import Draft
from consult.models.comments import BODY_MAX
from consult.paging import PUBLIC_PAGE_MAX, decode_cursor, page_number
from consult.receipts import display, normalise
from consult.web import fragments
from consult.web.cache import cached_page
from consult.web.forms import CommentForm, check_form_token, csrf_checked_in_view, form_page
from consult.web.labels import stage_badge_key

bp = Blueprint("public", __name__)

ARTICLE_PREVIEW_COMMENTS = 3
COMMENTS_PER_PAGE = 20


def _listing_args() -> dict:
    """Where a list of published comments starts: ``?before=`` / ``?after=`` (the cursor links), else
    ``?page=`` up to PUBLIC_PAGE_MAX. A malformed cursor or page number reads as the newest page."""
    before = decode_cursor(request.args.get("before"))
    after = None if before else decode_cursor(request.args.get("after"))
    if before or after:
        return {"before": before, "after": after}
    return {"page": page_number(request.args.get("page"), maximum=PUBLIC_PAGE_MAX)}


@bp.get("/")
@public
@cached_page
def home():
    """Open consultations first, then upcoming, closed and concluded ones."""
    fragments.fix_generation()  # before the drafts are read
    now = utcnow()
    return fragments.kept_page(
        ("home", fragments.home_clock_key(now)),
        lambda: (render_template("public/home.html", list_html=fragments.home_list(now)), 200),
    )


def render_draft(
    draft: Draft,
    form: CommentForm | None = None,
    errors: dict | None = None,
    message: str | None = None,
    status: int = 200,
    now: datetime | None = None,
):
    """The draft page: note, contents by chapter, articles with counts and latest comments, general form.

    Everything but the form and the visitor's chrome comes from fragments shared by every visitor
    (consult/web/fragments.py), rendered again only when what they show changed.
    """
    now = now or utcnow()
    stage = draft.status_at(now)
    counts = fragments.by_generation(("counts", draft.id), lambda: published_counts(draft.id))
    listing = _listing_args()
    commenter = commenting_account()
    if commenter is not None and form is None:  # their own form, with their name: never a shared fragment
        form = CommentForm()
    return form_page(
        "public/draft.html",
        status,
        versions_count=fragments.by_generation(("versions", draft.id), lambda: len(draft.versions)),
        draft=draft,
        status=stage,
        total=sum(counts.values()),
        articles_html=fragments.by_generation(
            ("draft-articles", draft.id, stage), lambda: _draft_articles(draft, stage, counts)
        ),
        general_html=fragments.by_generation(
            ("draft-general", draft.id, tuple(sorted(listing.items()))),
            lambda: _general_comments(draft, counts, listing),
        ),
        commenter=commenter,
        form=form,  # None: the kept form_html stands for it (no CommentForm to build)
        form_html=None
        if form is not None
        else fragments.comment_form(
            ("general", draft.id, stage),
            lambda: render_template(
                "public/_comment_form.html",
                draft=draft,
                form=CommentForm(),
                label=_("对草案整体发表意见"),
                status=stage,
                text=None,
            ),
        ),
        errors=errors,
        message=message,
        now=now,
    )


def _draft_articles(draft: Draft, stage: str, counts: dict) -> Markup:
    """The contents and every article's block; a block whose content did not change is not rendered."""
    articles = current_articles(draft)
    with_comments = [t.article_id for t in articles if counts.get(t.article_id)]
    latest = (
        latest_published_by_article(with_comments, ARTICLE_PREVIEW_COMMENTS) if draft.show_comments else {}
    )
    decisions = public_decisions(db.session, draft, [c.id for items in latest.values() for c in items])
    words = fragments.labels()
    blocks = {
        t.article_id: fragments.article_block(
            draft, t, stage, counts.get(t.article_id, 0), latest.get(t.article_id, []), decisions, words
        )
        for t in articles
    }
    return fragments.render_shared("public/_draft_articles.html", chapters=chapters(articles), blocks=blocks)


def _general_comments(draft: Draft, counts: dict, listing: dict) -> Markup:
    """The published opinions on the draft as a whole, one page of them."""
    general = (
        published_comments(draft.id, general=True, per_page=COMMENTS_PER_PAGE, **listing)
        if draft.show_comments
        else None
    )
    return fragments.render_shared(
        "public/_general_comments.html",
        draft=draft,
        general=general,
        count=counts.get(None, 0),
        decisions=public_decisions(db.session, draft, [c.id for c in general.items] if general else []),
    )


def render_article(
    draft: Draft,
    article_id: int,
    form: CommentForm | None = None,
    errors: dict | None = None,
    message: str | None = None,
    status: int = 200,
    now: datetime | None = None,
):
    """One article with its published comments and its comment form: the link people share."""
    text, previous, following = fragments.by_generation(
        ("article-place", draft.id, article_id), lambda: _article_place(draft, article_id)
    )
    listing = _listing_args()
    now = now or utcnow()
    stage = draft.status_at(now)
    commenter = commenting_account()
    if commenter is not None and form is None:  # their own form, with their name: never a shared fragment
        form = CommentForm(article_id=str(article_id))
    form_html = (
        None
        if form is not None
        else fragments.comment_form(
            ("article", draft.id, stage, article_id),
            lambda: render_template(
                "public/_comment_form.html",
                draft=draft,
                form=CommentForm(article_id=str(article_id)),
                # The article's label is the draft's own text: marked lang="zh-CN" in an English sentence.
                label=Markup(_("您对%(label)s的意见", label=data_text(text.label))),
                status=stage,
                text=text,
            ),
        )
    )
    return form_page(
        "public/article.html",
        status,
        draft=draft,
        status=stage,
        text=text,
        previous=previous,
        following=following,
        comments_html=fragments.by_generation(
            ("article-comments", draft.id, article_id, tuple(sorted(listing.items()))),
            lambda: _article_comments(draft, text, listing),
        ),
        form=form,  # None: the kept form_html stands for it
        form_html=form_html,
        commenter=commenter,
        errors=errors,
        message=message,
        now=now,
    )


@dataclass(frozen=True)
class ArticleView:
    """What the article page shows of an article text (kept between requests, unlike the ORM row)."""

    article_id: int
    label: str
    chapter: str | None
    section: str | None
    text: str
    explanation: str | None = None

    @classmethod
    def of(cls, row) -> ArticleView:
        return cls(row.article_id, row.label, row.chapter, row.section, row.text, row.explanation)


def _article_place(draft: Draft, article_id: int) -> tuple[ArticleView, ArticleView | None, ...]:
    """The article's current text and its neighbours (NotFound when the draft has no such article)."""
    article_in_draft(draft, article_id)
    articles = current_articles(draft)
    index = next(i for i, t in enumerate(articles) if t.article_id == article_id)
    previous = ArticleView.of(articles[index - 1]) if index > 0 else None
    following = ArticleView.of(articles[index + 1]) if index + 1 < len(articles) else None
    return ArticleView.of(articles[index]), previous, following


def _article_comments(draft: Draft, text, listing: dict) -> Markup:
    """One page of an article's published comments, with their count."""
    comments = (
        published_comments(draft.id, text.article_id, per_page=COMMENTS_PER_PAGE, **listing)
        if draft.show_comments
        else None
    )
    return fragments.render_shared(
        "public/_article_comments.html",
        draft=draft,
        text=text,
        comments=comments,
        count=published_counts(draft.id).get(text.article_id, 0),
        decisions=public_decisions(db.session, draft, [c.id for c in comments.items] if comments else []),
    )


@bp.get("/drafts/<slug>")
@public
@cached_page
def draft_page(slug: str):
    """The draft page."""
    fragments.fix_generation()  # before the draft is read
    draft, now = fragments.public_draft_kept(slug), utcnow()
    return fragments.kept_page(
        ("draft", draft.id, *stage_badge_key(draft.status_at(now), draft, now)),
        lambda: render_draft(fragments.attached(draft), now=now),
    )


@bp.get("/drafts/<slug>/articles/<int:article_id>")
@public
@cached_page
def article_page(slug: str, article_id: int):
    """The article page."""
    fragments.fix_generation()  # before the draft is read
    draft, now = fragments.public_draft_kept(slug), utcnow()
    return fragments.kept_page(
        ("article", draft.id, article_id, *stage_badge_key(draft.status_at(now), draft, now)),
        lambda: render_article(fragments.attached(draft), article_id, now=now),
    )


def _article_id(form: CommentForm) -> int | None:
    raw = (form.article_id.data or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(_("所选条款不属于本草案"), {"article_id": _("所选条款不属于本草案")})
    return int(raw)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_err):
    """A body past the route's limit was refused unread, so the text cannot be shown again: say what
    happened and lead back to the form, where comment-form.js puts the text back from this tab's
    sessionStorage (without JavaScript the browser's Back keeps it in most browsers)."""
    title, explanation = str(HTTP_ERRORS[413][1]), str(EXPLANATIONS[413])
    message, back = None, None
    if request.endpoint == "public.submit_comment_form":
        message = _(
            "您的意见过长，未能提交：每条意见不超过%(max)d字。请回到刚才的页面删减后再提交，"
            "在同一浏览器窗口中您填写的内容通常仍在。",
            max=BODY_MAX,
        )
        slug = (request.view_args or {}).get("slug", "")
        back = _same_draft_page(request.referrer, slug) or url_for("public.draft_page", slug=slug)
        back += "#comment-form"
        explanation = ""  # the message says it all, for this form
    page = render_template(
        "errors/error.html", status=413, title=title, message=message, explanation=explanation, back=back
    )
    return page, 413


def _same_draft_page(referrer: str | None, slug: str) -> str | None:
    """The page of this draft the form was sent from (its path only), when the Referer says so."""
    path = urlsplit(referrer or "").path
    if path == f"/drafts/{slug}" or path.startswith(f"/drafts/{slug}/articles/"):
        return path
    return None


@bp.post("/drafts/<slug>/comments")
@public
@csrf_checked_in_view
def submit_comment_form(slug: str):
    """Submit the comment form; on any refusal show the same page again with the text still in it."""
    form = CommentForm()
    draft = public_draft(slug)
    article_id = None
    try:
        article_id = _article_id(form)
        check_form_token()
        data = CommentInput(
            body=form.body.data,
            article_id=article_id,
            author_name=form.author_name.data,
            contact=form.contact.data,
            notify=bool(form.notify.data),
            honeypot=form.website.data,
        )
        key = submission_key("form", form.submission_id.data or None)
        result = submit_comment(RequestContext.from_request(), slug, data, key, author=commenting_account())
    except NotFound:
        raise
    except DomainError as err:
        draft = public_draft(slug)
        if article_id is not None and "article_id" not in err.fields:
            return render_article(draft, article_id, form, err.fields, err.message, err.status)
        return render_draft(draft, form, err.fields, err.message, err.status)
    # An explicit anchor: without one the browser would carry the form's #comment-form over the redirect.
    receipt_url = url_for("public.receipt_page", code=display(result.receipt_code), new=1, _anchor="receipt")
    return redirect(receipt_url, code=303)


@bp.get("/receipts")
@public
def receipts():
    """Look a comment up by its receipt code."""
    code = request.args.get("code")
    if code is None:
        return render_template("public/receipts.html", code="", error=None)
    normalised = normalise(code)
    if not normalised:
        return render_template("public/receipts.html", code=code, error=_("请输入回执码")), 400
    return redirect(url_for("public.receipt_page", code=normalised), code=303)


@bp.get("/r/<code>")
@public
def short_receipt(code: str):
    """The receipt's short address, as an SMS carries it: /r/<13 digits>."""
    return redirect(url_for("public.receipt_page", code=display(normalise(code))), code=302)


@bp.get("/receipts/<code>")
@public
def receipt_page(code: str):
    """What became of one comment (unknown codes are limited per address: RECEIPT_LOOKUP_LIMIT)."""
    view = look_up_receipt(RequestContext.from_request().address, code)
    if view is None:
        return render_template(
            "public/receipts.html",
            code=code,
            error=_("未找到该回执码。请核对后重新输入：回执码为13位数字，不区分空格和短横线。"),
        ), 404
    return render_receipt(view, new=request.args.get("new") == "1")


def render_receipt(view, new: bool = False, rating_error=None, rating_form=None, status: int = 200):
    """The receipt page; after a refused rating, with its message and the input kept."""
    return render_template(
        "public/receipt.html",
        view=view,
        code=display(view.comment.receipt_code),
        new=new,
        now=utcnow(),
        rating=rating_for(view.comment.id) if view.draft.feedback_published_at else None,
        rating_errors=rating_error.fields if rating_error else {},
        error_message=rating_error.message if rating_error else None,
        rating_form=rating_form,
    ), status
