"""Reading a roster of delegates (职工代表名单) from an .xlsx or .csv upload.

The file's header row names the columns in Chinese or English; each data row becomes a dict of
raw strings with its row number as the spreadsheet shows it (the header is row 1). The values are
judged row by row in `operations.import_roster`, so every failing row can be reported at once.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from app.errors import AccordError, InvalidInput
from app.spreadsheets import append_row

# A roster of a few thousand delegates is far below this.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("employee_no", "name", "username", "constituency", "is_manager", "gender")
HEADERS = {
    "工号": "employee_no",
    "姓名": "name",
    "用户名": "username",
    "选区": "constituency",
    "管理人员": "is_manager",
    "性别": "gender",
    **{column: column for column in COLUMNS},
}
# The template's header row, in the order of COLUMNS.
TEMPLATE_HEADERS = ("工号", "姓名", "用户名", "选区", "管理人员", "性别")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_key(value) -> str:
    return _text(value).lower().replace(" ", "_")


def _xlsx_rows(data: bytes) -> list[tuple]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput("file", _("This is not a readable .xlsx file.")) from None
    try:
        return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> list[tuple]:
    # Excel in China saves CSV in GB18030 (GBK); everything else is UTF-8, perhaps with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # UTF-16 or no text at all (nor could PostgreSQL store it)
        return [tuple(row) for row in csv.reader(io.StringIO(text, newline=""))]
    raise InvalidInput("file", _("The .csv file is neither UTF-8 nor GB18030 text."))


def read_roster(file_storage) -> list[dict]:
    """The data rows of an uploaded roster: {"row": n, "employee_no": "…", …} per row."""
    filename = (getattr(file_storage, "filename", "") or "").lower()
    if not filename:
        raise InvalidInput("file", _("Choose a roster file (.xlsx or .csv)."))
    data = file_storage.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", _("The roster file is larger than 2 MB."))
    if filename.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif filename.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise InvalidInput("file", _("A roster is an .xlsx or a .csv file."))
    if not rows:
        raise InvalidInput("file", _("The roster file is empty."))
    header = [HEADERS.get(_header_key(cell)) for cell in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        names = ", ".join(f"{TEMPLATE_HEADERS[COLUMNS.index(c)]}/{c}" for c in missing)
        raise InvalidInput(
            "file", _("The header row lacks these columns: %(columns)s.", columns=names)
        )
    records = []
    for number, row in enumerate(rows[1:], start=2):
        values = {key: _text(cell) for key, cell in zip(header, row, strict=False) if key}
        if not any(values.values()):
            continue  # a blank line, often at the end of a sheet
        records.append({"row": number, **{c: values.get(c, "") for c in COLUMNS}})
    if not records:
        raise InvalidInput("file", _("The roster file has no delegates below its header."))
    if len(records) > MAX_ROWS:
        raise InvalidInput("file", _("A roster has at most %(num)d rows.", num=MAX_ROWS))
    return records


def template_xlsx() -> bytes:
    """An empty roster: the header row only."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "roster"
    append_row(sheet, TEMPLATE_HEADERS)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class RosterReport:
    """What an import did: how many delegates came in, and what is wrong with the roster now."""

    imported: int
    warnings: list[str]


class RosterRejected(InvalidInput):
    """A roster with failing rows, none of it imported; `failures` maps row number → reasons
    and `details` names each as `rows.<n>` (422)."""

    def __init__(self, failures: dict[int, list[str]]):
        self.failures = failures
        message = ngettext(
            "%(num)d row of the roster is wrong; nothing was imported.",
            "%(num)d rows of the roster are wrong; nothing was imported.",
            len(failures),
        )
        details = {f"rows.{n}": reasons for n, reasons in failures.items()}
        AccordError.__init__(self, message, details)
