"""group decisions: a group's outcome and reason, a decision's source (its group), groups folded in a publication

Revision ID: d4e8f1a3c6b9
Revises: b2c6d8e0f4a7
Create Date: 2026-12-06 10:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e8f1a3c6b9'
down_revision = 'b2c6d8e0f4a7'
branch_labels = None
depends_on = None


OUTCOMES = "'adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope'"


def upgrade():
    with op.batch_alter_table('comment_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=25), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_comment_group_decided_by_id_user'), 'user', ['decided_by_id'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_check_constraint(batch_op.f('ck_comment_group_outcome'), f"outcome IN ({OUTCOMES})")

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inherited', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_decision_group_id'), ['group_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_decision_group_id_comment_group'), 'comment_group', ['group_id'], ['id'], ondelete='SET NULL'
        )

    # A publication's entries standing for a group (group_size) and those folded into them.
    for table in ('published_decision', 'published_undecided'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('group_size', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('folded', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    for table in ('published_undecided', 'published_decision'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('folded')
            batch_op.drop_column('group_size')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decision_group_id_comment_group'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_decision_group_id'))
        batch_op.drop_column('group_id')
        batch_op.drop_column('inherited')

    with op.batch_alter_table('comment_group', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_comment_group_outcome'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_comment_group_decided_by_id_user'), type_='foreignkey')
        batch_op.drop_column('decision_version')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('reason')
        batch_op.drop_column('outcome')
