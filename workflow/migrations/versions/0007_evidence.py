"""evidence: a case's evidence items (kept with people's edits) and the bundles built from them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 14:59:25.963645
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('zip_sha256', sa.String(length=64), nullable=True),
    sa.Column('manifest', sa.JSON(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('inputs_sha256', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_evidence_bundle_case_id_dunning_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_bundle'))
    )
    with op.batch_alter_table('evidence_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_bundle_case_id'), ['case_id'], unique=False)

    op.create_table('evidence_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('group', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_evidence_item_case_id_dunning_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_item')),
    sa.UniqueConstraint('case_id', 'ref', name=op.f('uq_evidence_item_case_id_ref'))
    )
    with op.batch_alter_table('evidence_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_item_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evidence_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_item_case_id'))

    op.drop_table('evidence_item')
    with op.batch_alter_table('evidence_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_bundle_case_id'))

    op.drop_table('evidence_bundle')
