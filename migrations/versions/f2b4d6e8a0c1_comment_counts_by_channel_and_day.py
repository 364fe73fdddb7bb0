"""comment counts by day of arrival, channel and status

Revision ID: f2b4d6e8a0c1
Revises: e7a1c3b5d9f2
Create Date: 2026-12-06 10:25:00

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
from flask import current_app, has_app_context


# revision identifiers, used by Alembic.
revision = 'f2b4d6e8a0c1'
down_revision = 'e7a1c3b5d9f2'
branch_labels = None
depends_on = None

CHANNELS = "'web', 'contact_point', 'deputy', 'expert', 'letter'"
STATUSES = "'pending', 'published', 'rejected', 'spam'"


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai")


def _local_day_sql(bind) -> str:
    """The local calendar day of comment.submitted_at, in SQL (exact on both databases)."""
    zone = _zone()
    if bind.dialect.name == "postgresql":
        return f"date(timezone('{zone.key}', c.submitted_at))"

    def local_day(stored):
        if stored is None:
            return None
        return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(zone).date().isoformat()

    bind.connection.driver_connection.create_function("consult_local_day", 1, local_day, deterministic=True)
    return "consult_local_day(c.submitted_at)"


def upgrade():
    op.create_table('comment_day_count',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=21), nullable=False),
    sa.Column('status', sa.String(length=17), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.CheckConstraint(f"channel IN ({CHANNELS})", name=op.f('ck_comment_day_count_channel')),
    sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f('ck_comment_day_count_status')),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_comment_day_count_draft_id_draft'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('draft_id', 'day', 'channel', 'status', name=op.f('pk_comment_day_count'))
    )
    # The counts of the comments already there. Comment writes during the upgrade would be missed: run it
    # with the application stopped, or run `flask --app consult counts check --repair` afterwards.
    bind = op.get_bind()
    day = _local_day_sql(bind)
    op.execute(
        "INSERT INTO comment_day_count (draft_id, day, channel, status, n) "
        f"SELECT c.draft_id, {day}, c.channel, c.status, COUNT(*) FROM comment c "
        f"GROUP BY c.draft_id, {day}, c.channel, c.status"
    )


def downgrade():
    op.drop_table('comment_day_count')
