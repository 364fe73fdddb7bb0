"""groups of similar comments: comment_group, comment_group_member, comment_band; groups.update outbox rows

Revision ID: b2c6d8e0f4a7
Revises: 9a4f2e6c8d31
Create Date: 2026-12-06 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2c6d8e0f4a7'
down_revision = '9a4f2e6c8d31'
branch_labels = None
depends_on = None

KINDS = "'search.index', 'search.remove', 'mail.feedback', 'sms.feedback'"


def upgrade():
    op.create_table('comment_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_key', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('representative_id', sa.Integer(), nullable=True),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('burst', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_comment_group_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['representative_id'], ['comment.id'], name=op.f('fk_comment_group_representative_id_comment'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_group'))
    )
    with op.batch_alter_table('comment_group', schema=None) as batch_op:
        batch_op.create_index('ix_comment_group_scope', ['draft_id', 'article_key', 'size'], unique=False)

    op.create_table('comment_group_member',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_key', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=17), nullable=False),
    sa.CheckConstraint("state IN ('auto', 'split', 'merged', 'confirmed')", name=op.f('ck_comment_group_member_state')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_group_member_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_comment_group_member_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['comment_group.id'], name=op.f('fk_comment_group_member_group_id_comment_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_comment_group_member'))
    )
    with op.batch_alter_table('comment_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_group_member_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_comment_group_member_scope', ['draft_id', 'article_key'], unique=False)

    op.create_table('comment_band',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_key', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_band_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_comment_band_draft_id_draft'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', 'band', name=op.f('pk_comment_band'))
    )
    with op.batch_alter_table('comment_band', schema=None) as batch_op:
        batch_op.create_index('ix_comment_band_lookup', ['draft_id', 'article_key', 'key'], unique=False)

    # Grouping work rides in the outbox too (consult/groups/events.py). Comments already stored are
    # grouped by `flask --app consult groups rebuild SLUG`.
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_event_kind'), f"kind IN ({KINDS}, 'groups.update')")


def downgrade():
    op.execute("DELETE FROM outbox_event WHERE kind = 'groups.update'")
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_event_kind'), f"kind IN ({KINDS})")
    with op.batch_alter_table('comment_band', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_band_lookup')
    op.drop_table('comment_band')
    with op.batch_alter_table('comment_group_member', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_group_member_scope')
        batch_op.drop_index(batch_op.f('ix_comment_group_member_group_id'))
    op.drop_table('comment_group_member')
    with op.batch_alter_table('comment_group', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_group_scope')
    op.drop_table('comment_group')
