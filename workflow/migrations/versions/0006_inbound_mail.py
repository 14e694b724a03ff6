"""inbound mail: received messages, mailbox read positions, clerks' triage decisions, contact email index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:08:42.421759
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workflow.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailbox_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('highestmodseq', sa.BigInteger(), nullable=True),
    sa.Column('updated_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_state')),
    sa.UniqueConstraint('name', name=op.f('uq_mailbox_state_name'))
    )
    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=500), nullable=True),
    sa.Column('mailbox', sa.String(length=255), nullable=False),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('maildir_key', sa.String(length=255), nullable=True),
    sa.Column('received_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('server_done', sa.Boolean(), nullable=False),
    sa.Column('triage_reason', sa.String(length=24), nullable=True),
    sa.Column('from_address', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('sent_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('intent', sa.String(length=32), nullable=True),
    sa.Column('classification', sa.JSON(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.String(length=24), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('processed_at', workflow.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_inbound_message_case_id_dunning_case')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_inbound_message_customer_id_customer')),
    sa.ForeignKeyConstraint(['duplicate_of'], ['inbound_message.id'], name=op.f('fk_inbound_message_duplicate_of_inbound_message')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_inbound_message_outbox_id_outbox_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_message')),
    sa.UniqueConstraint('sha256', name=op.f('uq_inbound_message_sha256'))
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_mailbox_uid', ['mailbox', 'uidvalidity', 'uid'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_message_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_message_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_inbound_status', ['status', 'id'], unique=False)

    op.create_table('triage_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('machine_intent', sa.String(length=32), nullable=True),
    sa.Column('intent', sa.String(length=32), nullable=False),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.Column('machine', sa.JSON(), nullable=True),
    sa.Column('corrections', sa.JSON(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decided_at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_case.id'], name=op.f('fk_triage_decision_case_id_dunning_case')),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_message.id'], name=op.f('fk_triage_decision_inbound_id_inbound_message')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_decision'))
    )
    with op.batch_alter_table('triage_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_decision_inbound_id'), ['inbound_id'], unique=False)

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_email', ['email'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_email')

    with op.batch_alter_table('triage_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_triage_decision_inbound_id'))

    op.drop_table('triage_decision')
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_status')
        batch_op.drop_index(batch_op.f('ix_inbound_message_message_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_message_case_id'))
        batch_op.drop_index('ix_inbound_mailbox_uid')

    op.drop_table('inbound_message')
    op.drop_table('mailbox_state')
