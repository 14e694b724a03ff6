"""responsibility: salespeople (role sales, employee numbers), the salesperson per customer and the
salesperson and collection clerk overriding it per contract and invoice; internal notices in the outbox

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employee_no', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_employee_no'), ['employee_no'])

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salesperson_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_customer_salesperson_id'), ['salesperson_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_customer_salesperson_id_user_account'), 'user_account',
                                    ['salesperson_id'], ['id'])

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salesperson_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('collector_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_contract_salesperson_id_user_account'), 'user_account',
                                    ['salesperson_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_contract_collector_id_user_account'), 'user_account',
                                    ['collector_id'], ['id'])

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salesperson_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('collector_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invoice_salesperson_id_user_account'), 'user_account',
                                    ['salesperson_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_invoice_collector_id_user_account'), 'user_account',
                                    ['collector_id'], ['id'])

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_key', sa.String(length=200), nullable=True))
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_notice_key'), ['notice_key'])
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_user_id_user_account'), 'user_account',
                                    ['user_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_user_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_notice_key'), type_='unique')
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('notice_key')
        batch_op.drop_column('user_id')

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invoice_collector_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_invoice_salesperson_id_user_account'), type_='foreignkey')
        batch_op.drop_column('collector_id')
        batch_op.drop_column('salesperson_id')

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contract_collector_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contract_salesperson_id_user_account'), type_='foreignkey')
        batch_op.drop_column('collector_id')
        batch_op.drop_column('salesperson_id')

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customer_salesperson_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_customer_salesperson_id'))
        batch_op.drop_column('salesperson_id')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_account_employee_no'), type_='unique')
        batch_op.drop_column('employee_no')
