"""cases, dunning policies and the outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 13:39:35.753194
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('case_sequence',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_case_sequence'))
    )
    op.create_table('dunning_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('promise_grace_days', sa.Integer(), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_policy')),
    sa.UniqueConstraint('name', name=op.f('uq_dunning_policy_name'))
    )
    op.create_table('scheduled_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=False),
    sa.Column('claimed_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_run')),
    sa.UniqueConstraint('job', 'run_on', name=op.f('uq_scheduled_run_job_run_on'))
    )
    op.create_table('customer_dunning',
    sa.Column('customer_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=True),
    sa.Column('statement_schedule', sa.String(length=16), nullable=False),
    sa.Column('credit_hold_reason', sa.Text(), nullable=True),
    sa.Column('credit_hold_since', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_dunning_customer_id_customer')),
    sa.ForeignKeyConstraint(['policy_id'], ['dunning_policy.id'], name=op.f('fk_customer_dunning_policy_id_dunning_policy')),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_dunning'))
    )
    op.create_table('dunning_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=20), nullable=False),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('resume_to', sa.String(length=32), nullable=True),
    sa.Column('open_slot', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('opened_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('closed_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('paused_until', sa.Date(), nullable=True),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('assigned_user_id', sa.Integer(), nullable=True),
    sa.Column('last_action_on', sa.Date(), nullable=True),
    sa.Column('updated_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('open_slot IS NULL OR open_slot = 1', name=op.f('ck_dunning_case_open_slot_one')),
    sa.ForeignKeyConstraint(['assigned_user_id'], ['user_account.id'], name=op.f('fk_dunning_case_assigned_user_id_user_account')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditor_entity.id'], name=op.f('fk_dunning_case_creditor_id_creditor_entity')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_dunning_case_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_case')),
    sa.UniqueConstraint('creditor_id', 'customer_id', 'open_slot', name='uq_case_one_open'),
    sa.UniqueConstraint('ref', name=op.f('uq_dunning_case_ref'))
    )
    with op.batch_alter_table('dunning_case', schema=None) as batch_op:
        batch_op.create_index('ix_case_state', ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_case_customer_id'), ['customer_id'], unique=False)

    op.create_table('webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_webhook_delivery_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery'))
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_webhook_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_case_note_case_id_dunning_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_case_id'), ['case_id'], unique=False)

    op.create_table('promise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('promised_on', sa.Date(), nullable=False),
    sa.Column('amount', workflow.db.Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('paid_before', workflow.db.Money(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_promise_amount_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_promise_case_id_dunning_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promise'))
    )
    with op.batch_alter_table('promise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promise_case_id'), ['case_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('contact_on', sa.Date(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=False),
    sa.Column('reply_to', sa.String(length=254), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('cc', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('lease_owner', sa.String(length=120), nullable=True),
    sa.Column('lease_until', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('raw_sha256', sa.String(length=64), nullable=True),
    sa.Column('raw_size', sa.Integer(), nullable=True),
    sa.Column('smtp_reply', sa.Text(), nullable=True),
    sa.Column('transport', sa.String(length=16), nullable=True),
    sa.Column('sent_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('bounced_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_outbox_message_case_id_dunning_case')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_outbox_message_customer_id_customer')),
    sa.ForeignKeyConstraint(['document_id'], ['generated_document.id'], name=op.f('fk_outbox_message_document_id_generated_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_message_id'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_contact', ['customer_id', 'contact_on'], unique=False)
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_case_id'), ['case_id'], unique=False)

    op.create_table('repayment_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_before', workflow.db.Money(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_repayment_plan_case_id_dunning_case')),
    sa.ForeignKeyConstraint(['document_id'], ['generated_document.id'], name=op.f('fk_repayment_plan_document_id_generated_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repayment_plan'))
    )
    with op.batch_alter_table('repayment_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repayment_plan_case_id'), ['case_id'], unique=False)

    op.create_table('dunning_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('creditor_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('resolved_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_dunning_action_case_id_dunning_case')),
    sa.ForeignKeyConstraint(['creditor_id'], ['creditor_entity.id'], name=op.f('fk_dunning_action_creditor_id_creditor_entity')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_dunning_action_customer_id_customer')),
    sa.ForeignKeyConstraint(['document_id'], ['generated_document.id'], name=op.f('fk_dunning_action_document_id_generated_document')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_dunning_action_outbox_id_outbox_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_action')),
    sa.UniqueConstraint('key', name=op.f('uq_dunning_action_key'))
    )
    with op.batch_alter_table('dunning_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_action_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_customer_id'), ['customer_id'], unique=False)

    op.create_table('outbox_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('started_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_outbox_attempt_outbox_id_outbox_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempt'))
    )
    with op.batch_alter_table('outbox_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attempt_outbox_id'), ['outbox_id'], unique=False)

    op.create_table('plan_instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', workflow.db.Money(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_plan_instalment_amount_positive')),
    sa.ForeignKeyConstraint(['plan_id'], ['repayment_plan.id'], name=op.f('fk_plan_instalment_plan_id_repayment_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_instalment')),
    sa.UniqueConstraint('plan_id', 'seq', name=op.f('uq_plan_instalment_plan_id_seq'))
    )
    with op.batch_alter_table('plan_instalment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_instalment_plan_id'), ['plan_id'], unique=False)

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receives_dunning', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('email_invalid_since', workflow.db.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('generated_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_generated_document_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_generated_document_customer_id'), ['customer_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_generated_document_case_id_dunning_case'), 'dunning_case', ['case_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_generated_document_customer_id_customer'), 'customer', ['customer_id'], ['id'])




def downgrade() -> None:

    with op.batch_alter_table('generated_document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_generated_document_customer_id_customer'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_generated_document_case_id_dunning_case'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_generated_document_customer_id'))
        batch_op.drop_index(batch_op.f('ix_generated_document_case_id'))
        batch_op.drop_column('customer_id')
        batch_op.drop_column('case_id')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('email_invalid_since')
        batch_op.drop_column('receives_dunning')

    with op.batch_alter_table('plan_instalment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_instalment_plan_id'))

    op.drop_table('plan_instalment')
    with op.batch_alter_table('outbox_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attempt_outbox_id'))

    op.drop_table('outbox_attempt')
    with op.batch_alter_table('dunning_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_action_customer_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_case_id'))

    op.drop_table('dunning_action')
    with op.batch_alter_table('repayment_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repayment_plan_case_id'))

    op.drop_table('repayment_plan')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_case_id'))
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_index('ix_outbox_contact')

    op.drop_table('outbox_message')
    with op.batch_alter_table('promise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promise_case_id'))

    op.drop_table('promise')
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_case_id'))

    op.drop_table('case_note')
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_due')
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_customer_id'))

    op.drop_table('webhook_delivery')
    with op.batch_alter_table('dunning_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_case_customer_id'))
        batch_op.drop_index('ix_case_state')

    op.drop_table('dunning_case')
    op.drop_table('customer_dunning')
    op.drop_table('scheduled_run')
    op.drop_table('dunning_policy')
    op.drop_table('case_sequence')

