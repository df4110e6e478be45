"""Writing the product's spreadsheets (.xlsx) so that no text in them ever runs as a formula."""

from collections.abc import Iterable

from openpyxl.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet


def append_row(sheet: Worksheet, values: Iterable) -> None:
    """Append a row whose text cells are string cells whatever they begin with: openpyxl makes a
    formula of any text starting with `=`, so a title such as `=HYPERLINK(...)` typed by a user
    would run in the reader's spreadsheet program (formula injection)."""
    cells = []
    for value in values:
        cell = Cell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)
