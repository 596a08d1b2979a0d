"""The committed API contracts: the OpenAPI document and the GraphQL SDL, as text."""

from __future__ import annotations

import json

from api.app import create_app
from api.graphql.schema import build_schema
from api.settings import Settings


def openapi_document(settings: Settings) -> str:
    app = create_app(settings)
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


def graphql_sdl() -> str:
    return build_schema(mask_errors=False).as_str() + "\n"
