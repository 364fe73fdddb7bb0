"""draft short codes (the short address /d/<code> printed on posters)

Revision ID: a3c5e7f9b1d2
Revises: f2b4d6e8a0c1
Create Date: 2026-12-06 10:25:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c5e7f9b1d2'
down_revision = 'f2b4d6e8a0c1'
branch_labels = None
depends_on = None

# consult/drafts/short_codes.py's alphabet and length, copied: a migration keeps what it did when the
# application's code changes later.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 6


def upgrade():
    # A plain ALTER TABLE … ADD COLUMN, never batch mode's copy of the draft table: dropping the old
    # table with foreign keys on would delete every comment, article and version that cascades from it.
    op.add_column('draft', sa.Column('short_code', sa.String(length=12), server_default='', nullable=False))
    # Every existing draft gets its code now (drawn once, as create_draft does for new ones).
    draft = sa.table('draft', sa.column('id', sa.Integer()), sa.column('short_code', sa.String()))
    conn = op.get_bind()
    taken = set()
    for (draft_id,) in conn.execute(sa.select(draft.c.id).order_by(draft.c.id)).all():
        code = ''.join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        while code in taken:
            code = ''.join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        taken.add(code)
        conn.execute(draft.update().where(draft.c.id == draft_id).values(short_code=code))
    op.create_index(op.f('ix_draft_short_code'), 'draft', ['short_code'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_draft_short_code'), table_name='draft')
    # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), never batch mode's copy (see upgrade).
    op.drop_column('draft', 'short_code')
