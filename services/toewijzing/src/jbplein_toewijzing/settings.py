from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jbplein_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JBPLEIN_", extra="ignore", frozen=True)

    port: int = 8103
    referentie_file: Path | None = Field(
        default=None,
        description=(
            "JBRR's gebiedsteams and jeugdbeschermers (TOML), loaded at start-up when its "
            "content changed since it was last loaded; the example data when unset outside "
            "production."
        ),
    )
