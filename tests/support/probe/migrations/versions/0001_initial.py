"""The probe's schema: its effect table and the kit's tables.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

import jbplein_kit.db
from jbplein_kit.db import KitBase
from jbplein_kit.migrations import _KIT_TABLES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    assert _KIT_TABLES
    op.create_table(
        "effect",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", jbplein_kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effect")),
    )
    KitBase.metadata.create_all(op.get_bind())


def downgrade() -> None:
    op.drop_table("effect")
