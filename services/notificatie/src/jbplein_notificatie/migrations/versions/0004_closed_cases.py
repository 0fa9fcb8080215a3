"""meldingen whose case closed: their letters are not the gezin's earlier letters

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:05:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jbplein_kit.db


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'afgesloten_melding',
        sa.Column('melding_id', sa.Uuid(), nullable=False),
        sa.Column('afgesloten_op', jbplein_kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('melding_id', name=op.f('pk_afgesloten_melding')),
    )


def downgrade() -> None:
    op.drop_table('afgesloten_melding')
