"""deputies and experts: their roles and e-mail, their comments' author, invitations; contact point kinds

Revision ID: 2b8c4d6e0f12
Revises: a3c5e7f9b1d2
Create Date: 2026-12-06 14:10:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b8c4d6e0f12'
down_revision = '1a7b3c5d9e01'  # after the subscriptions (chained when both landed)
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'staff', 'contact_point')"
NEW_ROLES = "role IN ('admin', 'staff', 'contact_point', 'deputy', 'expert')"
KINDS = "kind IN ('legislative', 'deputy_home', 'deputy_station')"
OLD_OUTBOX = "'search.index', 'search.remove', 'mail.feedback', 'sms.feedback', 'groups.update', 'mail.reach', 'sms.reach'"


@contextmanager
def _referring_rows_untouched():
    """On SQLite, run the block with foreign keys off, in a transaction of its own.

    Batch mode changes a CHECK constraint by copying the table and dropping the old one, and with
    foreign keys on that DROP deletes (CASCADE) or empties (SET NULL) every row referring to it: every
    API token, every moderator of a comment. PRAGMA foreign_keys is ignored inside a transaction, so
    the migration's transaction (BEGIN is ours: consult/db.py) is committed first and begun again after.
    """
    conn = op.get_bind()
    if conn.dialect.name != 'sqlite':
        yield
        return
    conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
    conn.exec_driver_sql("BEGIN")
    try:
        yield
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
        conn.exec_driver_sql("COMMIT")
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        raise
    finally:
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        conn.exec_driver_sql("BEGIN")


def upgrade():
    with _referring_rows_untouched():
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=True))
            batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
            batch_op.create_check_constraint(op.f('ck_user_role'), NEW_ROLES)
        with op.batch_alter_table('contact_point', schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('kind', sa.String(length=22), server_default='legislative', nullable=False)
            )
            batch_op.create_check_constraint(op.f('ck_contact_point_kind'), KINDS)
        with op.batch_alter_table('comment', schema=None) as batch_op:
            batch_op.add_column(sa.Column('author_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_comment_author_id'), ['author_id'], unique=False)
            batch_op.create_foreign_key(
                batch_op.f('fk_comment_author_id_user'), 'user', ['author_id'], ['id'], ondelete='SET NULL'
            )

    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_event_kind'), f"kind IN ({OLD_OUTBOX}, 'mail.invite')")

    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('article_ids', sa.JSON(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], name=op.f('fk_invitation_draft_id_draft'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_invitation_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('draft_id', 'user_id', name=op.f('uq_invitation_draft_id_user_id'))
    )
    op.create_index(op.f('ix_invitation_draft_id'), 'invitation', ['draft_id'], unique=False)
    op.create_index(op.f('ix_invitation_user_id'), 'invitation', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_invitation_user_id'), table_name='invitation')
    op.drop_index(op.f('ix_invitation_draft_id'), table_name='invitation')
    op.drop_table('invitation')
    op.execute("DELETE FROM outbox_event WHERE kind = 'mail.invite'")
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_event_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_event_kind'), f"kind IN ({OLD_OUTBOX})")
    # The old schema has no place for deputies' and experts' accounts: their comments stay, unattributed.
    op.execute("UPDATE comment SET author_id = NULL")
    op.execute("DELETE FROM api_token WHERE user_id IN (SELECT id FROM \"user\" WHERE role IN ('deputy', 'expert'))")
    op.execute("DELETE FROM \"user\" WHERE role IN ('deputy', 'expert')")
    with _referring_rows_untouched():
        with op.batch_alter_table('comment', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_comment_author_id_user'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_comment_author_id'))
            batch_op.drop_column('author_id')
        with op.batch_alter_table('contact_point', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_contact_point_kind'), type_='check')
            batch_op.drop_column('kind')
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_user_role'), type_='check')
            batch_op.create_check_constraint(op.f('ck_user_role'), OLD_ROLES)
            batch_op.drop_column('email')
