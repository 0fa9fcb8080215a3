from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from jbplein_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="JBPLEIN_", extra="ignore", frozen=True)

    port: int = 8104

    # the letter
    regisseur_wachttijd_seconden: float = Field(
        default=900.0,
        gt=0,
        le=7 * 24 * 3600,
        description=(
            "How long a drang or raadsonderzoek letter waits for its casusregisseur (normally "
            "seconds) before it is made without the name."
        ),
    )
    brieven_parallel: int = Field(
        default=4, ge=1, le=32, description="Letters made at the same time."
    )
    brief_backoff_seconden: tuple[float, ...] = Field(
        default=(5.0, 30.0, 120.0, 600.0),
        description="Waits between attempts to make a letter when intake cannot be reached.",
    )

    # webhook deliveries to partners
    webhook_eerste_wachttijd_seconden: float = Field(default=30.0, gt=0)
    webhook_max_wachttijd_seconden: float = Field(default=3600.0, gt=0)
    webhook_opgeven_na_seconden: float = Field(
        default=24 * 3600.0, gt=0, description="Retries stop this long after the first attempt."
    )
    webhook_timeout_seconden: float = Field(default=10.0, gt=0, le=60)
    webhook_parallel: int = Field(
        default=4, ge=1, le=32, description="Deliveries under way at the same time."
    )
    webhook_alleen_https: bool = Field(
        default=False, description="Refuse subscriptions to a plain http:// callback."
    )
    webhook_interne_doelen: bool = Field(
        default=False,
        description=(
            "Allow callbacks to loopback, private and link-local addresses: for the embedded "
            "mode and tests only; refused in production."
        ),
    )

    @model_validator(mode="after")
    def _veilige_webhooks_in_productie(self) -> Self:
        if self.omgeving == "productie" and not self.webhook_alleen_https:
            raise ValueError("production needs JBPLEIN_WEBHOOK_ALLEEN_HTTPS=true")
        if self.omgeving == "productie" and self.webhook_interne_doelen:
            raise ValueError("production refuses JBPLEIN_WEBHOOK_INTERNE_DOELEN=true")
        return self
