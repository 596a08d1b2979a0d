"""A tenant file's `remote_parent`: what it may say, and that it reads back as it was."""

from __future__ import annotations

import pytest

from adapters.tenant_document import config_to_data, parse_tenant_document
from domain.errors import InvalidInput
from domain.tenancy.model import RemoteParentSettings
from tests.factories import tenant_document


def remote(**overrides: str) -> dict[str, str]:
    return {"base_url": "https://nordstart.example", "key_env": "NORDSTART_KEY"} | overrides


def problems_of(**fields: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        parse_tenant_document(tenant_document(**fields))
    return {p.field: p.reason for p in raised.value.problems}


def test_a_remote_parent_reads_and_writes_back_the_same():
    data = tenant_document(
        remote_parent=remote(
            tenant="nordstart",
            platform="Kiezfonds Leipzig",
            campaign_url="https://kiezfonds.example/projekte/{id}",
        )
    )
    config = parse_tenant_document(data)
    assert config.remote_parent == RemoteParentSettings(
        base_url="https://nordstart.example",
        key_env="NORDSTART_KEY",
        tenant="nordstart",
        platform="Kiezfonds Leipzig",
        campaign_url="https://kiezfonds.example/projekte/{id}",
    )
    assert parse_tenant_document(config_to_data(config)) == config
    assert "remote_parent" not in config_to_data(parse_tenant_document(tenant_document()))


def test_plain_http_is_for_a_remote_on_this_machine_only():
    assert parse_tenant_document(
        tenant_document(remote_parent=remote(base_url="http://127.0.0.1:8123"))
    ).remote_parent
    for url in ("http://nordstart.example", "http://localhost.evil.example", "ftp://x.example"):
        assert "remote_parent.base_url" in problems_of(remote_parent=remote(base_url=url))
    assert "remote_parent.base_url" in problems_of(
        remote_parent=remote(base_url="https://nordstart.example/?key=1")
    )


def test_the_key_is_named_by_its_environment_variable_never_written_in_the_file():
    found = problems_of(remote_parent=remote(key_env="sk_live_abc123"))
    assert "never put the key here" in found["remote_parent.key_env"]


def test_a_tenant_has_a_parent_here_or_a_remote_parent_not_both():
    found = problems_of(parent="leipzig", remote_parent=remote())
    assert found["remote_parent"] == "a tenant has a parent or a remote_parent, not both"


def test_the_pledge_url_template_names_the_campaign_once():
    for template in (
        "https://k.example/campaigns",
        "https://k.example/{id}/{id}",
        "https://k.example/{slug}/{id}",
    ):
        assert "remote_parent.campaign_url" in problems_of(
            remote_parent=remote(campaign_url=template)
        )


def test_unknown_keys_and_bad_slugs_are_refused():
    assert "remote_parent.key" in problems_of(remote_parent=remote(key="sk_live_abc"))
    assert "remote_parent.tenant" in problems_of(remote_parent=remote(tenant="Nord Start"))
