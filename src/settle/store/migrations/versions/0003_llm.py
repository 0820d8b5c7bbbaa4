"""LLM in the loop: the prompt id and model name behind each turn

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('turns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prompt_id', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('model', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('turns', schema=None) as batch_op:
        batch_op.drop_column('model')
        batch_op.drop_column('prompt_id')
