"""A logo that would vanish against the site's header is warned about, located at
`branding.logo`, and put on a light plate; one that shows on its own is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildcase.models.colours import contrast
from buildcase.validate.logo import main_colour, plated, vanishes

from .conftest import MINIMAL, run_cli, write_proposal

GREEN, ORANGE, WHITE = "#0b6e4f", "#f2a541", "#ffffff"


def svg(*paints: str) -> str:
    shapes = "".join(f'<rect width="4" height="4" fill="{c}"/>' for c in paints)
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">{shapes}</svg>'


def test_the_main_colour_is_the_one_painted_most() -> None:
    assert main_colour(svg(GREEN, GREEN, ORANGE)) == GREEN
    assert main_colour('<svg><path style="stroke: #FA0"/></svg>') == "#ffaa00"
    assert main_colour("<svg><text>no colour named</text></svg>") is None


def test_contrast_is_wcags_ratio() -> None:
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast(GREEN, GREEN) == pytest.approx(1.0)


def test_a_logo_in_the_headers_colour_vanishes_and_a_white_one_does_not(tmp_path: Path) -> None:
    (tmp_path / "dark.svg").write_text(svg(GREEN, GREEN, ORANGE))
    (tmp_path / "light.svg").write_text(svg(WHITE, WHITE, ORANGE))
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert vanishes(tmp_path, "dark.svg", GREEN)
    assert not vanishes(tmp_path, "light.svg", GREEN)
    assert not vanishes(tmp_path, "logo.png", GREEN)  # a raster logo is not estimated
    assert plated((tmp_path / "dark.svg").as_uri(), GREEN)
    assert not plated((tmp_path / "light.svg").as_uri(), GREEN)


def test_check_warns_of_a_vanishing_logo_at_its_field(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branding = f'branding:\n  logo: logo.svg\n  primary: "{GREEN}"\n'
    folder = write_proposal(workspace, MINIMAL + branding)
    (folder / "logo.svg").write_text(svg(GREEN, GREEN, ORANGE))
    _, _, err = run_cli(capsys, "check", str(folder))
    line = next(x for x in err.splitlines() if "branding.logo" in x)
    logo_line = len(MINIMAL.splitlines()) + 2  # under `branding:`, after the minimal proposal
    assert (
        f"proposal.yaml:{logo_line}:9: warning: branding.logo: the logo is drawn mostly in" in line
    )
    assert "1.0:1 against the primary colour" in line
    (folder / "logo.svg").write_text(svg(WHITE, WHITE, ORANGE))
    _, _, err = run_cli(capsys, "check", str(folder))
    assert "branding.logo" not in err
