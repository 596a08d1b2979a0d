"""Settings from the environment (prefix STADTKERN_). Read once, in the composition root."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.db.engine import is_sqlite
from adapters.jwt_tokens import key_set_from_json

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./stadtkern.db"
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STADTKERN_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = Field(default=10, ge=1, le=200)
    redis_url: str = ""
    redis_prefix: str = Field(default="sk:", pattern=r"^[A-Za-z0-9:_-]{1,40}$")
    base_domain: str = Field(default="localhost", pattern=r"^[a-z0-9.-]{1,253}$")
    allow_tenant_header: bool | None = None
    trusted_proxies: Annotated[tuple[IpNetwork, ...], NoDecode] = ()
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    tenants_dir: str = "tenants"
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=100 * 1_048_576)
    tenant_cache_seconds: float = Field(default=1.0, ge=0, le=300)
    # Logins, sign-ups and resets per client address and minute, across all tenants; a
    # tenant file may only lower it.
    auth_attempts_per_address_per_minute: int = Field(default=20, ge=1, le=1_000_000)
    jwt_private_keys: str = ""
    jwt_keys_file: str = ".stadtkern-jwt-keys.json"
    smtp_url: str = ""
    mail_from: str = "Stadtkern <noreply@localhost>"
    mail_outbox_dir: str = "mail-outbox"
    # Uploaded images: files in `media_dir` (the embedded default) or an S3-compatible bucket.
    media_storage: Literal["local", "s3"] = "local"
    media_dir: str = "media"  # local storage only
    # Where clients fetch media: local defaults to the API's own /media; s3 needs the bucket's
    # public URL or a CDN in front of it.
    media_public_url: str | None = Field(default=None, pattern=r"^((/|https?://)\S*)?$")
    s3_bucket: str = ""
    s3_endpoint_url: str | None = Field(default=None, pattern=r"^(https?://\S+)?$")  # unset: AWS
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None  # with the secret; both unset: the AWS default chain
    s3_secret_access_key: SecretStr | None = None
    s3_key_prefix: str = ""  # e.g. "media/" when the bucket holds other things too
    # Where the Stripe SDK sends its calls: unset is Stripe itself; a local fake in tests.
    stripe_api_base: str | None = Field(default=None, pattern=r"^(https?://\S+)?$")
    # Decoded images above this many pixels are refused unread (decompression bombs).
    max_image_pixels: int = Field(default=50_000_000, ge=1_000_000, le=200_000_000)
    # The worker (outbox handlers and scheduled jobs). In process: on by default on the
    # embedded database, so `serve` alone does everything; elsewhere run `stadtkern worker`.
    worker_in_process: bool | None = None
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_lease_seconds: float = Field(default=300.0, gt=0, le=86_400)
    worker_retry_base_seconds: float = Field(default=5.0, gt=0, le=3600)
    worker_retry_cap_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    graphql_introspection: bool = True  # the schema is public (openapi/schema.graphql) anyway
    # Webhook URLs may name loopback, private, link-local ... addresses, and http: tests and
    # development only (it opens the internal network to whoever may subscribe).
    webhooks_allow_private_targets: bool = False
    # Remote parents (tenant files' `remote_parent`): how often the worker pushes, and the
    # longest wait between tries while a remote is down (the first is the retry base above).
    remote_push_seconds: float = Field(default=5.0, gt=0, le=3600)
    remote_push_retry_cap_seconds: float = Field(default=600.0, gt=0, le=86_400)

    @model_validator(mode="after")
    def _production_needs_keys(self) -> Settings:
        if self.environment is Environment.PRODUCTION and not self.jwt_private_keys:
            raise ValueError(
                "STADTKERN_JWT_PRIVATE_KEYS is required in production "
                "(make one with `stadtkern keys generate`)"
            )
        return self

    @model_validator(mode="after")
    def _s3_needs_bucket_and_public_url(self) -> Settings:
        if self.media_storage != "s3":
            return self
        if not self.s3_bucket:
            raise ValueError("STADTKERN_S3_BUCKET is required when STADTKERN_MEDIA_STORAGE=s3")
        if not self.media_public_url:
            raise ValueError(
                "STADTKERN_MEDIA_PUBLIC_URL is required when STADTKERN_MEDIA_STORAGE=s3 "
                "(the bucket's public URL or a CDN's, where clients fetch the images)"
            )
        secret = self.s3_secret_access_key.get_secret_value() if self.s3_secret_access_key else ""
        if bool(self.s3_access_key_id) != bool(secret):
            raise ValueError(
                "set both STADTKERN_S3_ACCESS_KEY_ID and STADTKERN_S3_SECRET_ACCESS_KEY, "
                "or neither (the AWS default credential chain)"
            )
        return self

    @field_validator("base_domain")
    @classmethod
    def _no_root_dot(cls, value: str) -> str:
        # "city.example." is the same domain; without the dot every suffix check agrees.
        return value.rstrip(".")

    @field_validator("jwt_private_keys")
    @classmethod
    def _readable_keys(cls, value: str) -> str:
        if value:
            key_set_from_json(value)
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str) -> str:
        if value and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("must be empty (outbox directory) or an smtp:// or smtps:// URL")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(
                ipaddress.ip_network(part.strip(), strict=False)
                for part in value.split(",")
                if part.strip()
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty (in-process) or a redis://, rediss:// or unix:// URL")
        return value

    @property
    def tenant_header_allowed(self) -> bool:
        if self.allow_tenant_header is not None:
            return self.allow_tenant_header
        return self.environment is Environment.DEVELOPMENT

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def uses_embedded_database(self) -> bool:
        return is_sqlite(self.database_url)

    @property
    def runs_worker_in_process(self) -> bool:
        if self.worker_in_process is not None:
            return self.worker_in_process
        return self.uses_embedded_database


class InvalidSettings(Exception):
    """Raised with one line per bad setting, for start-up to print and stop."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            if error["loc"]:
                name = "STADTKERN_" + str(error["loc"][0]).upper()
                lines.append(f"invalid setting {name}: {error['msg']}")
            else:
                lines.append(f"invalid settings: {error['msg'].removeprefix('Value error, ')}")
        raise InvalidSettings("; ".join(lines)) from None
