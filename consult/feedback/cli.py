"""Flask commands of the feedback stage: `notify send` and `contacts purge` (thin doors)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

notify_cli = AppGroup("notify", help="通知邮件")
contacts_cli = AppGroup("contacts", help="联系方式")


def init_feedback_cli(group: click.Group) -> None:
    """Register the groups on the app's command group."""
    group.add_command(notify_cli)
    group.add_command(contacts_cli)
