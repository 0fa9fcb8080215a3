from datetime import time
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from jbplein_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JBPLEIN_", extra="ignore", frozen=True)

    port: int = 8102
    sessie_weekdagen: tuple[int, ...] = Field(
        default=(0, 1, 2, 3, 4), description="Weekdays with a session (Monday = 0)."
    )
    sessie_begin: time = time(10, 0)
    sessie_einde: time = time(12, 0)
    sessie_capaciteit: int = Field(default=15, ge=1, le=200)
    agenda_sluiting: time = Field(
        default=time(9, 0), description="The agenda of a day closes at this local time."
    )
    plan_horizon_werkdagen: int = Field(default=15, ge=2, le=120)

    @model_validator(mode="after")
    def _tafel_vaak_genoeg(self) -> Self:
        dagen = set(self.sessie_weekdagen)
        if not dagen <= set(range(5)):
            raise ValueError("regular sessions are on weekdays (0-4); add others as extra sessions")
        if 2 not in dagen or len(dagen) < 4:
            raise ValueError("the tafel meets at least four days a week, always on Wednesday")
        if self.sessie_einde <= self.sessie_begin:
            raise ValueError("a session ends after it begins")
        if self.agenda_sluiting > self.sessie_begin:
            raise ValueError("the agenda closes before the session begins")
        return self
