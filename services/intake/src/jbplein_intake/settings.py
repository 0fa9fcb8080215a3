from pydantic_settings import SettingsConfigDict

from jbplein_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JBPLEIN_", extra="ignore", frozen=True)

    port: int = 8101
