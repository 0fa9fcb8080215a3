"""The base of every request body the services accept."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

NUL_TEKEN = "contains a NUL character"


def _heeft_nul(waarde: Any) -> bool:
    if isinstance(waarde, str):
        return "\x00" in waarde
    if isinstance(waarde, list | tuple | set):
        return any(_heeft_nul(w) for w in waarde)
    # A dict is a nested model: it checks its own fields, so the problem names the deepest one.
    return False


class Invoer(BaseModel):
    """Unknown fields are refused, and so is a NUL character in any text: PostgreSQL cannot
    store it, and no person types it. The problem names the field (a 400, never a 5xx)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _geen_nul(cls, waarde: Any) -> Any:
        if _heeft_nul(waarde):
            raise PydanticCustomError("nul_teken", NUL_TEKEN)
        return waarde
