"""RFC 9457 problem details for every error, mapped from domain errors and HTTP faults here."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from api.problem_catalog import (
    CREDENTIALED_ROUTE,
    MALFORMED_JSON,
    PAYLOAD_TOO_LARGE,
    PROBLEM_MEDIA_TYPE,
    TENANT_ROUTE,
    declared_codes,
    problem_response_entry,
    problems,
    status_for,
)
from api.problem_titles import localized_title, problem_language
from api.request_context import current_request_id
from domain.errors import DomainError, InvalidInput
from domain.identity.errors import TooManyAttempts, Unauthenticated

_CODE_BY_STATUS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "not-allowed",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
}


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field in the request, e.g. body.name")
    message: str
    code: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(description="URI naming the problem type; stable")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="Stable machine-readable code, the last part of `type`")
    request_id: str | None = None
    errors: list[FieldError] | None = None


def problem_type(code: str) -> str:
    return f"urn:stadtkern:problem:{code}"


class ProblemResponse(JSONResponse):
    """A problem document whose title is written, as it is sent, in the language of the
    request it answers (English or German, `api/problem_titles.py`), with `Content-Language`
    saying which. Every way a problem goes out (the exception handlers, the middleware's 413
    and 500, the CORS refusal) sends it with that request's scope, so none can forget."""

    def __init__(
        self, content: dict[str, Any], status_code: int, headers: dict[str, str] | None = None
    ) -> None:
        self.problem = content
        super().__init__(
            content, status_code=status_code, headers=headers, media_type=PROBLEM_MEDIA_TYPE
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        english = self.problem["title"]
        title, language = localized_title(self.problem["code"], english, problem_language(scope))
        if title != english:
            self.body = self.render(self.problem | {"title": title})
            self.headers["content-length"] = str(len(self.body))
        self.headers["content-language"] = language
        self.headers.add_vary_header("Accept-Language")
        await super().__call__(scope, receive, send)


def problem_response(
    status: int,
    code: str,
    *,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    """The problem document of a code; `title` in English (the HTTP status's phrase when
    none is given), turned German on the way out when the request asks for it."""
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


def problem_for_domain_error(error: DomainError, instance: str | None = None) -> ProblemResponse:
    errors = None
    if isinstance(error, InvalidInput):
        errors = [
            {"field": p.field, "message": p.reason, "code": "invalid"} for p in error.problems
        ]
    headers: dict[str, str] = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="stadtkern"'
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after)
        headers.update(getattr(error, "headers", {}))
    return problem_response(
        status_for(error),
        error.code,
        title=error.title,
        detail=error.detail,
        instance=instance,
        errors=errors,
        headers=headers or None,
    )


def pydantic_field_problems(errors: list[Any]) -> list[FieldError]:
    """Pydantic's errors as field errors people can read: the dotted field and a sentence;
    a null where null is refused says so."""
    found = []
    for e in errors:
        location = [str(part) for part in e.get("loc", ())]
        message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if e.get("input", ...) is None and e.get("type") != "missing":
            message = "must not be null"
        found.append(
            FieldError(
                field=".".join(location) or "body",
                message=message,
                code=str(e.get("type", "invalid")),
            )
        )
    return found


def _field_errors(exc: RequestValidationError) -> tuple[int, str, str, list[dict[str, str]]]:
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        return 400, "malformed-json", "The request body is not valid JSON", []
    errors = [e.model_dump() for e in pydantic_field_problems(list(raw))]
    return 422, InvalidInput.code, "The request has invalid fields", errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_for_domain_error(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, code, title, errors = _field_errors(exc)
        return problem_response(
            status, code, title=title, instance=request.url.path, errors=errors or None
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _CODE_BY_STATUS.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        # FastAPI's words for a body its JSON parser gave up on (nested too deep, say).
        if exc.status_code == 400 and detail and ("JSON" in detail or "parsing the body" in detail):
            code, detail = "malformed-json", "The request body is not valid JSON"
        if detail == HTTPStatus(exc.status_code).phrase:
            detail = None
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return problem_response(
            exc.status_code,
            code,
            detail=detail,
            instance=request.url.path,
            headers=headers or None,
        )


def _allowed_methods(request: Request) -> str:
    """Every method the API documents at this path (the router names only one route's).
    A path written out exactly wins over templates that would also match it."""
    paths = request.app.openapi().get("paths", {})
    path = request.url.path
    if path in paths:
        matching = [paths[path]]
    else:
        matching = [
            operations
            for template, operations in paths.items()
            if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path)
        ]
    methods = {m.upper() for operations in matching for m in operations if m != "parameters"}
    return ", ".join(sorted(methods))


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put the Problem schema in the document, and give every operation the problem codes it
    can answer: those its route declared, and those every route of its kind shares."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    definition = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(definition.pop("$defs", {}))
    schemas["Problem"] = definition
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            _document_operation_problems(operation)
    return openapi


def _document_operation_problems(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    codes: dict[str, list[str]] = {
        status: declared_codes(response) for status, response in responses.items()
    }
    shared: list[Any] = []
    parameters = {p["name"] for p in operation.get("parameters", [])}
    if "X-Tenant" in parameters:
        shared += TENANT_ROUTE
    if operation.get("security"):
        shared += CREDENTIALED_ROUTE
    if "requestBody" in operation:
        shared += [MALFORMED_JSON, PAYLOAD_TOO_LARGE, InvalidInput]
    elif parameters or "422" in responses:
        shared.append(InvalidInput)
    for status, entry in problems(*shared).items():
        codes.setdefault(str(status), []).extend(declared_codes(entry))
    for status, found in codes.items():
        if found:
            responses[status] = problem_response_entry(found)
    operation["responses"] = dict(sorted(responses.items()))
