"""subscriptions to new consultations and published feedback; mail.reach and sms.reach outbox rows

Revision ID: 1a7b3c5d9e01
Revises: a3c5e7f9b1d2
Create Date: 2026-12-06 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1a7b3c5d9e01'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None

KINDS = "'search.index', 'search.remove', 'mail.feedback', 'sms.feedback', 'groups.update'"


def upgrade():
    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=13), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('drafts', sa.Boolean(), nullable=False),
    sa.Column('feedback', sa.Boolean(), nullable=False),
    sa.Column('asked_drafts', sa.Boolean(), nullable=False),
    sa.Column('asked_feedback', sa.Boolean(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_subscription_channel')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription')),
    sa.UniqueConstraint('channel', 'address', name=op.f('uq_subscription_channel_address'))
    )
    op.create_table('subscription_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], name=op.f('fk_subscription_notice_subscription_id_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_notice')),
    sa.UniqueConstraint('subscription_id', 'event', name=op.f('uq_subscription_notice_subscription_id_event'))
    )
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_event_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_outbox_event_kind'), f"kind IN ({KINDS}, 'mail.reach', 'sms.reach')"
        )


def downgrade():
    op.execute("DELETE FROM outbox_event WHERE kind IN ('mail.reach', 'sms.reach')")
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_event_kind'), f"kind IN ({KINDS})")
    op.drop_table('subscription_notice')
    op.drop_table('subscription')
