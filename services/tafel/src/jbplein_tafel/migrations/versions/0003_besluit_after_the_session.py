"""besluit after the session: the session a melding was moved on from

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vorige_sessie_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_agenda_item_vorige_sessie_id_sessie'), 'sessie', ['vorige_sessie_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_vorige_sessie_id_sessie'), type_='foreignkey')
        batch_op.drop_column('vorige_sessie_id')
