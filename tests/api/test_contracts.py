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
