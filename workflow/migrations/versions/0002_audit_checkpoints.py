"""audit checkpoints: keyed, append-only checkpoints of the audit log's head

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Entries written before this revision keep their hashes (the verifier knows the earlier hash
scheme); new entries get ids from their writer, because the hash covers the id, so on PostgreSQL
the id column no longer draws from a sequence.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import workflow.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', workflow.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    sa.UniqueConstraint('mac', name=op.f('uq_audit_checkpoint_mac'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entry ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS audit_entry_id_seq")
        op.execute("""
            CREATE FUNCTION audit_checkpoint_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_checkpoint is append-only';
            END $$""")
        op.execute("""CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
                      FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_checkpoint_no_{event.lower()} BEFORE {event} ON audit_checkpoint
                           BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoint_append_only()")
        op.execute("CREATE SEQUENCE audit_entry_id_seq OWNED BY audit_entry.id")
        op.execute("SELECT setval('audit_entry_id_seq', COALESCE((SELECT max(id) FROM audit_entry), 0) + 1, false)")
        op.execute("ALTER TABLE audit_entry ALTER COLUMN id SET DEFAULT nextval('audit_entry_id_seq')")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_no_delete")
    op.drop_table('audit_checkpoint')
