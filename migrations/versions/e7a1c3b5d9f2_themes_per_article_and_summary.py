"""themes per article and the drafted summary of opinions

Revision ID: e7a1c3b5d9f2
Revises: d4e8f1a3c6b9
Create Date: 2026-12-06 10:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1c3b5d9f2'
down_revision = 'd4e8f1a3c6b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_key', sa.Integer(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_theme_draft_id_draft'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme'))
    )
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.create_index('ix_theme_scope', ['draft_id', 'article_key'], unique=False)

    op.create_table('theme_anchor',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_key', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.String(length=40), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_theme_anchor_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_anchor_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('draft_id', 'article_key', 'anchor', name=op.f('pk_theme_anchor'))
    )
    with op.batch_alter_table('theme_anchor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_anchor_theme_id'), ['theme_id'], unique=False)

    op.create_table('theme_member',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_key', sa.Integer(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_theme_member_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_theme_member_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_member_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_theme_member'))
    )
    with op.batch_alter_table('theme_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_member_theme_id'), ['theme_id'], unique=False)
        batch_op.create_index('ix_theme_member_scope', ['draft_id', 'article_key'], unique=False)

    op.create_table('opinion_summary',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_off_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_off_by_name', sa.String(length=80), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('themes_built_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_opinion_summary_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_off_by_id'], ['user.id'], name=op.f('fk_opinion_summary_signed_off_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('draft_id', name=op.f('pk_opinion_summary'))
    )

    op.create_table('summary_section',
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_key', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_summary_section_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_summary_section_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('draft_id', 'article_key', name=op.f('pk_summary_section'))
    )


def downgrade():
    op.drop_table('summary_section')
    op.drop_table('opinion_summary')
    with op.batch_alter_table('theme_member', schema=None) as batch_op:
        batch_op.drop_index('ix_theme_member_scope')
        batch_op.drop_index(batch_op.f('ix_theme_member_theme_id'))
    op.drop_table('theme_member')
    with op.batch_alter_table('theme_anchor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_anchor_theme_id'))
    op.drop_table('theme_anchor')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_index('ix_theme_scope')
    op.drop_table('theme')
