"""theme jobs: staff's recomputation of a draft's themes run in the background, with its progress

Revision ID: 5f2a8b0c4d56
Revises: 3c9d5e7f1a23
Create Date: 2026-12-06 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f2a8b0c4d56'
down_revision = '3c9d5e7f1a23'
branch_labels = None
depends_on = None

WAITING = "state IN ('queued', 'running')"


def upgrade():
    op.create_table('theme_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=15), nullable=False),
    sa.Column('scopes_done', sa.Integer(), nullable=False),
    sa.Column('scopes_total', sa.Integer(), nullable=False),
    sa.Column('themes', sa.Integer(), nullable=True),
    sa.Column('changed', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_theme_job_state')),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_theme_job_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['user.id'], name=op.f('fk_theme_job_requested_by_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_job'))
    )
    op.create_index('ix_theme_job_state', 'theme_job', ['state', 'id'], unique=False)
    op.create_index('ix_theme_job_draft', 'theme_job', ['draft_id', 'id'], unique=False)
    # At most one job waits or runs per draft: a second press of the button finds it instead.
    op.create_index(
        'uq_theme_job_waiting', 'theme_job', ['draft_id'], unique=True,
        sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING),
    )


def downgrade():
    op.drop_index('uq_theme_job_waiting', table_name='theme_job')
    op.drop_index('ix_theme_job_draft', table_name='theme_job')
    op.drop_index('ix_theme_job_state', table_name='theme_job')
    op.drop_table('theme_job')
