"""server-side sessions, login throttling, API token expiry

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import workflow.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# tokens issued before tokens could expire get the default lifetime from the upgrade on, so
# integrations keep working while someone replaces them
EXISTING_TOKEN_DAYS = 90


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_web_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session'))
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)

    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', workflow.db.UtcDateTime(timezone=True), nullable=True))
    token = sa.table('api_token', sa.column('expires_at', workflow.db.UtcDateTime(timezone=True)))
    op.execute(token.update().where(token.c.expires_at.is_(None))
               .values(expires_at=datetime.now(UTC) + timedelta(days=EXISTING_TOKEN_DAYS)))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=workflow.db.UtcDateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
        batch_op.drop_column('expires_at')
    op.drop_table('login_throttle')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))
    op.drop_table('web_session')
