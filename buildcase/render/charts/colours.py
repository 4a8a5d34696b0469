"""The colours a chart is drawn in: the proposal's own `primary` for every neutral series,
made dark enough to read, and the text that reads on a filled shape.

Red and green are kept for loss and gain (`svg.LOSS`, `svg.GAIN`), so that a reader can
trust them (a brand that is itself green or red gives way to its accent, or to slate);
everything else (a cost, a survey's shares, the plan's phases, the impact
map's behaviours) wears the proposal's brand, as the site, handout and deck around the
chart do. A brand colour chosen for a logo may be too pale to see on white: WCAG 2.1
(1.4.11, non-text contrast) asks 3:1 of a graphic against its background, so a paler
colour is darkened, keeping its hue, until it has that.
"""

from __future__ import annotations

import colorsys

from buildcase.models.colours import as_hex, contrast, rgb
from buildcase.render.charts.svg import GAIN, INK, LOSS, TRAINING

GRAPHIC_CONTRAST = 3.0  # WCAG 2.1, 1.4.11: a graphic against what is around it
TEXT_CONTRAST = 4.5  # WCAG 2.1, 1.4.3: text of a chart's size against its ground
WHITE = "#ffffff"
SLATE = "#4a5163"  # the deck's muted grey: neutral where the brand reads as gain or loss
_NEAR_HUE = 30 / 360  # a hue this near green's or red's reads as a gain or a loss


def brand_neutral(primary: str | None, accent: str | None) -> str:
    """The colour of a chart's neutral series for a proposal's brand: its `primary`, or,
    where that is a green or a red a reader would take for a gain or a loss, its `accent`,
    or else slate; made readable (`neutral_colour`). Indigo where it names no colour."""
    if not primary:
        return TRAINING
    for colour in (primary, accent):
        if colour and not reads_as_gain_or_loss(colour):
            return neutral_colour(colour)
    return SLATE


def reads_as_gain_or_loss(colour: str) -> bool:
    """Whether `colour` is a saturated hue near the charts' green or red."""
    hue, _light, saturation = colorsys.rgb_to_hls(*rgb(colour))
    if saturation < 0.25:
        return False
    for marked in (GAIN, LOSS):
        other = colorsys.rgb_to_hls(*rgb(marked))[0]
        if min(abs(hue - other), 1 - abs(hue - other)) <= _NEAR_HUE:
            return True
    return False


def neutral_colour(primary: str | None, background: str = WHITE) -> str:
    """The colour of a chart's neutral series: the proposal's `primary` (a hex colour, as
    the format admits), darkened until it stands 3:1 against `background`; indigo where
    the proposal names none."""
    if not primary:
        return TRAINING
    colour = rgb(primary)
    for step in range(101):  # 1% nearer black each time: the hue stays, the colour darkens
        darker = tuple(c * (1 - step / 100) for c in colour)
        if contrast(as_hex(darker), background) >= GRAPHIC_CONTRAST:
            return as_hex(darker)
    return INK  # black always has 3:1 against a background light enough to need it


def text_on(fill: str) -> str:
    """The colour of text drawn on `fill` (a value inside its bar, a number in its bubble):
    white where it reads at 4.5:1, else the charts' ink."""
    return WHITE if contrast(WHITE, fill) >= TEXT_CONTRAST else INK
