"""The committed contracts are exactly what the code produces."""

from pathlib import Path

from api.contracts import graphql_sdl, openapi_document
from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_code():
    committed = (ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_document(Settings()), "run ./dev contracts and commit openapi/"


def test_committed_graphql_schema_matches_the_code():
    committed = (ROOT / "openapi" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == graphql_sdl(), "run ./dev contracts and commit openapi/"


def test_every_tenant_operation_documents_its_problem_responses():
    import json

    document = json.loads(openapi_document(Settings()))
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for operation in operations.values():
            for status in ("403", "404", "410"):
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, (path, status)
            params = {p["name"] for p in operation.get("parameters", [])}
            assert "X-Tenant" in params


def test_operation_ids_read_well_in_generated_clients():
    """camelCase, unique, named for what they do (never `list_keys_v1_api_keys_get`)."""
    import json
    import re

    document = json.loads(openapi_document(Settings()))
    ids = {
        (method.upper(), path): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]{2,60}", i) for i in ids.values()), ids
    assert len(set(ids.values())) == len(ids)
    assert ids[("GET", "/v1/businesses")] == "listBusinesses"
    assert ids[("DELETE", "/v1/api-keys/{key_id}")] == "revokeApiKey"
    assert ids[("PATCH", "/v1/businesses/{business_id}")] == "updateBusiness"


def test_every_domain_error_is_in_the_problem_catalog():
    """A new error class without a catalog entry would answer a code nobody documented."""
    import api.app  # noqa: F401  (imports every error class there is)
    from api.problem_catalog import CATALOG
    from domain.errors import DomainError

    def subclasses(kind):  # type: ignore[no-untyped-def]
        for sub in kind.__subclasses__():
            yield sub
            yield from subclasses(sub)

    missing = {e.code for e in subclasses(DomainError)} - CATALOG.keys()
    assert not missing, f"add to api/problem_catalog.py DOMAIN_ERRORS: {sorted(missing)}"


def test_the_readme_lists_every_problem_code_once():
    from api.problem_catalog import CATALOG

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("<!-- problem codes -->") : readme.index("<!-- /problem codes -->")]
    listed = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert sorted(listed) == sorted(CATALOG), "README's table of problem codes is out of date"
