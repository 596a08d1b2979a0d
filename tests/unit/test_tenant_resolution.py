"""How a request finds its tenant, without I/O."""

import pytest

from domain.tenancy.errors import TenantArchived, TenantSuspended, UnknownTenant
from domain.tenancy.model import TenantStatus
from domain.tenancy.resolution import (
    TenantRequest,
    normalise_host,
    resolve_tenant,
    slug_from_subdomain,
)
from tests.factories import tenant_config
from tests.fakes import DictTenantLookup, stored

LEIPZIG = stored(tenant_config("leipzig", hostnames=("kultur-leipzig.example",)), number=1)
DRESDEN = stored(tenant_config("dresden"), number=2)
CLOSED = stored(tenant_config("closed", status=TenantStatus.SUSPENDED), number=3)
GONE = stored(tenant_config("gone", status=TenantStatus.ARCHIVED), number=4)
LOOKUP = DictTenantLookup(LEIPZIG, DRESDEN, CLOSED, GONE)


def request(host=None, header=None, allowed=True):  # type: ignore[no-untyped-def]
    return TenantRequest(
        host=host, tenant_header=header, header_allowed=allowed, base_domain="stadtkern.example"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Leipzig.Stadtkern.Example:8443", "leipzig.stadtkern.example"),
        ("leipzig.stadtkern.example.", "leipzig.stadtkern.example"),
        ("[::1]:8000", None),
        ("bad_host.example", None),
        ("", None),
    ],
)
def test_hosts_are_normalised_or_refused(raw, expected):
    assert normalise_host(raw) == expected


def test_only_one_label_under_the_base_domain_names_a_tenant():
    assert slug_from_subdomain("leipzig.stadtkern.example", "stadtkern.example") == "leipzig"
    assert slug_from_subdomain("a.leipzig.stadtkern.example", "stadtkern.example") is None
    assert slug_from_subdomain("stadtkern.example", "stadtkern.example") is None
    assert slug_from_subdomain("evilstadtkern.example", "stadtkern.example") is None


async def test_subdomain_of_the_base_domain_resolves():
    assert await resolve_tenant(request("dresden.stadtkern.example"), tenants=LOOKUP) == DRESDEN


async def test_a_tenants_own_hostname_resolves():
    tenant = await resolve_tenant(request("kultur-leipzig.example:443"), tenants=LOOKUP)
    assert tenant == LEIPZIG


async def test_header_wins_when_allowed():
    tenant = await resolve_tenant(request("dresden.stadtkern.example", "leipzig"), tenants=LOOKUP)
    assert tenant == LEIPZIG


async def test_header_is_ignored_when_not_allowed():
    tenant = await resolve_tenant(
        request("dresden.stadtkern.example", "leipzig", allowed=False), tenants=LOOKUP
    )
    assert tenant == DRESDEN


async def test_unknown_host_is_an_unknown_tenant_that_says_what_was_asked():
    with pytest.raises(UnknownTenant) as by_host:
        await resolve_tenant(request("nowhere.example"), tenants=LOOKUP)
    assert "'nowhere.example'" in str(by_host.value.detail)
    with pytest.raises(UnknownTenant) as by_header:
        await resolve_tenant(request(None, "nobody"), tenants=LOOKUP)
    assert "'nobody'" in str(by_header.value.detail)


async def test_an_unknown_tenant_repeats_no_more_of_the_request_than_a_name_could_be():
    with pytest.raises(UnknownTenant) as caught:
        await resolve_tenant(request(None, "x" * 5000), tenants=LOOKUP)
    assert len(str(caught.value.detail)) < 150


def test_a_base_domain_with_the_root_dot_is_the_same_domain():
    from api.settings import Settings

    assert Settings(base_domain="city.example.").base_domain == "city.example"


@pytest.mark.parametrize("header", ["leipzig ", " leipzig", "Leipzig", "leipzig\t"])
async def test_the_tenant_header_names_a_tenant_only_by_its_exact_slug(header):
    with pytest.raises(UnknownTenant):
        await resolve_tenant(request("dresden.stadtkern.example", header), tenants=LOOKUP)


async def test_suspended_and_archived_tenants_answer_with_their_own_errors():
    with pytest.raises(TenantSuspended):
        await resolve_tenant(request("closed.stadtkern.example"), tenants=LOOKUP)
    with pytest.raises(TenantArchived):
        await resolve_tenant(request(None, "gone"), tenants=LOOKUP)
