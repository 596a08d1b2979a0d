"""Rules of a single tenant config, without I/O."""

from dataclasses import replace

import pytest

from domain.errors import InvalidInput
from domain.languages import LocalizedText
from domain.tenancy.colors import Color, contrast_ratio
from domain.tenancy.model import (
    CategorySeed,
    PaymentProvider,
    PaymentSettings,
    TenantConfig,
    is_valid_iban,
)
from domain.tenancy.profile import brand_css_properties, view_tenant_profile
from tests.factories import branding, tenant_config
from tests.fakes import stored


def fields_of(error: InvalidInput) -> set[str]:
    return {p.field for p in error.problems}


def test_black_on_white_has_the_maximum_contrast_and_a_colour_on_itself_none():
    assert contrast_ratio(Color("#000000"), Color("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(Color("#777777"), Color("#777777")) == pytest.approx(1.0)


def test_wcag_reference_pair_just_below_aa_is_measured_as_such():
    # #777777 on white is the classic 4.48:1 example, just under AA.
    assert contrast_ratio(Color("#777777"), Color("#ffffff")) == pytest.approx(4.48, abs=0.01)


def test_colour_must_be_six_hex_digits():
    with pytest.raises(ValueError):
        Color("red")


def test_text_on_background_below_aa_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(branding=branding(text="#999999", background="#ffffff"))
    assert fields_of(caught.value) == {"branding.colors.text"}
    assert "4.5" in caught.value.problems[0].reason


def test_text_on_primary_below_aa_is_refused():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(branding=branding(primary="#f2b705", on_primary="#ffffff"))
    assert fields_of(caught.value) == {"branding.colors.on_primary"}


def test_every_broken_rule_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(slug="Bad Slug", timezone="Mars/Olympus", currency="XYZ", locales=())
    assert fields_of(caught.value) == {"slug", "timezone", "currency", "locales"}


def test_hostnames_must_be_lower_case_dns_names_listed_once():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(hostnames=("City.Example", "nodot", "a.example", "a.example"))
    assert fields_of(caught.value) == {"hostnames[0]", "hostnames[1]", "hostnames"}


def test_a_tenant_cannot_be_its_own_parent():
    with pytest.raises(InvalidInput) as caught:
        tenant_config("loop", parent="loop")
    assert fields_of(caught.value) == {"parent"}


def test_stripe_needs_environment_variable_names_not_secrets():
    payments = PaymentSettings(
        provider=PaymentProvider.STRIPE,
        stripe_secret_key_env="sk_live_abc123",  # a secret pasted where a name belongs
        stripe_webhook_secret_env="STADTKERN_STRIPE_WEBHOOK_SECRET",
    )
    with pytest.raises(InvalidInput) as caught:
        tenant_config(payments=payments)
    assert fields_of(caught.value) == {"payments.stripe_secret_key_env"}


def test_campaigns_paid_by_bank_transfer_need_an_account():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(features=frozenset({"campaigns"}))
    assert fields_of(caught.value) == {"payments"}


def test_iban_check_digits_are_verified():
    assert is_valid_iban("DE89 3704 0044 0532 0130 00")
    assert not is_valid_iban("DE89370400440532013001")
    with pytest.raises(InvalidInput) as caught:
        tenant_config(payments=PaymentSettings(bank_account_holder="X", bank_iban="DE00123"))
    assert fields_of(caught.value) == {"payments.bank_iban"}


def test_font_family_cannot_break_out_of_the_css_it_lands_in():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(branding=replace(branding(), font_family="x; } body { display: none"))
    assert fields_of(caught.value) == {"branding.font_family"}


def test_legal_links_must_be_https():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(
            branding=replace(
                branding(), legal=replace(branding().legal, privacy_url="javascript:alert(1)")
            )
        )
    assert fields_of(caught.value) == {"branding.legal.privacy_url"}


def test_public_profile_carries_no_payment_or_moderation_settings():
    config = tenant_config(
        payments=PaymentSettings(bank_account_holder="Kasse", bank_iban="DE89370400440532013000")
    )
    profile = view_tenant_profile(stored(config))
    assert not hasattr(profile, "payments") and not hasattr(profile, "moderation")
    assert profile.default_locale == "de"


def test_brand_css_properties_name_every_brand_colour_and_the_font():
    properties = brand_css_properties(branding(primary="#123456"))
    assert properties["--sk-color-primary"] == "#123456"
    assert set(properties) >= {"--sk-color-text", "--sk-color-background", "--sk-font-family"}


def test_config_is_a_value_two_equal_files_are_equal_configs():
    assert tenant_config() == tenant_config()
    assert isinstance(tenant_config(), TenantConfig)


def test_category_names_are_in_the_tenants_languages_a_plain_one_in_its_first():
    named = LocalizedText.of({"de": "Essen", "fr": "Manger"})
    with pytest.raises(InvalidInput) as caught:
        tenant_config(categories=(CategorySeed("food", named), CategorySeed("books", " ")))
    assert fields_of(caught.value) == {"categories[0].name.fr", "categories[1].name"}
    plain = CategorySeed("food", "Essen")
    assert plain.names(tenant_config(locales=("en", "de")).locales).as_dict() == {"en": "Essen"}
