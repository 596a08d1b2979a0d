"""The image codec on Pillow (and pillow-heif for HEIC): uploads checked by their bytes and
re-encoded without metadata, and their variants in WebP with a JPEG fallback.

- The type is what Pillow recognises in the bytes, with only the JPEG, PNG, WebP and HEIF
  plugins allowed to try: a name or a Content-Type is never asked.
- Pixels are counted from the header before anything is decoded. Pillow's own ceiling
  (`Image.MAX_IMAGE_PIXELS`) stays in force under the tenant's limit: Pillow refuses past twice
  it and only warns in between, and that warning becomes a refusal here by the same count
  rather than through the warning filters, which are process-wide and not thread-safe.
- An image is decoded whole (`load()`) and refused if it is truncated or damaged; Pillow's
  `ImageFile.LOAD_TRUNCATED_IMAGES` must stay False in this process.
- An animated WebP or PNG keeps its first frame: what is stored is a still image.
- The EXIF orientation is applied, then nothing of the upload's metadata is written (EXIF,
  GPS, XMP, comments, text chunks): the image's `info` is emptied and `save()` is given only
  the ICC profile. That profile is kept because it describes the colours, not the person, and
  only while it still matches the pixels (an RGB profile on RGB, a grey one on greyscale); a
  CMYK image is converted to sRGB through its own profile and stored without one.
- Modes become L, LA, RGB or RGBA (palettes, 1-bit and 16-bit greyscale included); JPEG holds
  no alpha, so transparent images are flattened on white for it.
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageCms, ImageOps
from pillow_heif import register_heif_opener

from domain.media.errors import ImageTooLarge, UnsupportedImage
from domain.media.model import ImageFormat, VariantSpec
from domain.media.ports import EncodedImage, EncodedVariant, ImageLimits, SafeOriginal

_UPLOAD_PLUGINS = ("JPEG", "PNG", "WEBP", "HEIF")
MAX_SIDE = 16383  # WebP's own limit
_ORIGINAL_PLUGINS = ("JPEG", "PNG", "WEBP")  # what safe_original writes
_DETECTED = {
    "JPEG": ImageFormat.JPEG,
    "MPO": ImageFormat.JPEG,  # phones' JPEGs with extra pictures: Pillow's JPEG plugin names them
    "PNG": ImageFormat.PNG,
    "WEBP": ImageFormat.WEBP,
    "HEIF": ImageFormat.HEIC,
}


@dataclass(frozen=True)
class Encoding:
    pillow_format: str
    content_type: str
    extension: str
    options: dict[str, Any] = field(default_factory=dict)


# Originals are stored, variants are served: Huffman optimisation doubles a 12 MP JPEG's
# encoding time for 8 % fewer bytes, worth it only on the small files sent again and again.
JPEG_ORIGINAL = Encoding("JPEG", "image/jpeg", "jpg", {"quality": 88})
PNG_ORIGINAL = Encoding("PNG", "image/png", "png", {"optimize": False})
WEBP_ORIGINAL = Encoding("WEBP", "image/webp", "webp", {"quality": 88})
WEBP_LOSSLESS = Encoding("WEBP", "image/webp", "webp", {"lossless": True})
WEBP_VARIANT = Encoding("WEBP", "image/webp", "webp", {"quality": 80, "method": 4})
JPEG_VARIANT = Encoding("JPEG", "image/jpeg", "jpg", {"quality": 85, "optimize": True})


class PillowImageCodec:
    def __init__(self) -> None:
        # pillow-heif plugs into Pillow's process-wide registry (again is harmless); HEIC's
        # thumbnails, depth maps and auxiliary images are never used, so never parsed.
        register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
        # One decode per core at a time: a decoded image may take max_pixels x 4 bytes, and
        # more at once would only queue for the cores while holding their memory.
        self._decodes = asyncio.Semaphore(os.cpu_count() or 1)

    async def safe_original(self, data: bytes, limits: ImageLimits) -> SafeOriginal:
        async with self._decodes:
            return await asyncio.to_thread(_safe_original, data, limits)

    async def variants(self, data: bytes, specs: Sequence[VariantSpec]) -> list[EncodedVariant]:
        async with self._decodes:
            return await asyncio.to_thread(_variants, data, tuple(specs))


def _safe_original(data: bytes, limits: ImageLimits) -> SafeOriginal:
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(f"{len(data):,} bytes, more than the {limits.max_bytes:,} allowed")
    image = _opened(data, _UPLOAD_PLUGINS)
    ceiling = min(limits.max_pixels, Image.MAX_IMAGE_PIXELS or limits.max_pixels)
    width, height = image.size
    if width * height > ceiling:
        raise ImageTooLarge(f"{width} x {height} pixels, more than the {ceiling:,} allowed")
    if max(width, height) > MAX_SIDE:
        # Few pixels but one side very long (a 1 x 50,000,000 PNG is 68 bytes): resizing it
        # would take gigabytes, and WebP cannot hold it anyway.
        raise ImageTooLarge(f"{width} x {height} pixels: a side is longer than {MAX_SIDE}")
    _decode(image, oriented=True)
    detected = _DETECTED[image.format or ""]
    pixels, icc = _normalized(image)
    if detected is ImageFormat.PNG:
        encoding = PNG_ORIGINAL
    elif detected is ImageFormat.WEBP:
        encoding = WEBP_LOSSLESS if _is_lossless_webp(data) else WEBP_ORIGINAL
    else:
        encoding = JPEG_ORIGINAL
    return SafeOriginal(format=detected, image=_encoded(pixels, icc, encoding))


def _variants(data: bytes, specs: tuple[VariantSpec, ...]) -> list[EncodedVariant]:
    """`data` is a safe original: oriented, no metadata, in a format safe_original writes."""
    image = _opened(data, _ORIGINAL_PLUGINS)
    sizes = {spec: _fitted(image.size, spec.max_side) for spec in specs}
    largest = max(sizes.values(), default=image.size)
    # A JPEG decodes straight to 1/2, 1/4 or 1/8 of its size (never below `largest`) for a
    # fraction of the work of a full decode and a resize from it.
    image.draft(None, largest)
    _decode(image, oriented=False)
    pixels, icc = _normalized(image)
    made: dict[VariantSpec, list[EncodedVariant]] = {}
    # Largest first, each resized from the one before: the chain costs a fraction of resizing
    # every size from the full image, and Lanczos filters each step properly.
    for spec in sorted(specs, key=lambda s: s.max_side, reverse=True):
        if pixels.size != sizes[spec]:
            pixels = pixels.resize(sizes[spec], Image.Resampling.LANCZOS)
        made[spec] = [
            EncodedVariant(spec.name, _encoded(pixels, icc, WEBP_VARIANT)),
            EncodedVariant(spec.name, _encoded(pixels, icc, JPEG_VARIANT)),
        ]
    return [variant for spec in specs for variant in made[spec]]


def _opened(data: bytes, plugins: tuple[str, ...]) -> Image.Image:
    """The image's header read, nothing decoded yet."""
    try:
        return Image.open(io.BytesIO(data), formats=plugins)
    except Image.DecompressionBombError as error:
        raise ImageTooLarge("too many pixels to decode safely") from error
    except Exception as error:  # each plugin refuses foreign bytes with its own exception
        raise UnsupportedImage("not a JPEG, PNG, WebP or HEIC image") from error


def _decode(image: Image.Image, *, oriented: bool) -> None:
    try:
        image.load()
        if oriented:
            ImageOps.exif_transpose(image, in_place=True)
    except Exception as error:  # decoders report damage as OSError, SyntaxError, ValueError...
        raise UnsupportedImage("the image data is incomplete or damaged") from error


def _normalized(image: Image.Image) -> tuple[Image.Image, bytes | None]:
    """The pixels in L, LA, RGB or RGBA with an empty `info`, and the ICC profile that still
    describes them, if any."""
    icc = image.info.get("icc_profile") or None
    mode, transparent = image.mode, "transparency" in image.info
    if mode in ("L", "LA", "RGB", "RGBA") and not transparent:
        pass
    elif mode == "CMYK":
        if icc and _color_space(icc) == b"CMYK":
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            image = ImageCms.profileToProfile(image, source, srgb, outputMode="RGB")
        else:
            image = image.convert("RGB")
    elif mode.startswith("I"):  # 16-bit greyscale: scaled, where convert("L") would clip
        image = image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    elif mode in ("1", "L"):
        image = image.convert("LA" if transparent else "L")
    else:
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    image.info = {}
    return image, icc if icc and _profile_fits(icc, image.mode) else None


def _encoded(pixels: Image.Image, icc: bytes | None, encoding: Encoding) -> EncodedImage:
    if encoding.pillow_format == "JPEG":
        pixels = _flattened(pixels)
    elif encoding.pillow_format == "WEBP" and pixels.mode in ("L", "LA"):
        pixels = pixels.convert("RGBA" if pixels.mode == "LA" else "RGB")
    options = dict(encoding.options)
    if icc and _profile_fits(icc, pixels.mode):
        options["icc_profile"] = icc
    out = io.BytesIO()
    pixels.save(out, encoding.pillow_format, **options)
    return EncodedImage(
        data=out.getvalue(),
        content_type=encoding.content_type,
        extension=encoding.extension,
        width=pixels.width,
        height=pixels.height,
    )


def _flattened(pixels: Image.Image) -> Image.Image:
    """Without alpha, transparent parts on white."""
    if pixels.mode not in ("LA", "RGBA"):
        return pixels
    base = pixels.mode[:-1]
    white = Image.new(base, pixels.size, "white")
    white.paste(pixels.convert(base), mask=pixels.getchannel("A"))
    return white


def _fitted(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """Inside max_side x max_side, the same aspect ratio, never larger than `size`."""
    width, height = size
    scale = max_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _color_space(icc: bytes) -> bytes:
    return icc[16:20]  # the profile header's data colour space: b"RGB ", b"GRAY", b"CMYK"


def _profile_fits(icc: bytes, mode: str) -> bool:
    return _color_space(icc) == (b"GRAY" if mode in ("L", "LA") else b"RGB ")


def _is_lossless_webp(data: bytes) -> bool:
    """Whether the (first) frame is VP8L, found by walking the RIFF chunks."""
    position = 12
    while position + 8 <= len(data):
        chunk = data[position : position + 4]
        if chunk in (b"VP8 ", b"VP8L"):
            return chunk == b"VP8L"
        if chunk == b"ANMF":  # an animation frame: its own chunks follow a 16-byte header
            position += 8 + 16
            continue
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        position += 8 + size + (size & 1)
    return False
