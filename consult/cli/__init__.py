"""flask commands: a door, thin like the HTML and JSON ones (one package: consult/cli/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import LazyString

from consult.auth.operations import create_contact_point, create_user, issue_token
from consult.cli.backup import backup_cli
from consult.cli.counts import counts_cli
from consult.cli.exports import exports_cli
from consult.cli.feedback import init_feedback_cli
from consult.cli.groups import groups_cli
from consult.cli.rounds import run_rounds
from consult.cli.themes import themes_cli
from consult.context import CLI
from consult.demo.seed import database_has_drafts, refuse_in_production, seed_demo
from consult.demo.synthetic import add_synthetic_comments
from consult.drafts.parser import parse_draft
from consult.errors import DomainError
from consult.i18n import _, _l
from consult.intake.importing import BatchRequest, import_batch, preview_batch
from consult.intake.report import print_outcome
from consult.models.enums import CONTACT_POINT_KINDS, ROLES
from consult.search.drain import drain, rewrite_step
from consult.search.maintenance import check, reindex
from consult.vocabulary import CONTACT_POINT_KINDS as POINT_KIND_LABELS
from consult.vocabulary import codes_and_labels, method_names


def fail(err: DomainError) -> None:
    """Print a domain error (and its fields) to stderr and exit non-zero."""
    click.echo(_("错误：%(message)s", message=err.message), err=True)
    for field, message in err.fields.items():
        click.echo(f"  {field}: {message}", err=True)
    sys.exit(2 if err.status < 500 else 1)


drafts_cli = AppGroup("drafts", help=_l("法规草案：解析草案全文。"))
users_cli = AppGroup("users", help=_l("账号：创建账号、签发 API 令牌。"))
points_cli = AppGroup("contact-points", help=_l("基层立法联系点。"))
intake_cli = AppGroup("intake", help=_l("导入基层立法联系点收集的意见表格。"))
search_cli = AppGroup("search", help=_l("全文检索：重建索引、处理待索引的变更、核对索引。"))


@drafts_cli.command("parse")
@click.argument("file", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help=_l("以 JSON 输出"))
def drafts_parse(file, as_json: bool) -> None:
    """Parse a draft text and print its chapters and articles, or its errors; saves nothing."""

    raw = file.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            click.echo(_("错误：无法识别文件编码，请另存为 UTF-8 文本后重试。"), err=True)
            sys.exit(2)
    parsed = parse_draft(text)
    if as_json:
        click.echo(json.dumps(parsed.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_("标题：%(title)s", title=parsed.title or _("（未识别）")))
        if parsed.version_label:
            click.echo(_("版本：%(label)s", label=parsed.version_label))
        chapter = None
        for art in parsed.articles:
            if art.chapter != chapter:
                chapter = art.chapter
                click.echo("\n" + (chapter or _("（无章）")))
            first_line = art.text.split("\n", 1)[0]
            click.echo(f"  {art.label}  {first_line[:60]}{'…' if len(first_line) > 60 else ''}")
        click.echo("\n" + _("共 %(c)d 章，%(a)d 条。", c=len(parsed.chapters), a=len(parsed.articles)))
        for notice in parsed.notices:
            click.echo(_("提示：%(message)s", message=notice.message))
        for issue in parsed.errors:
            click.echo(_("错误：%(message)s", message=issue.message), err=True)
    if not parsed.ok:
        sys.exit(1)


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--contact-point", "contact_point", default=None, help=_l("联系点标识（联系点操作员必填）"))
@click.option(
    "--display-name", default=None, help=_l("显示名称（人大代表、立法专家顾问必填：其意见以此署名）")
)
@click.option("--email", default=None, help=_l("电子邮箱（人大代表、立法专家顾问必填：接收征求意见邀请）"))
@click.option("--password-stdin", is_flag=True, required=True, help=_l("从标准输入读取一行作为密码"))
def users_create(
    name: str,
    role: str,
    contact_point: str | None,
    display_name: str | None,
    email: str | None,
    password_stdin: bool,
) -> None:
    """Create an account, reading its password as one line from standard input."""

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(None, CLI, name, password, role, contact_point, display_name, email)
    except DomainError as err:
        fail(err)
    click.echo(_("已创建账号 %(name)s（%(role)s）", name=user.username, role=user.role))


@users_cli.command("token")
@click.argument("name")
@click.option("--label", default="cli", help=_l("令牌名称"))
def users_token(name: str, label: str) -> None:
    """Print a new personal API token for an account, alone on the last line."""

    try:
        token = issue_token(None, CLI, name, label)
    except DomainError as err:
        fail(err)
    click.echo(_("新令牌（只显示这一次，请妥善保存）："))
    click.echo(token)


@points_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--district", default=None)
@click.option("--email", default=None, help=_l("接收采纳情况通知的电子邮箱"))
@click.option(
    "--kind",
    type=click.Choice(list(CONTACT_POINT_KINDS)),
    default="legislative",
    help=LazyString(lambda: _("联系点类型：%(kinds)s", kinds=codes_and_labels(POINT_KIND_LABELS))),
)
def points_create(slug: str, name: str, district: str | None, email: str | None, kind: str) -> None:
    """Register a grassroots legislative contact point, or a deputies' home or station (--kind)."""

    try:
        point = create_contact_point(None, CLI, slug, name, district, email, kind)
    except DomainError as err:
        fail(err)
    click.echo(_("已创建联系点 %(slug)s（%(name)s）", slug=point.slug, name=point.name))


@intake_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--draft", "draft_slug", required=True, help=_l("草案标识"))
@click.option("--contact-point", "point_slug", required=True, help=_l("联系点标识"))
@click.option("--meeting-date", default=None, help=_l("座谈或走访日期（年-月-日）"))
@click.option("--meeting-place", default=None)
@click.option(
    "--method", default=None, help=LazyString(lambda: _("收集方式：%(names)s", names=method_names()))
)
@click.option("--participants", default=None)
@click.option("--dry-run", is_flag=True, help=_l("只检查并显示将导入的内容，不写入"))
@click.option("--json", "as_json", is_flag=True, help=_l("以 JSON 输出（与 API 相同的对象）"))
def intake_import(
    file: str, draft_slug: str, point_slug: str, dry_run: bool, as_json: bool, **meeting
) -> None:
    """Import a file of collected opinions and print the per-row report."""

    path = Path(file)
    req = BatchRequest(
        draft=draft_slug, filename=path.name, data=path.read_bytes(), contact_point=point_slug, **meeting
    )
    try:
        outcome = preview_batch(None, req) if dry_run else import_batch(None, CLI, req)
    except DomainError as err:
        outcome = getattr(err, "outcome", None)
        if as_json:
            body = outcome.as_json() if outcome is not None else {}
            body["error"] = {"code": err.code, "message": err.message, "fields": err.fields}
            click.echo(json.dumps(body, ensure_ascii=False, indent=2))
            sys.exit(2 if err.status < 500 else 1)
        if outcome is not None:
            print_outcome(outcome, dry_run)
        fail(err)
    if as_json:
        click.echo(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
    else:
        print_outcome(outcome, dry_run)


@search_cli.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the database."""

    click.echo(_("已重建索引：%(n)d个文档。", n=reindex()))


@search_cli.command("worker")
@click.option("--once", is_flag=True, help=_l("处理完当前待索引的变更后退出"))
@click.option("--interval", type=float, default=1.0, help=_l("没有变更时的等待秒数"))
def search_worker(once: bool, interval: float) -> None:
    """Drain the search outbox continuously (one per deployment); between drains, rewrite the index
    segments that still hold withdrawn text, one at a time (--once: until none is left)."""

    def round_() -> int:
        """A drain, then one segment still holding withdrawn text (1 if one was rewritten: drain again
        before the next without waiting)."""
        try:
            result = drain(wait=True)
        except Exception:  # an error is recorded on the rows; keep serving the others
            current_app.logger.exception("search drain failed; retrying")
            result = None
        if result is not None and result.events:
            click.echo(_("已处理%(n)d条索引变更。", n=result.events))
        return int(rewrite_step(wait=True))  # a failure: the record stays, the next round retries it

    run_rounds(
        round_,
        once=once,
        interval=interval,
        failure="search segment rewrite failed; retrying",
        done=lambda _n: _("已重写一个仍含撤回文字的索引段。"),
        until_idle=True,
    )


@search_cli.command("check")
@click.option("--repair", is_flag=True, help=_l("修复发现的差异"))
def search_check(repair: bool) -> None:
    """Compare the index with the database and report (or repair) the differences."""

    diff = check(repair)
    for label, keys in (
        (_("索引中缺少"), diff.missing),
        (_("索引中多余"), diff.extra),
        (_("索引内容过时"), diff.stale),
    ):
        if keys:
            click.echo(f"{label}: {len(keys)}  {' '.join(keys[:20])}{' …' if len(keys) > 20 else ''}")
    if diff.rewrites_pending:
        n = diff.rewrites_pending
        click.echo(_("等待重写索引段的撤回文档：%(n)d（搜索已查不到，文字仍在索引文件中）", n=n))
    if diff.clean:
        click.echo(_("索引与数据库一致。"))
    elif repair:
        click.echo(_("已修复。"))
    else:
        sys.exit(1)


@click.command("seed-demo")
@click.option("--comments", "extra", type=click.IntRange(min=0), default=0, help=_l("另外生成 N 条合成意见"))
@click.option("--status", type=click.Choice(["published", "pending"]), default="published")
@click.option("--draft", "draft_slug", default=None, help=_l("合成意见全部放在该草案上"))
@click.option("--if-empty", is_flag=True, help=_l("数据库中已有草案时不加载演示数据"))
def seed_demo_command(extra: int, status: str, draft_slug: str | None, if_empty: bool) -> None:
    """Load the six demo drafts, comments, contact points and accounts (idempotent); never in production."""
    try:
        refuse_in_production()  # before --if-empty looks: production is refused whatever it holds
    except DomainError as err:
        fail(err)
    if if_empty and database_has_drafts():
        click.echo(_("数据库中已有草案，跳过演示数据。"))
    else:
        report = seed_demo()
        for line in report.lines():
            click.echo(line)
    if extra:
        try:
            n, seconds = add_synthetic_comments(extra, status, draft_slug)
        except DomainError as err:
            fail(err)
        click.echo(
            _("已生成 %(n)d 条合成意见（%(status)s），用时 %(s).1f 秒。", n=n, status=status, s=seconds)
        )


def init_cli(app: Flask) -> None:
    """Register the command groups on the app."""
    app.cli.add_command(drafts_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(points_cli)
    app.cli.add_command(intake_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_cli)
    app.cli.add_command(counts_cli)
    app.cli.add_command(groups_cli)
    app.cli.add_command(themes_cli)
    app.cli.add_command(exports_cli)
    init_feedback_cli(app.cli)
