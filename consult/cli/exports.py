"""`flask exports worker [--once]`: write the queued export jobs (one per deployment; with
EXPORT_JOBS_INLINE the web processes write them in a background thread instead), and delete the files
past EXPORT_RETENTION_HOURS."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from consult.cli.rounds import run_rounds
from consult.feedback.export_jobs import run_jobs
from consult.i18n import _, _l

exports_cli = AppGroup("exports", help=_l("导出任务：在后台写入较大的意见汇总表，到期删除导出的文件。"))


@exports_cli.command("worker")
@click.option("--once", is_flag=True, help=_l("处理完当前排队的导出任务后退出"))
@click.option("--interval", type=float, default=2.0, help=_l("没有任务时的等待秒数"))
def exports_worker(once: bool, interval: float) -> None:
    """Write the queued export jobs, oldest first, one at a time; delete expired files each round."""

    # A job's own failure is recorded on it; a failed round is the database or the disk.
    run_rounds(
        lambda: run_jobs(wait=True),
        once=once,
        interval=interval,
        failure="export worker round failed; retrying",
        done=lambda n: _("已处理%(n)d个导出任务。", n=n),
    )
