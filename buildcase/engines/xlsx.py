"""The XlsxWriter engine: the model's workbook (`render.workbook.Book`) -> the bytes of
`model.xlsx`. Proposal text stays text (written as strings, never read as formulas or
links), the file is .xlsx (no macros) with no external link, and the same book gives the
same bytes: the parts' dates are XlsxWriter's fixed ones, the properties' the book's."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from buildcase.render.workbook_sheets import NUMBER_STYLES, Book, Cell, Sheet

INPUT_FILL = "#FFF2CC"  # a light yellow: a finance model's usual input colour
INPUT_FONT = "#1F3A93"
HEADER_FILL = "#E7ECF2"
NOTE_FONT = "#555555"
INPUT = {"bg_color": INPUT_FILL, "font_color": INPUT_FONT, "locked": False, "border": 1,
         "border_color": "#BFBFBF"}  # fmt: skip

NUMBER_FORMATS = {
    "percent": "0.0%",
    "count": "#,##0",
    "hours": "#,##0.0",
    "weeks": "#,##0.0",
    "years": "0",
    "months": "0.0",
    "ratio": "0.00",
    "number": "0.0000",
    "flag": "0",
}
TEXT_FORMATS: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14},
    "heading": {"bold": True, "font_size": 12},
    "header": {"bold": True, "bg_color": HEADER_FILL, "bottom": 1, "text_wrap": True},
    "text": {},
    "note": {"italic": True, "font_color": NOTE_FONT},
    "label": {},
}


def workbook_bytes(book: Book) -> bytes:
    """The workbook, written in memory."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties(
        {
            "title": book.title,
            "author": book.author,
            "comments": "buildcase",
            "created": book.created,
        }
    )
    formats = _formats(workbook, book.money_format)
    for sheet in book.sheets:
        _write_sheet(workbook.add_worksheet(sheet.title), sheet, formats)
    for name, target in book.names.items():
        workbook.define_name(name, f"={target}")
    workbook.close()
    return out.getvalue()


def _formats(workbook: xlsxwriter.Workbook, money: str) -> dict[tuple[str, bool], Format]:
    """Every style, as a computed cell (black) and as an input (unlocked, coloured)."""
    found = {}
    numbers = {**NUMBER_FORMATS, "money": money}
    for style in (*TEXT_FORMATS, *NUMBER_STYLES):
        base: dict[str, Any] = dict(TEXT_FORMATS.get(style, {}))
        if style in numbers:
            base["num_format"] = numbers[style]
        found[(style, False)] = workbook.add_format(base)
        found[(style, True)] = workbook.add_format({**base, **INPUT})
    return found


def _write_sheet(ws: Worksheet, sheet: Sheet, formats: dict[tuple[str, bool], Format]) -> None:
    for col, width in enumerate(sheet.widths):
        ws.set_column(col, col, width)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # printed: every column on the page, as many pages down as it takes
    rows, cols = sheet.freeze
    if rows or cols:
        ws.freeze_panes(rows, cols)
    for (row, col), cell in sorted(sheet.cells.items()):
        _write_cell(ws, row, col, cell, formats[(cell.style, cell.input)])


def _stored(result: float | str | None) -> float | str:
    """A formula's stored result: the model's, else 0 as XlsxWriter stores by default."""
    return 0 if result is None else result


def _write_cell(ws: Worksheet, row: int, col: int, cell: Cell, style: Format) -> None:
    """Each kind by its own method: text as a string whatever it begins with."""
    if cell.kind == "text":
        ws.write_string(row, col, str(cell.value), style)
    elif cell.kind == "number":
        ws.write_number(row, col, float(cell.value), style)
    elif cell.kind == "formula":
        ws.write_formula(row, col, f"={cell.value}", style, _stored(cell.cached))
    else:
        raise ValueError(f"no such kind of cell: {cell.kind}")
