"""responsibility: salespeople (role sales, employee numbers), the salesperson per customer and the
salesperson and collection clerk overriding it per contract and invoice; internal notices in the outbox

On SQLite the new columns are added with ALTER TABLE (their foreign keys inline), so the ledger's
big tables are not rebuilt. Only ``outbox_message`` must be rebuilt (its customer becomes optional):
SQLite refuses to drop a table other rows point to while foreign keys are enforced, and the switch
works only between transactions, so that one step runs with them off and is checked after
(``PRAGMA foreign_key_check``), as https://www.sqlite.org/lang_altertable.html describes.

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

PEOPLE = (('customer', 'salesperson_id'), ('contract', 'salesperson_id'), ('contract', 'collector_id'),
          ('invoice', 'salesperson_id'), ('invoice', 'collector_id'))


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == 'sqlite')


def _add_user_reference(table: str, column: str) -> None:
    name = f'fk_{table}_{column}_user_account'
    if _sqlite():
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER '
                   f'CONSTRAINT {name} REFERENCES user_account (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, 'user_account', [column], ['id'])


def _foreign_keys_off() -> None:
    bind = op.get_bind()
    bind.exec_driver_sql('COMMIT')
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    bind.exec_driver_sql('BEGIN IMMEDIATE')


def _foreign_keys_on() -> None:
    bind = op.get_bind()
    broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
    if broken:
        raise RuntimeError(f'foreign keys broken by the rebuild: {broken[:5]}')
    bind.exec_driver_sql('COMMIT')
    bind.exec_driver_sql('PRAGMA foreign_keys=ON')
    bind.exec_driver_sql('BEGIN IMMEDIATE')


def upgrade() -> None:
    op.add_column('user_account', sa.Column('employee_no', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_user_account_employee_no'), 'user_account', ['employee_no'], unique=True)

    for table, column in PEOPLE:
        _add_user_reference(table, column)
    op.create_index(op.f('ix_customer_salesperson_id'), 'customer', ['salesperson_id'], unique=False)
    for column in ('salesperson_id', 'collector_id'):
        only_named = sa.text(f'{column} IS NOT NULL')
        op.create_index(f'ix_invoice_{column.removesuffix("_id")}', 'invoice', [column], unique=False,
                        sqlite_where=only_named, postgresql_where=only_named)

    sqlite = _sqlite()
    if sqlite:
        _foreign_keys_off()
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_key', sa.String(length=200), nullable=True))
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_outbox_message_notice_key'), ['notice_key'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_user_id_user_account'), 'user_account',
                                    ['user_id'], ['id'])
    if sqlite:
        _foreign_keys_on()


def downgrade() -> None:
    sqlite = _sqlite()
    if sqlite:
        _foreign_keys_off()
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_user_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_notice_key'))
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('notice_key')
        batch_op.drop_column('user_id')
    op.drop_index(op.f('ix_customer_salesperson_id'), table_name='customer')
    op.drop_index('ix_invoice_salesperson', table_name='invoice')
    op.drop_index('ix_invoice_collector', table_name='invoice')
    for table, column in reversed(PEOPLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if not sqlite:
                batch_op.drop_constraint(f'fk_{table}_{column}_user_account', type_='foreignkey')
            batch_op.drop_column(column)
    op.drop_index(op.f('ix_user_account_employee_no'), table_name='user_account')
    op.drop_column('user_account', 'employee_no')
    if sqlite:
        _foreign_keys_on()
