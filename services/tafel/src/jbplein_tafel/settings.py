from datetime import time

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jbplein_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JBPLEIN_", extra="ignore", frozen=True)

    port: int = 8102
    sessie_begin: time = time(10, 0)
    sessie_einde: time = time(12, 0)
    agenda_sluiting: time = Field(
        default=time(9, 0), description="Agenda cut-off on the day of a session (local time)."
    )
