"""Colours and WCAG 2.1 contrast, for brand checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

WCAG_AA_TEXT_CONTRAST = 4.5
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Color:
    """An sRGB colour written as `#rrggbb`, stored lower-case."""

    hex: str

    def __post_init__(self) -> None:
        if not isinstance(self.hex, str) or not _HEX.match(self.hex):
            raise ValueError(f"{self.hex!r} is not a colour of the form #rrggbb")
        object.__setattr__(self, "hex", self.hex.lower())

    def relative_luminance(self) -> float:
        """WCAG 2.1 relative luminance, 0 (black) to 1 (white)."""

        def linear(channel: int) -> float:
            c = channel / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (int(self.hex[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)

    def __str__(self) -> str:
        return self.hex


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG 2.1 contrast ratio, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((a.relative_luminance(), b.relative_luminance()), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
