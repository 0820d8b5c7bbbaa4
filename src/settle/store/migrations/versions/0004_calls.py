"""Voice calls: the calls table, and speech-to-text confidence on spoken turns

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('turns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asr_confidence', sa.Float(), nullable=True))
    op.create_table(
        'calls',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('conversation_id', sa.String(length=36), nullable=True),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('provider_sid', sa.String(length=64), nullable=True),
        sa.Column('answered_by', sa.String(length=30), nullable=True),
        sa.Column('media_token_hash', sa.String(length=64), nullable=True),
        sa.Column('media_claimed', sa.Boolean(), nullable=False),
        sa.Column('recording_path', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('conversation_id'),
        sa.UniqueConstraint('provider_sid'),
        sa.UniqueConstraint('media_token_hash'),
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('calls')
    with op.batch_alter_table('turns', schema=None) as batch_op:
        batch_op.drop_column('asr_confidence')
