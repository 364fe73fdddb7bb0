"""comment_band without its own foreign key to draft: the rows go with their comment

Revision ID: 4e1f7a9b3c45
Revises: 5f2a8b0c4d56
Create Date: 2026-12-06 17:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4e1f7a9b3c45'
down_revision = '5f2a8b0c4d56'  # after the theme jobs (chained when both landed)
branch_labels = None
depends_on = None


def upgrade():
    # Batch mode (a copy on SQLite) is safe here: no table's foreign key points at comment_band.
    with op.batch_alter_table('comment_band', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comment_band_draft_id_draft'), type_='foreignkey')


def downgrade():
    with op.batch_alter_table('comment_band', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_comment_band_draft_id_draft'), 'draft', ['draft_id'], ['id'], ondelete='CASCADE'
        )
