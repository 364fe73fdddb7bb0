"""Flask commands of the feedback stage: `feedback publish|revise|export|rebuild-reports`, `notify send`,
`contacts purge`."""

from __future__ import annotations

import shutil
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from consult.context import CLI
from consult.errors import DomainError
from consult.feedback.exports import export_summary
from consult.feedback.notifications import send_due
from consult.feedback.publishing import open_revision, publish_feedback
from consult.feedback.purge import purge_contacts
from consult.feedback.stored import rebuild_reports
from consult.i18n import _, _l, localtime
from consult.personal_data import mask_contact
from consult.reach.purge import purge_subscriptions
from consult.reach.sending import send_due as send_subscriptions_due

notify_cli = AppGroup("notify", help=_l("通知邮件：发送采纳情况公布通知和订阅通知。"))
contacts_cli = AppGroup("contacts", help=_l("联系方式：到期删除意见提出人的联系方式。"))
feedback_cli = AppGroup("feedback", help=_l("采纳情况反馈：发布、修订、导出意见汇总表。"))


def _report(result) -> None:
    if result.locked_out:
        click.echo(_("另一个发送进程正在运行，本次未发送。"))
    _report_channel(
        result,
        gave_up=_("已放弃：第%(id)d号（%(to)s）：%(error)s"),
        stopped=_("邮件服务器不可用，已停止本次发送，其余邮件留在队列中：%(why)s"),
        summary=_(
            "已发送%(sent)d封，失败待重试%(failed)d封，放弃%(gave_up)d封，无需发送%(skipped)d封，队列中还有%(waiting)d封。"
        ),
    )
    if result.sms is not None:
        _report_channel(
            result.sms,
            gave_up=_("短信已放弃：第%(id)d号（%(to)s）：%(error)s"),
            stopped=_("短信网关不可用，已停止本次发送，其余短信留在队列中：%(why)s"),
            summary=_(
                "短信：已发送%(sent)d条，失败待重试%(failed)d条，放弃%(gave_up)d条，无需发送%(skipped)d条，队列中还有%(waiting)d条。"
            ),
        )


def _report_channel(result, gave_up: str, stopped: str, summary: str) -> None:
    """One channel's run (mail or SMS): what was given up, why it stopped, the counts."""
    for item in result.gave_up:
        click.echo(
            gave_up % {"id": item.row_id, "to": mask_contact(item.to) or "***", "error": item.error}, err=True
        )
    if result.stopped:
        click.echo(stopped % {"why": result.stopped}, err=True)
    counts = {
        "sent": result.sent,
        "failed": result.failed,
        "gave_up": len(result.gave_up),
        "skipped": result.skipped,
        "waiting": result.waiting,
    }
    click.echo(summary % counts)


@notify_cli.command("send")
@click.option(
    "--once/--watch",
    default=True,
    help=_l("只发送一次到期的邮件后退出（默认，供 cron 使用）；--watch 持续运行"),
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help=_l("本次最多发送的邮件数"))
@click.option("--interval", type=click.IntRange(min=1), default=60, help=_l("--watch 时每轮间隔的秒数"))
def notify_send(once: bool, limit: int | None, interval: int) -> None:
    """Send the queued notification mails that are due (retries with backoff, never twice)."""

    cfg = current_app.config
    if cfg["PRODUCTION"] and not cfg.get("SERVER_NAME") and "127.0.0.1" in cfg["PUBLIC_BASE_URL"]:
        click.echo(_("警告：未设置 CONSULT_PUBLIC_BASE_URL，邮件中的链接将指向本机地址。"), err=True)
    while True:
        result = send_due(limit)
        _report(result)
        subscribed = send_subscriptions_due(limit)
        if not subscribed.locked_out:
            click.echo(_("订阅通知："))
            _report(subscribed)
        if once:
            stopped = [r.stopped or (r.sms is not None and r.sms.stopped) for r in (result, subscribed)]
            sys.exit(1 if any(stopped) else 0)
        time.sleep(interval)


@contacts_cli.command("purge")
@click.option("--dry-run", is_flag=True, help=_l("只列出将要删除的内容，不做任何修改"))
def contacts_purge(dry_run: bool) -> None:
    """Remove the contact details of consultations concluded more than CONTACT_RETENTION_DAYS ago."""

    subscriptions = purge_subscriptions(None, CLI, dry_run=dry_run)
    click.echo(
        _(
            "订阅地址：已退订%(unsubscribed)d个，超过%(days)d天未确认%(unconfirmed)d个%(done)s。",
            unsubscribed=subscriptions.unsubscribed,
            unconfirmed=subscriptions.unconfirmed,
            days=subscriptions.unconfirmed_days,
            done=_("，将被删除") if dry_run else _("，已删除"),
        )
    )
    result = purge_contacts(None, CLI, dry_run=dry_run)
    if not result.drafts:
        click.echo(_("没有需要删除联系方式的草案（保存期限%(days)d天）。", days=result.retention_days))
        return
    for item in result.drafts:
        click.echo(
            _(
                "《%(title)s》（%(slug)s，%(date)s公布采纳情况）：意见%(comments)d条，"
                "取消待发邮件%(cancelled)d封，清除邮件地址%(addresses)d处，导入批次报告%(batches)d份",
                title=item.title,
                slug=item.slug,
                date=localtime(item.concluded_at),
                comments=item.comments,
                cancelled=item.mails_cancelled,
                addresses=item.mail_addresses,
                batches=item.batches,
            )
        )
    if dry_run:
        click.echo(_("预演：以上%(n)d份草案的联系方式将被删除，本次未做任何修改。", n=len(result.drafts)))
    else:
        click.echo(_("已删除%(n)d份草案的联系方式，并记入审计日志。", n=len(result.drafts)))


def _fail(err) -> None:
    click.echo(_("错误：%(message)s", message=err.message), err=True)
    for field, message in (err.fields or {}).items():
        click.echo(f"  {field}: {message}", err=True)
    sys.exit(1)


@feedback_cli.command("publish")
@click.argument("slug")
@click.option("--revision-note", default=None, help=_l("修订说明（修订后重新发布时必填，公开显示）"))
def feedback_publish(slug: str, revision_note: str | None) -> None:
    """Publish the draft's feedback report (the same operation as the staff page and the API)."""

    try:
        publication = publish_feedback(None, CLI, slug, revision_note)
    except DomainError as err:
        _fail(err)
    click.echo(_("已发布《%(slug)s》的采纳情况反馈（第%(n)d次发布）。", slug=slug, n=publication.number))


@feedback_cli.command("revise")
@click.argument("slug")
def feedback_revise(slug: str) -> None:
    """Open a revision: the decisions can change until the feedback is published again."""

    try:
        open_revision(None, CLI, slug)
    except DomainError as err:
        _fail(err)
    click.echo(_("已开始修订，处理结果可以修改；重新发布时请填写修订说明。"))


@feedback_cli.command("rebuild-reports")
@click.option(
    "--all", "everything", is_flag=True, help=_l("重新计算每次发布的报告摘要（默认只算尚未保存摘要的）")
)
def feedback_rebuild_reports(everything: bool) -> None:
    """Keep the summary of the publications made before summaries were kept (after upgrading)."""

    done = rebuild_reports(everything)
    click.echo(_("已计算%(n)d次发布的采纳情况反馈摘要。", n=len(done)))


@feedback_cli.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "docx"]), required=True)
@click.option("--status", "include", type=click.Choice(["published", "all"]), default="published")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None)
def feedback_export(slug: str, fmt: str, include: str, output: str | None) -> None:
    """Write the summary of opinions (意见汇总表) to a file (audited like every export)."""

    try:
        exported = export_summary(None, CLI, slug, fmt, include)
    except DomainError as err:
        _fail(err)
    target = output or exported.ascii_filename
    with exported.data as data, open(target, "wb") as out:
        shutil.copyfileobj(data, out)
    click.echo(_("已导出%(n)d条意见到 %(path)s", n=exported.rows, path=target))


def init_feedback_cli(group: click.Group) -> None:
    """Register the groups on the app's command group."""
    group.add_command(notify_cli)
    group.add_command(contacts_cli)
    group.add_command(feedback_cli)
