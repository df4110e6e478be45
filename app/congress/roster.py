"""Reading a roster of delegates (职工代表名单) from an .xlsx or .csv upload.

The file's header row names the columns in Chinese or English; each data row becomes a dict of
raw strings with its row number as the spreadsheet shows it (the header is row 1). The values are
judged row by row in `operations.import_roster`, so every failing row can be reported at once.

An upload is bounded before it is read, whatever it claims: an .xlsx is a zip whose members may
inflate a thousandfold, and whose sheet may declare a size (`<dimension>`) it does not have.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
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
# Lines read at most, blank ones included (spreadsheets often carry empty rows below the data).
MAX_SHEET_ROWS = 4 * MAX_ROWS
# Cells read per row; the six columns may stand anywhere among them.
MAX_COLUMNS = 50
# What the .xlsx's members may inflate to, together: a 5,000-row roster takes about 2 MiB.
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024
# A member larger than 1 MiB may be at most this many times its compressed size (XML: ~10).
MAX_RATIO = 100
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


def _bounded(rows: Iterable) -> list[tuple]:
    """The rows, each cut to MAX_COLUMNS cells; a file with more than MAX_SHEET_ROWS is refused
    as soon as it shows one more."""
    kept = []
    for row in rows:
        if len(kept) == MAX_SHEET_ROWS:
            raise InvalidInput(
                "file",
                _(
                    "The roster file goes on past row %(num)d; a roster has at most %(max)d "
                    "delegates. Delete the rows below them.",
                    num=MAX_SHEET_ROWS,
                    max=MAX_ROWS,
                ),
            )
        kept.append(tuple(row[:MAX_COLUMNS]))
    return kept


def _check_inflated_size(data: bytes) -> None:
    """Refuse a zip whose members would inflate beyond what a roster needs (a zip bomb); the
    sizes are the archive's own claims, which zipfile also holds the inflation to."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidInput("file", _("This is not a readable .xlsx file.")) from None
    too_dense = any(
        member.file_size > 1024 * 1024
        and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if too_dense or sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise InvalidInput(
            "file",
            _(
                "The .xlsx file unpacks to more than %(size)d MB; a roster of %(max)d delegates "
                "takes far less.",
                size=MAX_UNZIPPED_BYTES // 1024**2,
                max=MAX_ROWS,
            ),
        )


def _xlsx_rows(data: bytes) -> list[tuple]:
    _check_inflated_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput("file", _("This is not a readable .xlsx file.")) from None
    try:
        sheet = workbook.active
        # The sheet's claimed size (say A1:XFD1048576) would pad every row to 16,384 cells and
        # the sheet to a million rows: read the rows that are there, the first columns only.
        sheet.reset_dimensions()
        return _bounded(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True))
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
        try:
            return _bounded(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:  # with newline="" and no NUL, only a field beyond csv's 128 KiB limit
            raise InvalidInput(
                "file",
                _("A field of the .csv file is longer than 128 KB; a roster holds names and IDs."),
            ) from None
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
