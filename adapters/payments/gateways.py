"""The payment gateways of one tenant, from its tenant file: secrets are read from the
environment variables the file names, when a payment needs them (a missing one makes
payments unavailable, it does not stop the service)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from adapters.payments.bank_transfer import BankTransferGateway
from adapters.payments.stripe_gateway import StripeGateway, stripe_client
from adapters.payments.stripe_webhooks import StripeWebhooks
from domain.funding.errors import PaymentsUnavailable, WebhookRefused
from domain.funding.ports import BankDetails, PaymentGateway
from domain.tenancy.model import PaymentProvider, PaymentSettings


def _secret(environ: Mapping[str, str], name: str | None, what: str) -> str:
    value = environ.get(name or "", "") if name else ""
    if not value:
        raise PaymentsUnavailable(f"the tenant's {what} is not configured ({name or 'unnamed'})")
    return value


@lru_cache(maxsize=64)
def _client(key: str, api_base: str | None):  # type: ignore[no-untyped-def]
    """One client (and its connection pool) per key, not one per request."""
    return stripe_client(key, api_base)


class TenantGateways:
    """`current()` takes new pledges; `of(provider)` settles a pledge with the provider it
    was made with, even after the tenant switched."""

    def __init__(
        self,
        settings: PaymentSettings,
        *,
        stripe_api_base: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._settings = settings
        self._stripe_api_base = stripe_api_base
        self._environ = os.environ if environ is None else environ

    def current(self) -> PaymentGateway:
        return self.of(self._settings.provider.value)

    def of(self, provider: str) -> PaymentGateway:
        settings = self._settings
        if provider == PaymentProvider.STRIPE.value:
            key = _secret(self._environ, settings.stripe_secret_key_env, "Stripe secret key")
            return StripeGateway(_client(key, self._stripe_api_base))
        if provider == PaymentProvider.BANK_TRANSFER.value:
            if not (settings.bank_account_holder and settings.bank_iban):
                raise PaymentsUnavailable("the tenant's bank account is not configured")
            return BankTransferGateway(
                BankDetails(settings.bank_account_holder, settings.bank_iban, settings.bank_bic)
            )
        raise PaymentsUnavailable(f"unknown payment provider {provider!r}")

    def stripe_webhooks(self) -> StripeWebhooks:
        """Refuses every event (400) while the tenant has no signing secret: an unsigned
        request never changes anything."""
        name = self._settings.stripe_webhook_secret_env
        secret = self._environ.get(name or "", "") if name else ""
        if not secret:
            raise WebhookRefused("this tenant takes no Stripe webhooks")
        return StripeWebhooks(secret)
