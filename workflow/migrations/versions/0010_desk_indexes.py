"""desk indexes: the case list pages through the cases newest first (``GET /cases``, sorted by the
opening time): with an index on ``dunning_case.opened_at`` a page is read in order and cut at its
LIMIT instead of sorting every case (benchmarks/desk.py)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""
from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_case_opened', 'dunning_case', ['opened_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_opened', table_name='dunning_case')
