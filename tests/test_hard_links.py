"""A file a proposal names, or its handout fetches, is read only if it is a regular file of
the proposal folder under its own name: a hard link (a file from anywhere under a second
name inside), a symbolic link or a FIFO is refused with an error located at that file, and
nothing of it reaches an output (README, "It reads nothing from elsewhere")."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pypdf
import pytest

from buildcase.engines.weasyprint import render_handout
from buildcase.errors import RenderError

from .conftest import MINIMAL, ROOT, run_cli, write_proposal

SECRET = "SECRET root:x:0:0:root:/root:/bin/bash\n"
ASSETS = ROOT / "templates" / "assets"
HARD_LINK = (
    "is a hard link: the same file under another name, maybe outside the proposal folder; "
    "copy the file into the folder instead"
)


def png() -> bytes:
    """A small picture, whole: WeasyPrint decodes it."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "#0b6e4f").save(out, "PNG")
    return out.getvalue()


def hard_link_to_a_secret(path: Path, outside: Path) -> None:
    """`path`, inside a proposal, made a second name of a file outside it."""
    secret = outside / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    os.link(secret, path)


def handout_template(workspace: Path, extra: str) -> None:
    """The workspace's handout template: buildcase's, with `extra` first in the body. (A
    proposal's own template reaches the very same fetcher, from its sandbox.)"""
    shipped = (ROOT / "templates" / "handout" / "handout.html.j2").read_text(encoding="utf-8")
    own = workspace / "templates" / "handout" / "handout.html.j2"
    own.parent.mkdir(parents=True)
    own.write_text(shipped.replace("<body>", "<body>" + extra), encoding="utf-8")


def attachments_of(pdf: Path) -> list[bytes]:
    """The content of every file embedded in a PDF, as a document attachment or a file
    attachment annotation (what WeasyPrint writes for `<a rel="attachment">`)."""
    reader = pypdf.PdfReader(pdf)
    found = [data for datas in reader.attachments.values() for data in datas]
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            spec = annotation.get_object().get("/FS")
            if spec is not None:
                found.append(spec.get_object()["/EF"]["/F"].get_object().get_data())
    return found


# --- through the command line -------------------------------------------------------------


@pytest.mark.slow
def test_a_hard_link_a_proposal_template_attaches_fails_the_build(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The attack of issue 33: a handout template attaches a file of the proposal folder
    that is a hard link to a file outside it, and the handout carried the file."""
    folder = write_proposal(workspace, MINIMAL)
    hard_link_to_a_secret(folder / "notes.txt", tmp_path)
    uri = (folder / "notes.txt").resolve().as_uri()
    handout_template(workspace, f'<a rel="attachment" href="{uri}">notes</a><img src="{uri}">')
    code, out, err = run_cli(capsys, "build", str(folder))
    assert code == 1, out + err
    refusal = f"the handout may not load this file, which {HARD_LINK}"
    assert f"proposals/p/notes.txt:1:1: error: {refusal}" in err
    assert "failed proposals/p" in err and "internal error" not in err
    assert not (workspace / "site" / "p").exists()  # nothing published, nothing embedded
    leftovers = [p for p in (workspace / "site").rglob("*") if p.is_file()]
    assert not any(SECRET.encode() in p.read_bytes() for p in leftovers)


@pytest.mark.slow
@pytest.mark.pdf
def test_the_same_file_copied_into_the_folder_is_attached(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the error tells the author to do works: a copy, not a second name."""
    folder = write_proposal(workspace, MINIMAL)
    (folder / "notes.txt").write_text("Our notes\n", encoding="utf-8")
    uri = (folder / "notes.txt").resolve().as_uri()
    handout_template(workspace, f'<a rel="attachment" href="{uri}">notes</a>')
    code, out, err = run_cli(capsys, "build", str(folder))
    assert code == 0, out + err
    assert attachments_of(workspace / "site" / "p" / "handout.pdf") == [b"Our notes\n"]


def test_a_hard_linked_logo_is_a_located_error_and_builds_nothing(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_proposal(workspace, MINIMAL + "branding:\n  logo: logo.png\n")
    (tmp_path / "elsewhere.png").write_bytes(png())
    os.link(tmp_path / "elsewhere.png", folder / "logo.png")
    expected = f"proposals/p/proposal.yaml:19:9: error: branding.logo: 'logo.png' {HARD_LINK}"
    code, _, err = run_cli(capsys, "check", str(folder))
    assert (code, err.strip()) == (1, expected)
    code, _, err = run_cli(capsys, "build", str(folder))
    assert code == 1 and expected in err
    assert not (workspace / "site" / "p").exists()


def test_a_hard_linked_survey_csv_is_a_located_error(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    survey = (
        "survey:\n  title: Staff survey\n  conducted: 2026-10\n  data: answers.csv\n"
        "  stats:\n    - {id: asked, label: are asked, column: Q1, answers: [Yes]}\n"
    )
    folder = write_proposal(workspace, MINIMAL + survey)
    hard_link_to_a_secret(folder / "answers.csv", tmp_path)
    code, _, err = run_cli(capsys, "check", str(folder))
    assert code == 1
    assert f"proposals/p/proposal.yaml:21:9: error: survey.data: 'answers.csv' {HARD_LINK}" in err
    assert "SECRET" not in err


# --- the handout's fetcher ----------------------------------------------------------------


def handout_fetching(uri: str, how: str = "img") -> str:
    """A small handout that fetches `uri` as a picture, a stylesheet's font or an
    attachment."""
    body = {
        "img": f'<img src="{uri}">',
        "font": f'<style>@font-face {{ font-family: X; src: url("{uri}") }} p {{ font-family: X }}</style>',
        "attachment": f'<a rel="attachment" href="{uri}">file</a>',
    }[how]
    return f"<!DOCTYPE html><html><head></head><body>{body}<p>Text</p></body></html>"


@pytest.fixture
def proposal(tmp_path: Path) -> Path:
    folder = tmp_path / "proposal"
    (folder / "pictures").mkdir(parents=True)
    (folder / "pictures" / "logo.png").write_bytes(png())
    return folder


def refused_at(name: str, proposal: Path, how: str = "img", uri: str | None = None) -> str:
    """The message of the RenderError a handout fetching `name` of the proposal fails with."""
    html = handout_fetching(uri or (proposal / name).as_uri(), how)
    with pytest.raises(RenderError) as refused:
        render_handout(html, ASSETS, [proposal, ASSETS])
    assert refused.value.location is not None
    assert refused.value.location.file == proposal / name
    return refused.value.message


@pytest.mark.parametrize("how", ["img", "font", "attachment"])
def test_the_handout_refuses_a_hard_link_in_the_proposal_folder(
    proposal: Path, tmp_path: Path, how: str
) -> None:
    hard_link_to_a_secret(proposal / "pictures" / "linked.png", tmp_path)
    message = refused_at("pictures/linked.png", proposal, how)
    assert message == f"the handout may not load this file, which {HARD_LINK}"


def test_a_logo_made_a_hard_link_after_it_was_checked_is_refused(
    proposal: Path, tmp_path: Path
) -> None:
    """The build checks the logo, then hands the handout to a worker that fetches it: a
    logo swapped for a hard link in between is refused on the file actually read."""
    logo = proposal / "pictures" / "logo.png"
    logo.unlink()
    hard_link_to_a_secret(logo, tmp_path)
    assert "is a hard link" in refused_at("pictures/logo.png", proposal)


def test_the_handout_refuses_a_symbolic_link_even_to_a_file_inside(proposal: Path) -> None:
    (proposal / "logo-link.png").symlink_to("pictures/logo.png")
    message = refused_at("logo-link.png", proposal)
    assert message == "the handout may not load this file, which is a symbolic link, not a file"


def test_the_handout_refuses_a_file_in_a_linked_folder(proposal: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "logo.png").write_bytes(png())
    (proposal / "linked").symlink_to(tmp_path / "outside")
    message = refused_at("linked/logo.png", proposal)
    assert message.endswith("which is in a folder reached through a symbolic link")


def test_the_handout_refuses_a_fifo_without_waiting_for_it(proposal: Path) -> None:
    os.mkfifo(proposal / "pipe.png")
    message = refused_at("pipe.png", proposal)
    assert message == "the handout may not load this file, which is a named pipe (FIFO), not a file"


def test_a_file_reached_from_a_template_folder_through_a_link_is_refused(
    proposal: Path, tmp_path: Path
) -> None:
    """A name in a template folder that leads into the proposal folder is no way around
    the proposal's rules."""
    trusted = tmp_path / "templates"
    trusted.mkdir()
    hard_link_to_a_secret(proposal / "linked.png", tmp_path)
    (trusted / "logo.png").symlink_to(proposal / "linked.png")
    html = handout_fetching((trusted / "logo.png").as_uri())
    handout = render_handout(html, ASSETS, [proposal, trusted, ASSETS])
    assert any("refused to load" in w for w in handout.warnings)
    assert b"SECRET" not in handout.pdf


@pytest.mark.slow
@pytest.mark.pdf
def test_a_trusted_template_folder_may_hold_files_with_several_names(
    proposal: Path, tmp_path: Path
) -> None:
    """Fonts installed by a package manager may be hard links; the template folders are
    not the proposal's, and are trusted."""
    trusted = tmp_path / "templates"
    trusted.mkdir()
    shutil.copyfile(ASSETS / "fonts" / "Inter-Bold.otf", tmp_path / "font.otf")
    os.link(tmp_path / "font.otf", trusted / "font.otf")
    html = handout_fetching((trusted / "font.otf").as_uri(), "font")
    handout = render_handout(html, ASSETS, [proposal, trusted, ASSETS])
    assert not any("refused" in w for w in handout.warnings)


@pytest.mark.slow
@pytest.mark.pdf
def test_a_regular_file_of_the_proposal_is_fetched(proposal: Path) -> None:
    html = handout_fetching((proposal / "pictures" / "logo.png").as_uri())
    handout = render_handout(html, ASSETS, [proposal, ASSETS])
    assert not any("refused" in w or "Failed" in w for w in handout.warnings)
    [page] = pypdf.PdfReader(io.BytesIO(handout.pdf)).pages
    assert [image.image.size for image in page.images] == [(8, 8)]
