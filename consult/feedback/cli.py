"""Flask commands of the feedback stage: `notify send` and `contacts purge` (thin doors)."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from consult.i18n import _, _l, localtime

notify_cli = AppGroup("notify", help=_l("通知邮件：发送采纳情况公布通知。"))
contacts_cli = AppGroup("contacts", help=_l("联系方式：到期删除意见提出人的联系方式。"))


def _masked(address: str) -> str:
    """a***@example.com: enough to recognise a recipient in a log, not to harvest it."""
    name, at, domain = address.partition("@")
    return f"{name[:1]}***{at}{domain}" if at else "***"


def _report(result) -> None:
    if result.locked_out:
        click.echo(_("另一个发送进程正在运行，本次未发送。"))
    for item in result.gave_up:
        click.echo(
            _(
                "已放弃：第%(id)d号（%(to)s）：%(error)s",
                id=item.row_id,
                to=_masked(item.to),
                error=item.error,
            ),
            err=True,
        )
    if result.stopped:
        click.echo(
            _("邮件服务器不可用，已停止本次发送，其余邮件留在队列中：%(why)s", why=result.stopped), err=True
        )
    click.echo(
        _(
            "已发送%(sent)d封，失败待重试%(failed)d封，放弃%(gave_up)d封，无需发送%(skipped)d封，队列中还有%(waiting)d封。",
            sent=result.sent,
            failed=result.failed,
            gave_up=len(result.gave_up),
            skipped=result.skipped,
            waiting=result.waiting,
        )
    )


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
    from consult.feedback.notifications import send_due

    while True:
        result = send_due(limit)
        _report(result)
        if once:
            sys.exit(1 if result.stopped else 0)
        time.sleep(interval)


@contacts_cli.command("purge")
@click.option("--dry-run", is_flag=True, help=_l("只列出将要删除的内容，不做任何修改"))
def contacts_purge(dry_run: bool) -> None:
    """Remove the contact details of consultations concluded more than CONTACT_RETENTION_DAYS ago."""
    from consult.context import CLI
    from consult.feedback.purge import purge_contacts

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


def init_feedback_cli(group: click.Group) -> None:
    """Register the groups on the app's command group."""
    group.add_command(notify_cli)
    group.add_command(contacts_cli)
