"""whether a comment's name is public

Revision ID: c5ec473f9b4d
Revises: 3f3034910f1c
Create Date: 2026-12-06 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5ec473f9b4d'
down_revision = '3f3034910f1c'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE … ADD COLUMN, never batch mode's copy of the table (see downgrade).
    op.add_column(
        'comment', sa.Column('name_public', sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # The web form and the staff entry form always said the name "将公开显示": those stay public. People
    # heard by a contact point never agreed to it, so their names are not public (the column's default).
    comment = sa.table('comment', sa.column('channel', sa.String()), sa.column('name_public', sa.Boolean()))
    op.execute(comment.update().where(comment.c.channel != 'contact_point').values(name_public=True))


def downgrade():
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), never batch mode's copy of the table: dropping the
    # old comment table with foreign keys on could delete the decisions and notes that cascade from it.
    op.drop_column('comment', 'name_public')
