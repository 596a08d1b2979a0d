"""Small factories for valid domain objects; override only what a test is about."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from domain.tenancy.colors import Color
from domain.tenancy.model import BrandColors, Branding, LegalLinks, TenantConfig


def branding(**overrides: Any) -> Branding:
    colors = BrandColors(
        primary=Color(overrides.pop("primary", "#0b4f8a")),
        on_primary=Color(overrides.pop("on_primary", "#ffffff")),
        background=Color(overrides.pop("background", "#ffffff")),
        text=Color(overrides.pop("text", "#1a1a1a")),
        accent=Color(overrides.pop("accent", "#e0a100")),
    )
    base = Branding(
        app_name="Test City",
        colors=colors,
        legal=LegalLinks(
            imprint_url="https://city.example/impressum",
            privacy_url="https://city.example/datenschutz",
        ),
    )
    return replace(base, **overrides)


def tenant_config(slug: str = "testcity", **overrides: Any) -> TenantConfig:
    values: dict[str, Any] = {
        "slug": slug,
        "name": f"{slug.title()} Platform",
        "branding": branding(),
        "locales": ("de", "en"),
    }
    values.update(overrides)
    return TenantConfig(**values)


def tenant_document(slug: str = "testcity", **overrides: Any) -> dict[str, Any]:
    """Plain data as in a tenant file."""
    data: dict[str, Any] = {
        "slug": slug,
        "name": f"{slug.title()} Platform",
        "locales": ["de", "en"],
        "branding": {
            "app_name": "Test City",
            "colors": {
                "primary": "#0b4f8a",
                "on_primary": "#ffffff",
                "background": "#ffffff",
                "text": "#1a1a1a",
                "accent": "#e0a100",
            },
            "legal": {
                "imprint_url": "https://city.example/impressum",
                "privacy_url": "https://city.example/datenschutz",
            },
        },
    }
    data.update(overrides)
    return data


def campaign_tenant(slug: str = "kiezfonds", **overrides: Any) -> TenantConfig:
    """A tenant that runs campaigns, paid by bank transfer unless `payments` says otherwise."""
    from domain.tenancy.model import Feature, PaymentSettings

    values: dict[str, Any] = {
        "features": frozenset({Feature.CAMPAIGNS}),
        "payments": PaymentSettings(
            bank_account_holder="Kiezfonds e.V.", bank_iban="DE89370400440532013000"
        ),
    }
    values.update(overrides)
    return tenant_config(slug, **values)
