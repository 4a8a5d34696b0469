"""The arithmetic of the colours a proposal names (`branding.primary`, `accent`, a logo's
fills): WCAG 2.1's relative luminance and contrast ratio, on hex colours as the format
admits them (`#rgb` or `#rrggbb`, parsers.parse_colour). One definition for the stages that
judge a colour: validate (a logo that vanishes on its header) and render (a chart's brand
colour, the text on a filled shape)."""

from __future__ import annotations


def rgb(colour: str) -> tuple[float, float, float]:
    """A hex colour, `#rgb` or `#rrggbb`, as three channels from 0 to 1."""
    digits = long_hex(colour)[1:]
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def long_hex(colour: str) -> str:
    """`#abc` as `#aabbcc`, lower case: one spelling for each colour."""
    digits = colour.lstrip("#").lower()
    return "#" + ("".join(d * 2 for d in digits) if len(digits) == 3 else digits)


def as_hex(channels: tuple[float, ...]) -> str:
    """Three channels from 0 to 1 as `#rrggbb`."""
    return "#" + "".join(f"{round(c * 255):02x}" for c in channels)


def luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of a hex colour."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two hex colours, from 1 (the same) to 21 (black on
    white)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
