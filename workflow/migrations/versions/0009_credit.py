"""credit: each customer's daily rating with its reasons and figures, orders other systems report for
the exposure, warning-sign flags, and credit-hold recommendations awaiting a person

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:31:15.176638
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('reason_zh', sa.Text(), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_credit_recommendation_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_recommendation'))
    )
    with op.batch_alter_table('credit_recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_recommendation_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_credit_recommendation_status', ['status', 'customer_id'], unique=False)

    op.create_table('customer_exposure_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('external_ref', sa.String(length=64), nullable=False),
    sa.Column('amount', workflow.db.Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ordered_on', sa.Date(), nullable=True),
    sa.Column('reported_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reported_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_customer_exposure_order_amount_positive')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_exposure_order_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_exposure_order')),
    sa.UniqueConstraint('source', 'external_ref', name=op.f('uq_customer_exposure_order_source_external_ref'))
    )
    with op.batch_alter_table('customer_exposure_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_exposure_order_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('open_slot', sa.Integer(), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('raised_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cleared_by', sa.String(length=64), nullable=True),
    sa.Column('clear_note', sa.Text(), nullable=True),
    sa.CheckConstraint('open_slot IS NULL OR open_slot = 1', name=op.f('ck_customer_flag_open_slot_one')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_flag_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_flag')),
    sa.UniqueConstraint('customer_id', 'kind', 'open_slot', name='uq_customer_flag_open')
    )
    with op.batch_alter_table('customer_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_flag_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=1), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('computed_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_customer_rating_score_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_rating_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_rating')),
    sa.UniqueConstraint('customer_id', 'as_of', name=op.f('uq_customer_rating_customer_id_as_of'))
    )
    with op.batch_alter_table('customer_rating', schema=None) as batch_op:
        batch_op.create_index('ix_customer_rating_day_grade', ['as_of', 'grade'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('customer_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_rating_day_grade')

    op.drop_table('customer_rating')
    with op.batch_alter_table('customer_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_flag_customer_id'))

    op.drop_table('customer_flag')
    with op.batch_alter_table('customer_exposure_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_exposure_order_customer_id'))

    op.drop_table('customer_exposure_order')
    with op.batch_alter_table('credit_recommendation', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_recommendation_status')
        batch_op.drop_index(batch_op.f('ix_credit_recommendation_customer_id'))

    op.drop_table('credit_recommendation')
