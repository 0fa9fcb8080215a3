from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jbplein_kit.db import UtcDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Effect(Base):
    """One row per time a handler applied a message."""

    __tablename__ = "effect"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
