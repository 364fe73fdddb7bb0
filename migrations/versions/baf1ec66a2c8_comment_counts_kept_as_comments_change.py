"""comment counts kept as comments change

Revision ID: baf1ec66a2c8
Revises: c5ec473f9b4d
Create Date: 2026-12-06 05:22:38.712451

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'baf1ec66a2c8'
down_revision = 'c5ec473f9b4d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_count',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=17), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'published', 'rejected', 'spam')", name=op.f('ck_comment_count_status')),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_comment_count_draft_id_draft'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('draft_id', 'article_id', 'status', 'outcome', name=op.f('pk_comment_count'))
    )
    # The counts of the comments already there (article 0: on the draft as a whole; outcome '': undecided).
    # Comment writes during the upgrade would be missed: run it with the application stopped, or run
    # `flask --app consult counts check --repair` afterwards.
    op.execute(
        "INSERT INTO comment_count (draft_id, article_id, status, outcome, n) "
        "SELECT c.draft_id, COALESCE(c.article_id, 0), c.status, COALESCE(d.outcome, ''), COUNT(*) "
        "FROM comment c LEFT OUTER JOIN decision d ON d.comment_id = c.id "
        "GROUP BY c.draft_id, COALESCE(c.article_id, 0), c.status, COALESCE(d.outcome, '')"
    )
    # Counts no longer read the comment table; the general opinions' keyset listing does, in time order.
    # Plain CREATE/DROP INDEX, never batch mode's copy of the table (cascades from comment).
    op.create_index(
        'ix_comment_draft_status_article_submitted',
        'comment',
        ['draft_id', 'status', 'article_id', 'submitted_at', 'id'],
        unique=False,
    )
    op.drop_index('ix_comment_draft_status_article', table_name='comment')


def downgrade():
    op.create_index('ix_comment_draft_status_article', 'comment', ['draft_id', 'status', 'article_id'], unique=False)
    op.drop_index('ix_comment_draft_status_article_submitted', table_name='comment')
    op.drop_table('comment_count')
