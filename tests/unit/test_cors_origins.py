"""The tenant file's CORS origins: how an origin must be spelled, and the default policy."""

import pytest

from adapters.tenant_document import config_to_data, parse_tenant_document
from domain.errors import InvalidInput
from domain.tenancy.model import CorsSettings
from domain.tenancy.origins import origin_of_url, origin_policy
from tests.factories import tenant_config, tenant_document


def refusals(*origins: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        tenant_config(cors=CorsSettings(origins))
    return {p.field: p.reason for p in caught.value.problems}


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example",
        "https://app.example:8443",
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]:5173",
        "http://city.localhost:5173",
        "https://203.0.113.7",
    ],
)
def test_an_origin_is_scheme_host_and_port(origin):
    assert tenant_config(cors=CorsSettings((origin,))).cors.allowed_origins == (origin,)


@pytest.mark.parametrize(
    ("origin", "reason"),
    [
        ("https://app.example/", "no path"),
        ("https://app.example/app", "no path"),
        ("app.example", "no path"),
        ("http://app.example", "http:// only for localhost"),
        ("http://localhost.evil.example", "http:// only for localhost"),
        ("ftp://app.example", "https://"),
        ("https://App.Example", "lower-case"),
        ("https://app.example:443", "default port"),
        ("https://app.example:99999", "1 to 65535"),
        ("https://user@app.example", "no path"),
        ("https://*.example", "lower-case"),
    ],
)
def test_anything_but_an_exact_origin_is_refused_with_its_reason(origin, reason):
    problems = refusals("https://fine.example", origin)
    assert list(problems) == ["cors.allowed_origins[1]"]
    assert reason in problems["cors.allowed_origins[1]"]


def test_the_wildcard_stands_alone_and_no_origin_is_listed_twice():
    with pytest.raises(InvalidInput) as caught:
        tenant_config(cors=CorsSettings(("*", "https://a.example", "https://a.example")))
    problems = [(p.field, p.reason) for p in caught.value.problems]
    assert problems == [
        ("cors.allowed_origins", "'*' (any origin) stands alone"),
        ("cors.allowed_origins", "lists an origin twice"),
    ]


def test_the_tenant_file_section_is_read_and_written_back_unchanged():
    data = tenant_document(cors={"allowed_origins": ["https://app.example", "*"]})
    with pytest.raises(InvalidInput) as caught:
        parse_tenant_document(data, source="tenants/testcity.toml")
    (problem,) = caught.value.problems
    assert (problem.field, problem.source) == ("cors.allowed_origins", "tenants/testcity.toml")
    data = tenant_document(cors={"allowed_origins": ["https://app.example"]})
    config = parse_tenant_document(data)
    assert config.cors == CorsSettings(("https://app.example",))
    assert config_to_data(config)["cors"] == {"allowed_origins": ["https://app.example"]}
    assert "cors" not in config_to_data(parse_tenant_document(tenant_document()))


def test_an_unknown_key_in_the_cors_section_is_refused_naming_it():
    data = tenant_document(cors={"allowed_origins": [], "allow_origins": ["https://a.example"]})
    with pytest.raises(InvalidInput) as caught:
        parse_tenant_document(data)
    assert [p.field for p in caught.value.problems] == ["cors.allow_origins"]


def test_the_default_allows_the_app_and_the_tenants_own_hosts_over_https():
    config = tenant_config(
        "leipzig", hostnames=("kultur.example",), app_url="https://app.kultur.example/de/"
    )
    policy = origin_policy(config, base_domain="stadtkern.example", allow_loopback=False)
    assert policy.origins == {
        "https://app.kultur.example",
        "https://kultur.example",
        "https://leipzig.stadtkern.example",
    }
    assert policy.grant("http://localhost:3000") is None


def test_a_listed_set_replaces_the_default_and_loopback_is_added_only_when_allowed():
    config = tenant_config("leipzig", cors=CorsSettings(("https://partner.example",)))
    strict = origin_policy(config, base_domain="stadtkern.example", allow_loopback=False)
    assert strict.origins == {"https://partner.example"}
    assert strict.grant("https://leipzig.stadtkern.example") is None
    relaxed = origin_policy(config, base_domain="stadtkern.example", allow_loopback=True)
    grant = relaxed.grant("http://leipzig.localhost:5173")
    assert grant is not None and grant.credentials


def test_an_empty_list_allows_no_browser_origin():
    config = tenant_config("leipzig", cors=CorsSettings(()))
    policy = origin_policy(config, base_domain="stadtkern.example", allow_loopback=False)
    assert policy.grant("https://leipzig.stadtkern.example") is None


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://app.example/path?q=1", "https://app.example"),
        ("https://App.Example:443/", "https://app.example"),
        ("http://localhost:3000/x", "http://localhost:3000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("mailto:someone@example.org", None),
    ],
)
def test_the_origin_of_a_url_is_what_a_browser_sends(url, origin):
    assert origin_of_url(url) == origin
