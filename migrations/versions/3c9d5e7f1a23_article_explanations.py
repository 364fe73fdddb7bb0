"""article explanations (条文释义): an optional plain-language explanation per article text

Revision ID: 3c9d5e7f1a23
Revises: a3c5e7f9b1d2
Create Date: 2026-12-06 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9d5e7f1a23'
down_revision = '2b8c4d6e0f12'  # after the deputies' accounts (chained when both landed)
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE … ADD COLUMN (nullable, no default: existing articles have no explanation),
    # never batch mode's copy of a table other tables' foreign keys cascade from.
    op.add_column('article_text', sa.Column('explanation', sa.Text(), nullable=True))


def downgrade():
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), never batch mode's copy (see upgrade).
    op.drop_column('article_text', 'explanation')
