"""feedback report summaries kept with each publication

Revision ID: 7c3e9a1d5b20
Revises: baf1ec66a2c8
Create Date: 2026-12-06 08:02:31.308268

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a1d5b20'
down_revision = 'baf1ec66a2c8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_report_place',
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('text_id', sa.Integer(), nullable=True),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('adopted', sa.Integer(), nullable=False),
    sa.Column('partially_adopted', sa.Integer(), nullable=False),
    sa.Column('not_adopted', sa.Integer(), nullable=False),
    sa.Column('already_provided', sa.Integer(), nullable=False),
    sa.Column('out_of_scope', sa.Integer(), nullable=False),
    sa.Column('undecided', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['feedback_publication.id'], name=op.f('fk_feedback_report_place_publication_id_feedback_publication'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['text_id'], ['article_text.id'], name=op.f('fk_feedback_report_place_text_id_article_text'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('publication_id', 'position', name=op.f('pk_feedback_report_place')),
    sa.UniqueConstraint('publication_id', 'article_id', name=op.f('uq_feedback_report_place_publication_id_article_id'))
    )
    op.create_table('published_undecided',
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_published_undecided_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['feedback_publication.id'], name=op.f('fk_published_undecided_publication_id_feedback_publication'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('publication_id', 'comment_id', name=op.f('pk_published_undecided'))
    )
    op.create_index(op.f('ix_published_undecided_comment_id'), 'published_undecided', ['comment_id'], unique=False)
    # Plain ADD COLUMN, never batch mode's copy of the table (published_decision cascades from it).
    op.add_column('feedback_publication', sa.Column('participants', sa.Integer(), nullable=True))
    op.add_column('feedback_publication', sa.Column('contact_point_ids', sa.JSON(), nullable=True))
    op.add_column('feedback_publication', sa.Column('by_channel', sa.JSON(), nullable=True))
    # The undecided members of the publications already made, from their JSON list (comments deleted
    # since are left out). Their summaries (participants NULL until then) are computed by
    # `flask --app consult feedback rebuild-reports`; until it runs, the report is built on first read.
    conn = op.get_bind()
    publication = sa.table('feedback_publication', sa.column('id', sa.Integer), sa.column('undecided_comment_ids', sa.JSON))
    comment = sa.table('comment', sa.column('id', sa.Integer))
    undecided = sa.table('published_undecided', sa.column('publication_id', sa.Integer), sa.column('comment_id', sa.Integer))
    for pub_id, ids in conn.execute(sa.select(publication.c.id, publication.c.undecided_comment_ids)).all():
        ids = sorted(set(ids or []))
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            present = conn.execute(sa.select(comment.c.id).where(comment.c.id.in_(chunk))).scalars().all()
            if present:
                conn.execute(sa.insert(undecided), [{'publication_id': pub_id, 'comment_id': i} for i in present])


def downgrade():
    op.drop_column('feedback_publication', 'by_channel')
    op.drop_column('feedback_publication', 'contact_point_ids')
    op.drop_column('feedback_publication', 'participants')
    op.drop_index(op.f('ix_published_undecided_comment_id'), table_name='published_undecided')
    op.drop_table('published_undecided')
    op.drop_table('feedback_report_place')
