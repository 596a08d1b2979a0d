"""The upload scenario: how many photo uploads per second one process turns into files, variants
included, against Pillow alone doing the same encodes without any check.

    .venv/bin/python bench/upload.py [--rounds 20] [--runs 3]

The upload is a generated 12 MP (4000 x 3000) photo-like JPEG of about 3 MB carrying camera
EXIF with GPS. The product: `PillowImageCodec.safe_original` (limits, type and pixel checks, a
full decode, orientation, metadata dropped, re-encoded) then `variants` over VARIANTS, which
decodes the stored original again (the worker only has its bytes), at a JPEG's reduced DCT
scale, and writes each size in WebP and JPEG.

The baseline is Pillow alone: it opens and loads the upload once, saves it once, and resizes
that one decoded image down the same chain for the 6 encodes. A second baseline row follows the
product's decode plan (the saved copy decoded again, shrunk on load), so the two ratios tell
apart what the plan saves and what the checks cost. Filter and encoder settings are the
adapter's own, so they cannot drift apart. One upload at a time, on one core; alternating
runs, medians. Each upload's CPU time (every thread of the process) is shown beside the wall
time: where other work shares the machine, it is the steadier of the two.

Last, the same photo through the whole API (`--http-uploads`): multipart requests to POST
/v1/media over in-process ASGI on the embedded default (SQLite, local files), then the worker's
variants, against the first baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import time
from collections.abc import Callable

from PIL import Image, ImageChops, ImageFilter

from adapters.images import (
    JPEG_ORIGINAL,
    JPEG_VARIANT,
    WEBP_VARIANT,
    Encoding,
    PillowImageCodec,
)
from domain.media.model import VARIANTS
from domain.media.ports import ImageLimits

SCENARIO = "upload"
LIMITS = ImageLimits(max_bytes=20_000_000, max_pixels=50_000_000)
BASELINE = "baseline (Pillow alone, one decode)"
BASELINE_SAME_PLAN = "baseline (Pillow alone, the product's decode plan)"
PRODUCT = "stadtkern"

Sizes = list[tuple[int, int]]  # the original's, then each variant's, as the product orders them


def photo_jpeg(width: int = 4000, height: int = 3000, seed: int = 7) -> bytes:
    """Soft colour fields under sensor-like grain: about 3 MB at a camera's quality 90."""
    rng = random.Random(seed)
    coarse = (width // 100, height // 100)
    fields = Image.frombytes("RGB", coarse, rng.randbytes(coarse[0] * coarse[1] * 3))
    base = fields.resize((width, height), Image.Resampling.BICUBIC)
    base = base.filter(ImageFilter.GaussianBlur(3))
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    noise = noise.point(lambda v: 116 + v * 24 // 256)
    grain = Image.merge(
        "RGB",
        (
            noise,
            noise.transpose(Image.Transpose.ROTATE_180),
            noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        ),
    )
    exif = Image.Exif()
    exif[Image.ExifTags.Base.Make] = "Bench"
    exif[Image.ExifTags.Base.Orientation] = 1
    exif[0x8825] = {1: "N", 2: (51.0, 20.0, 0.0), 3: "E", 4: (12.0, 22.0, 0.0)}
    out = io.BytesIO()
    ImageChops.add(base, grain, offset=-128).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def product_upload(codec: PillowImageCodec, steps: dict[str, list[float]]) -> Callable[..., Sizes]:
    """One event loop for every upload; each step's time goes to `steps`."""
    loop = asyncio.new_event_loop()

    async def upload(data: bytes) -> Sizes:
        started = time.perf_counter()
        original = await codec.safe_original(data, LIMITS)
        checked = time.perf_counter()
        made = await codec.variants(original.image.data, VARIANTS)
        steps["safe_original"].append(checked - started)
        steps["variants"].append(time.perf_counter() - checked)
        return [(original.image.width, original.image.height)] + [
            (v.image.width, v.image.height) for v in made
        ]

    return lambda data: loop.run_until_complete(upload(data))


def saved(image: Image.Image, encoding: Encoding) -> bytes:
    out = io.BytesIO()
    image.save(out, encoding.pillow_format, **encoding.options)
    return out.getvalue()


def baseline_upload(data: bytes, *, decode_again: bool = False) -> Sizes:
    image = Image.open(io.BytesIO(data))
    image.load()
    original = saved(image, JPEG_ORIGINAL)
    width, height = image.size
    fits = {}
    for spec in VARIANTS:
        scale = min(1, spec.max_side / max(width, height))
        fits[spec.name] = (round(width * scale), round(height * scale))
    if decode_again:
        image = Image.open(io.BytesIO(original))
        image.draft(None, max(fits.values()))
        image.load()
    for spec in sorted(VARIANTS, key=lambda s: s.max_side, reverse=True):
        if image.size != fits[spec.name]:
            image = image.resize(fits[spec.name], Image.Resampling.LANCZOS)
        saved(image, WEBP_VARIANT)
        saved(image, JPEG_VARIANT)
    return [(width, height)] + [fits[spec.name] for spec in VARIANTS for _ in range(2)]


def timed(upload: Callable[[bytes], Sizes], data: bytes, rounds: int) -> list[tuple[float, float]]:
    """Wall and CPU seconds (all threads) of each upload: on a shared machine other processes
    stretch the first, much less the second."""
    took = []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        upload(data)
        took.append((time.perf_counter() - started, time.process_time() - cpu))
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="uploads per run")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each side")
    parser.add_argument(
        "--http-uploads", type=int, default=10, help="uploads through the whole API (0: none)"
    )
    args = parser.parse_args()

    data = photo_jpeg()
    steps: dict[str, list[float]] = {"safe_original": [], "variants": []}
    sides: dict[str, Callable[[bytes], Sizes]] = {
        BASELINE: baseline_upload,
        BASELINE_SAME_PLAN: lambda data: baseline_upload(data, decode_again=True),
        PRODUCT: product_upload(PillowImageCodec(), steps),
    }
    answers = {name: upload(data) for name, upload in sides.items()}  # also the warm-up
    if len({tuple(sizes) for sizes in answers.values()}) != 1:
        raise SystemExit(f"bench: the sides make images of different sizes: {answers}")
    for taken in steps.values():
        taken.clear()

    runs: dict[str, list[list[tuple[float, float]]]] = {name: [] for name in sides}
    for _ in range(args.runs):  # alternate, so drift hits every side alike
        for name, upload in sides.items():
            runs[name].append(timed(upload, data, args.rounds))

    print(f"\n## {SCENARIO}: a {len(data) / 1e6:.1f} MB 4000 x 3000 JPEG photo, variants included")
    print(
        f"{args.rounds} uploads per run, one at a time, median of {args.runs} alternating "
        f"run(s); the original re-encoded, then {len(VARIANTS)} sizes in WebP and JPEG\n"
    )
    print("| side | uploads/s | p50 ms | max ms | p50 CPU ms |")
    print("|---|---:|---:|---:|---:|")
    rates, cpu = {}, {}
    for name, results in runs.items():
        rates[name] = statistics.median(len(r) / sum(wall for wall, _ in r) for r in results)
        walls = sorted(wall for r in results for wall, _ in r)
        cpu[name] = statistics.median(used for r in results for _, used in r)
        print(
            f"| {name} | {rates[name]:.2f} | {statistics.median(walls) * 1000:.0f} | "
            f"{walls[-1] * 1000:.0f} | {cpu[name] * 1000:.0f} |"
        )
    print()
    for label, baseline in (
        ("", BASELINE),
        (" with the product's decode plan", BASELINE_SAME_PLAN),
    ):
        print(
            f"ratio stadtkern/baseline{label}: {rates[PRODUCT] / rates[baseline]:.2f}x "
            f"uploads/s, {cpu[baseline] / cpu[PRODUCT]:.2f}x by CPU time"
        )
    for name, results in runs.items():
        print(f"{name} runs: " + ", ".join(f"{len(r) / sum(w for w, _ in r):.2f}" for r in results))
    print(
        "stadtkern p50 per step: "
        + ", ".join(f"{step} {statistics.median(t) * 1000:.0f} ms" for step, t in steps.items())
    )
    if args.http_uploads:
        rate = asyncio.run(uploads_through_the_api(data, args.http_uploads))
        print(
            f"\nthrough the whole API (POST /v1/media as multipart, local storage, SQLite, the "
            f"worker's variants), {args.http_uploads} uploads: {rate:.2f} uploads/s, "
            f"{rate / rates[BASELINE]:.2f}x the baseline"
        )


async def uploads_through_the_api(data: bytes, count: int) -> float:
    """Uploads per second of the product as an app sees it: each upload's multipart request
    answered (checks, re-encoding, file stored, row and event committed), then every variant
    made by the worker, in process over ASGI, on the embedded default."""
    import tempfile
    from pathlib import Path

    import httpx

    from adapters.db.engine import create_engine
    from adapters.db.migrate import upgrade
    from adapters.tenant_files import read_tenant_files
    from api.app import create_app
    from api.services import build_services
    from api.settings import Settings
    from domain.tenancy.onboarding import ApplyTenantConfigs, apply_tenant_configs

    scratch = Path(tempfile.mkdtemp(prefix="stadtkern-bench-upload-"))
    url = f"sqlite+aiosqlite:///{scratch / 'bench.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    settings = Settings(
        database_url=url,
        media_dir=str(scratch / "media"),
        mail_outbox_dir=str(scratch / "mail"),
        jwt_keys_file=str(scratch / "keys.json"),
        worker_in_process=False,
    )
    services = build_services(settings)
    demo, _ = read_tenant_files([Path(__file__).parents[1] / "tenants" / "kulturnetz.toml"])
    await apply_tenant_configs(
        ApplyTenantConfigs(tuple(demo)),
        uow=services.tenancy_uow(),
        ids=services.ids,
        clock=services.clock,
    )
    app = create_app(settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        headers = {"X-Tenant": "kulturnetz"}
        account = {"email": "bench@example.org", "password": "a long bench passphrase"}
        await client.post("/v1/auth/signup", json=account | {"display_name": "B"}, headers=headers)
        token = (await client.post("/v1/auth/login", json=account, headers=headers)).json()
        headers["Authorization"] = f"Bearer {token['access_token']}"
        started = time.perf_counter()
        for _ in range(count):
            answer = await client.post(
                "/v1/media",
                headers=headers,
                data={"alt": "Ein Foto"},
                files={"file": ("photo.jpg", data, "image/jpeg")},
            )
            assert answer.status_code == 201, answer.text
        await services.worker.run_until_idle(within=600)
        taken = time.perf_counter() - started
    await services.close()
    return count / taken


if __name__ == "__main__":
    main()
