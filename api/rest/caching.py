"""HTTP caching for single resources: strong ETags and conditional GETs."""

from __future__ import annotations

import hashlib

from fastapi import Response


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches_if_none_match(header: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match against our ETag."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def cacheable_response(
    body: bytes,
    *,
    media_type: str,
    if_none_match: str | None,
    max_age: int,
    etag: str | None = None,
) -> Response:
    """200 with the body, or 304 when the client's copy is current. Tenant-specific: the
    response varies with the Host and X-Tenant headers, which shared caches must respect.
    `etag`: the body's, when the caller holds it already."""
    etag = etag or etag_of(body)
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Host, X-Tenant",
    }
    if matches_if_none_match(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)
