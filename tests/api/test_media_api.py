"""/v1/media and GraphQL uploads: the type is decided by the bytes, every stored file is
stripped of its metadata, variants come from the worker, alt texts are in the tenant's
languages, and deleting an image removes its files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from domain.tenancy.model import MediaSettings
from tests.conftest import MEDIA_DIR, as_user, seed_tenants, set_role, settle, sign_up_and_log_in
from tests.factories import tenant_config

GPS_INFO = 0x8825


def photo_with_gps(size: tuple[int, int] = (1600, 1200)) -> bytes:
    exif = Image.Exif()
    exif[GPS_INFO] = {1: "N", 2: (51.0, 20.0, 0.0), 3: "E", 4: (12.0, 22.0, 0.0)}
    exif[0x010F] = "PhoneMaker"  # Make: a camera's identity is metadata too
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (300, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 90, 200, 128)).save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    *,
    name: str = "photo.jpg",
    content_type: str = "image/jpeg",
    alt: dict[str, str] | None = None,
) -> httpx.Response:
    fields = {"alt": "Ein Foto"} if alt is None else alt
    return await client.post(
        "/v1/media", headers=headers, data=fields, files={"file": (name, data, content_type)}
    )


def stored_files() -> list[Path]:
    return [p for p in MEDIA_DIR.rglob("*") if p.is_file()]


@pytest.fixture
async def member(client: httpx.AsyncClient, services) -> dict[str, str]:  # type: ignore[no-untyped-def]
    await seed_tenants(
        services,
        tenant_config("leipzig", media=MediaSettings(max_upload_mb=1)),
        tenant_config("dresden"),
    )
    return as_user(await sign_up_and_log_in(client, "leipzig", "ada@example.org"), "leipzig")


async def fetch(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url)
    assert response.status_code == 200, url
    return response


async def test_an_upload_is_served_without_its_gps_tags_first_as_its_original_then_as_variants(
    client, services, member
) -> None:
    made = await upload(client, member, photo_with_gps())
    assert made.status_code == 201, made.text
    media = made.json()
    assert made.headers["location"] == f"/v1/media/{media['id']}"
    assert media["status"] == "processing" and media["format"] == "jpeg"
    assert [v["variant"] for v in media["variants"]] == ["original"]
    original = await fetch(client, media["variants"][0]["url"])
    head = await client.head(media["variants"][0]["url"])
    assert head.status_code == 200 and head.headers["content-type"] == "image/jpeg"
    assert original.headers["content-type"] == "image/jpeg"
    assert "immutable" in original.headers["cache-control"]
    assert not Image.open(io.BytesIO(original.content)).getexif()

    await settle(services)
    ready = (await client.get(f"/v1/media/{media['id']}", headers=member)).json()
    assert ready["status"] == "ready"
    sizes = {
        (v["variant"], v["content_type"]): (v["width"], v["height"]) for v in ready["variants"]
    }
    assert sizes == {
        ("thumbnail", "image/webp"): (320, 240),
        ("thumbnail", "image/jpeg"): (320, 240),
        ("card", "image/webp"): (800, 600),
        ("card", "image/jpeg"): (800, 600),
        ("full", "image/webp"): (1600, 1200),
        ("full", "image/jpeg"): (1600, 1200),
    }
    for variant in ready["variants"]:
        served = await fetch(client, variant["url"])
        assert served.headers["content-type"] == variant["content_type"]
        image = Image.open(io.BytesIO(served.content))
        assert image.size == (variant["width"], variant["height"])
        assert not image.getexif(), variant
        assert "exif" not in image.info and "xmp" not in image.info
    assert ready["url"].endswith("full.webp")


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF, "invoice.jpg", "image/jpeg"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "a.png",
            "image/png",
        ),
        (photo_with_gps()[:5000], "cut.jpg", "image/jpeg"),
        (b"", "empty.jpg", "image/jpeg"),
    ],
    ids=["renamed-pdf", "svg-with-script", "truncated-jpeg", "empty"],
)
async def test_what_is_not_a_whole_image_of_an_allowed_type_is_refused_and_nothing_is_stored(
    client, member, data, name, content_type
) -> None:
    before = stored_files()
    refused = await upload(client, member, data, name=name, content_type=content_type)
    assert refused.status_code == 415, refused.text
    assert refused.json()["code"] == "unsupported-image"
    assert stored_files() == before


async def test_an_upload_over_the_tenants_limit_is_refused_with_413(client, member) -> None:
    noise = Image.effect_noise((1400, 1400), 100).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1024 * 1024  # leipzig allows 1 MB
    refused = await upload(
        client, member, buffer.getvalue(), name="big.png", content_type="image/png"
    )
    assert refused.status_code == 413
    assert refused.json()["code"] == "image-too-large"


async def test_a_request_that_is_no_form_or_has_no_file_is_refused(client, member) -> None:
    as_json = await client.post("/v1/media", headers=member, json={"alt": "x"})
    assert as_json.status_code == 415
    no_file = await client.post(
        "/v1/media", headers=member, data={"alt": "x"}, files={"other": ("a", b"b")}
    )
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["field"] == "file"


async def test_alt_text_is_required_and_only_in_the_tenants_languages(client, member) -> None:
    missing = await upload(client, member, png_bytes(), alt={})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "alt"
    foreign = await upload(client, member, png_bytes(), alt={"alt.fr": "Une photo"})
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "alt.fr"


async def test_alt_text_follows_the_request_language_with_the_first_locale_as_fallback(
    client, member
) -> None:
    made = await upload(
        client,
        member,
        png_bytes(),
        alt={"alt": "Ein Foto vom Markt", "alt.en": "A photo of the market"},
    )
    media_id = made.json()["id"]
    english = await client.get(
        f"/v1/media/{media_id}", headers=member | {"Accept-Language": "en-GB"}
    )
    assert english.json()["alt"] == "A photo of the market"
    assert english.headers["content-language"] == "en"
    assert english.json()["languages"] == {"alt": "en"}
    assert english.json()["translations"]["alt"] == {
        "de": "Ein Foto vom Markt",
        "en": "A photo of the market",
    }
    changed = await client.patch(
        f"/v1/media/{media_id}",
        headers=member | {"Accept-Language": "en"},
        json={"alt": {"en": None}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["alt"] == "Ein Foto vom Markt"
    assert changed.json()["languages"] == {"alt": "de"}
    emptied = await client.patch(
        f"/v1/media/{media_id}", headers=member, json={"alt": {"de": None}}
    )
    assert emptied.status_code == 422


async def test_only_members_upload(client, services, member) -> None:
    anonymous = await upload(client, {"X-Tenant": "leipzig"}, png_bytes())
    assert anonymous.status_code == 401
    stranger = as_user(await sign_up_and_log_in(client, "dresden", "eve@example.org"), "leipzig")
    # eve signed up on dresden: on leipzig she is no member
    refused = await upload(client, stranger, png_bytes())
    assert refused.status_code == 403
    assert refused.json()["code"] == "not-a-member"


async def test_deleting_an_image_removes_its_row_and_then_its_files(
    client, services, member
) -> None:
    before = set(stored_files())
    media_id = (await upload(client, member, photo_with_gps((800, 600)))).json()["id"]
    await settle(services)
    assert len(set(stored_files()) - before) == 7  # the original and 6 variants

    gone = await client.delete(f"/v1/media/{media_id}", headers=member)
    assert gone.status_code == 204
    assert (await client.get(f"/v1/media/{media_id}", headers=member)).status_code == 404
    await settle(services)
    assert set(stored_files()) == before


async def test_others_may_not_delete_an_image_but_moderators_may(client, services, member) -> None:
    media_id = (await upload(client, member, png_bytes())).json()["id"]
    other = as_user(await sign_up_and_log_in(client, "leipzig", "bob@example.org"), "leipzig")
    refused = await client.delete(f"/v1/media/{media_id}", headers=other)
    assert refused.status_code == 403
    assert refused.json()["code"] == "media-owner-required"
    changed = await client.patch(f"/v1/media/{media_id}", headers=other, json={"alt": "Meins"})
    assert changed.status_code == 403
    await set_role(services, "leipzig", "bob@example.org", "moderator")
    other = as_user(await sign_up_and_log_in(client, "leipzig", "bob2@example.org"), "leipzig")
    await set_role(services, "leipzig", "bob2@example.org", "moderator")
    assert (await client.delete(f"/v1/media/{media_id}", headers=other)).status_code == 204


async def test_another_tenant_sees_no_media_of_this_one(client, services, member) -> None:
    media_id = (await upload(client, member, png_bytes())).json()["id"]
    dresden = as_user(await sign_up_and_log_in(client, "dresden", "dora@example.org"), "dresden")
    assert (await client.get(f"/v1/media/{media_id}", headers=dresden)).status_code == 404
    assert (await client.delete(f"/v1/media/{media_id}", headers=dresden)).status_code == 404


async def test_a_file_path_outside_the_media_store_is_not_served(client, member) -> None:
    for path in (
        "/media/..%2f..%2fetc%2fpasswd",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/x.jpg",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_graphql_uploads_follow_the_multipart_request_spec(client, services, member) -> None:
    operations = {
        "query": 'mutation($file: Upload!) { uploadMedia(file: $file, alt: "Ein Foto", '
        'altTranslations: [{locale: "en", text: "A photo"}]) '
        "{ media { id status altTranslations { locale text } variants { variant url } } "
        "errors { code } } }",
        "variables": {"file": None},
    }
    answer = await client.post(
        "/graphql",
        headers=member | {"Accept-Language": "de"},
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.jpg", photo_with_gps((640, 480)), "image/jpeg")},
    )
    assert answer.status_code == 200, answer.text
    payload = answer.json()["data"]["uploadMedia"]
    assert payload["errors"] == []
    media = payload["media"]
    assert {(t["locale"], t["text"]) for t in media["altTranslations"]} == {
        ("de", "Ein Foto"),
        ("en", "A photo"),
    }
    served = await fetch(client, media["variants"][0]["url"])
    assert not Image.open(io.BytesIO(served.content)).getexif()

    refused = await client.post(
        "/graphql",
        headers=member,
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("invoice.jpg", PDF, "image/jpeg")},
    )
    assert refused.json()["data"]["uploadMedia"]["errors"][0]["code"] == "unsupported-image"

    await settle(services)
    read = await client.post(
        "/graphql",
        headers=member,
        json={"query": f'{{ media(id: "{media["id"]}") {{ status variants {{ variant }} }} }}'},
    )
    assert read.json()["data"]["media"]["status"] == "ready"
    deleted = await client.post(
        "/graphql",
        headers=member,
        json={
            "query": f'mutation {{ deleteMedia(id: "{media["id"]}") {{ ok errors {{ code }} }} }}'
        },
    )
    assert deleted.json()["data"]["deleteMedia"] == {"ok": True, "errors": []}


UPLOAD = (
    'mutation($file: Upload!) { uploadMedia(file: $file, alt: "Ein Foto") '
    "{ media { id } errors { code field } } }"
)


@pytest.mark.parametrize(
    "files_map",
    [{"0": ["variables.file.x.y"]}, {"0": ["variables.list.5"]}],
    ids=["past-a-leaf", "index-out-of-range"],
)
async def test_a_graphql_upload_whose_map_misses_its_operations_is_a_400(
    client, member, files_map
) -> None:
    answer = await client.post(
        "/graphql",
        headers=member,
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None, "list": []}}),
            "map": json.dumps(files_map),
        },
        files={"0": ("a.png", png_bytes(), "image/png")},
    )
    assert answer.status_code == 400, answer.text


async def test_a_graphql_upload_takes_one_file_and_a_file_part_only(client, member) -> None:
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    two = await client.post(
        "/graphql",
        headers=member,
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files=[
            ("0", ("a.png", png_bytes(), "image/png")),
            ("1", ("b.png", png_bytes(), "image/png")),
        ],
    )
    assert two.status_code == 400
    text_part = await client.post(
        "/graphql",
        headers=member,
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]}), "0": "x"},
    )
    assert text_part.status_code == 400  # the map names a file the form does not have


async def test_only_upload_routes_take_large_multipart_bodies(client, member) -> None:
    big = b"\0" * (2 * 1024 * 1024)  # over the 1 MB of every other route
    login = await client.post(
        "/v1/auth/login", headers={"X-Tenant": "leipzig"}, files={"file": ("a.bin", big)}
    )
    assert login.status_code == 413
    upload_route = await upload(client, member, big, name="a.png", content_type="image/png")
    assert upload_route.status_code == 413  # leipzig's own 1 MB, counted by the route
    assert upload_route.json()["code"] == "image-too-large"


async def test_members_page_through_their_own_uploads_newest_first(client, services, member):
    made = [(await upload(client, member, png_bytes())).json()["id"] for _ in range(3)]
    other = as_user(await sign_up_and_log_in(client, "leipzig", "other@example.org"), "leipzig")
    await upload(client, other, png_bytes())
    first = await client.get("/v1/media?limit=2", headers=member)
    assert first.status_code == 200
    assert [m["id"] for m in first.json()["items"]] == made[::-1][:2]
    rest = await client.get(
        f"/v1/media?limit=2&cursor={first.json()['next_cursor']}", headers=member
    )
    assert [m["id"] for m in rest.json()["items"]] == [made[0]]
    assert rest.json()["next_cursor"] is None
    assert (await client.get("/v1/media", headers={"X-Tenant": "leipzig"})).status_code == 401
    mine = await client.post(
        "/graphql",
        headers=other,
        json={"query": "{ myMedia(limit: 5) { items { id } nextCursor } }"},
    )
    assert len(mine.json()["data"]["myMedia"]["items"]) == 1
    bad = await client.post(
        "/graphql", headers=other, json={"query": '{ myMedia(cursor: "x") { nextCursor } }'}
    )
    assert bad.json()["errors"][0]["extensions"]["code"] == "invalid-input"
