"""Service settings, from the environment (prefix ``JBPLEIN_``), with safe defaults.

The embedded defaults (SQLite under a data folder, a local nats-server) are for a laptop and for
tests. ``JBPLEIN_OMGEVING=productie`` refuses what is unsafe there: SQLite, a missing accounts
file, a test clock, the console exporter.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Omgeving = Literal["ontwikkeling", "test", "productie"]
TelemetryExporter = Literal["none", "console", "file", "otlp"]


class ServiceSettings(BaseSettings):
    """Settings every service shares; each service subclasses it with its own defaults."""

    model_config = SettingsConfigDict(env_prefix="JBPLEIN_", extra="ignore", frozen=True)

    omgeving: Omgeving = "ontwikkeling"
    host: str = "127.0.0.1"
    port: int = Field(default=8100, ge=1, le=65535)
    public_url: str | None = Field(
        default=None, description="Base URL other systems reach this service on (for dataref)."
    )
    data_dir: Path = Path(".jbplein/data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite file under data_dir when unset."
    )

    # messaging
    nats_url: str = "nats://127.0.0.1:4250"
    declare_streams: bool = True
    stream_replicas: int = Field(default=1, ge=1, le=5)
    max_deliver: int = Field(default=5, ge=1, le=100)
    ack_wait_seconds: float = Field(default=30.0, gt=0)
    redelivery_backoff_seconds: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)

    # telemetry
    telemetry: TelemetryExporter = "none"
    telemetry_file: Path | None = None
    telemetry_file_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=64 * 1024,
        description="A telemetry file is rolled over when it reaches this size.",
    )
    telemetry_file_backups: int = Field(
        default=2, ge=1, le=100, description="How many rolled-over telemetry files are kept."
    )
    otlp_endpoint: str | None = None

    # who may do what, and where the plein works
    accounts_file: Path | None = None
    gemeenten_file: Path | None = None
    gesloten_dagen: tuple[date, ...] = ()
    open_dagen: tuple[date, ...] = ()

    # HTTP
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    session_secret: SecretStr | None = Field(
        default=None, description="Signs staff sessions; the same on every service of a host."
    )
    dienst_token: SecretStr | None = Field(
        default=None, description="This service's own Bearer credential for other services."
    )
    # staff login (see jbplein_kit.inloggen)
    vertrouwde_proxies: tuple[IPvAnyNetwork, ...] = Field(
        default=(),
        description="The exact addresses of the proxies whose X-Forwarded-For is believed "
        "(each may name any client: list no networks beyond the proxies themselves); "
        "from anyone else the header is ignored.",
    )
    inlog_venster_seconden: float = Field(default=900.0, ge=10)
    inlog_max_per_bron: int = Field(default=20, ge=1)
    inlog_max_per_paar: int = Field(default=5, ge=1)
    inlog_max_per_account: int = Field(default=10, ge=1)
    inlog_max_per_apparaat: int = Field(default=5, ge=1)
    inlog_hash_threads: int = Field(default=2, ge=1, le=16)
    # more than one source may have under way within its limit (inlog_max_per_bron)
    inlog_hash_wachtrij: int = Field(default=32, ge=0)
    intake_url: str | None = None
    tafel_url: str | None = None
    toewijzing_url: str | None = None
    notificatie_url: str | None = None

    # time control for the end-to-end tests; refused in production
    clock_file: Path | None = None

    log_level: str = "INFO"

    @model_validator(mode="after")
    def _veilig_in_productie(self) -> Self:
        if self.telemetry == "file" and self.telemetry_file is None:
            raise ValueError("JBPLEIN_TELEMETRY=file needs JBPLEIN_TELEMETRY_FILE")
        if self.telemetry == "otlp" and not self.otlp_endpoint:
            raise ValueError("JBPLEIN_TELEMETRY=otlp needs JBPLEIN_OTLP_ENDPOINT")
        if self.omgeving != "productie":
            return self
        problemen = []
        if self.database_url is None or self.database_url.startswith("sqlite"):
            problemen.append("a PostgreSQL JBPLEIN_DATABASE_URL (SQLite is for the embedded mode)")
        if self.accounts_file is None:
            problemen.append("JBPLEIN_ACCOUNTS_FILE")
        if self.clock_file is not None:
            problemen.append("no JBPLEIN_CLOCK_FILE (a test clock)")
        if self.telemetry == "console":
            problemen.append("a telemetry exporter other than console")
        if self.public_url is None:
            problemen.append("JBPLEIN_PUBLIC_URL")
        if self.session_secret is None or len(self.session_secret.get_secret_value()) < 32:
            problemen.append("JBPLEIN_SESSION_SECRET of at least 32 characters")
        if problemen:
            raise ValueError("production needs " + "; ".join(problemen))
        return self

    def database_url_for(self, service: str) -> str:
        """The configured database, or the embedded SQLite file of ``service``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / f'{service}.db').resolve()}"

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def links(self) -> dict[str, str | None]:
        """Where the other services' screens are, for the navigation of the screens."""
        return {
            "intake": self.intake_url,
            "tafel": self.tafel_url,
            "toewijzing": self.toewijzing_url,
            "notificatie": self.notificatie_url,
        }
