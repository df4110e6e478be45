"""Roster uploads built to run without bound — a sheet claiming every cell Excel has, a zip that
inflates a thousandfold, a CSV field of 2 MB — are refused with a reason (422), on the page and
through the API."""

import io
import re
import zipfile

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.congress.test_roster_and_sessions import HEADERS_EN, HEADERS_ZH, organised, xlsx

__all__ = ["organised"]  # the fixture, used here


def rewritten(data: bytes, members: dict[str, bytes]) -> bytes:
    """The .xlsx `data` with these members put in (replaced or added), each deflated."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in members:
                target.writestr(name, source.read(name))
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_claiming_every_cell() -> bytes:
    """The header, and one cell in the last row Excel has, in a sheet whose <dimension> claims
    A1:XFD1048576: read as claimed, a million rows of 16,384 cells each."""
    data = xlsx([])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    last_row = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>E1</t></is></c></row>'
    sheet = sheet.replace(b"</sheetData>", last_row + b"</sheetData>")
    return rewritten(data, {"xl/worksheets/sheet1.xml": sheet})


def inflating_shared_strings() -> bytes:
    """A valid roster whose shared strings inflate from a few KB to 64 MiB."""
    padding = b"<si><t>a</t></si>" * (64 * 1024 * 1024 // 17)
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + padding
        + b"</sst>"
    )
    return rewritten(
        xlsx([["E1", "张三", "zhang", "一车间", "否", "男"]]), {"xl/sharedStrings.xml": strings}
    )


def csv_with_a_long_field() -> bytes:
    return (",".join(HEADERS_EN) + "\nE1," + "a" * 2_000_000 + ",zhang,一车间,否,男\n").encode()


@pytest.fixture(params=["page", "api"])
def refused(request, client, login_as, api_token, organised):
    """refused(data, filename) → the reason the page or the API gives for its 422."""
    _enterprise, secretary, _members, congress = organised
    headers = {"Accept-Language": "en"}
    url = f"/congresses/{congress.id}/roster"
    if request.param == "api":
        headers |= api_token(secretary)
        url = "/api/v1" + url
    else:
        login_as(secretary)
        client.get("/?lang=en")

    def send(data: bytes, filename: str) -> str:
        # Built in memory: werkzeug's test client spools a large body to a file it never closes.
        boundary, body = encode_multipart(
            MultiDict({"file": FileStorage(io.BytesIO(data), filename)})
        )
        response = client.post(
            url,
            data=body,
            headers=headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code == 422, response.get_data(as_text=True)[:2000]
        if request.param == "api":
            return response.json["error"]["details"]["file"][0]
        return response.get_data(as_text=True)

    return send


@pytest.mark.parametrize(
    ("build", "filename", "reason"),
    [
        (sheet_claiming_every_cell, "roster.xlsx", "goes on past row 20000"),
        (inflating_shared_strings, "roster.xlsx", "unpacks to more than 20 MB"),
        (csv_with_a_long_field, "roster.csv", "A field of the .csv file is longer than 128 KB"),
    ],
    ids=["claims-A1:XFD1048576", "zip-bomb", "csv-field-2mb"],
)
def test_a_roster_built_to_run_without_bound_is_refused_with_a_reason(
    refused, build, filename, reason
):
    assert reason in refused(build(), filename)


def test_the_header_may_stand_among_the_first_fifty_columns_only(refused):
    beyond = [f"note{n}" for n in range(50)] + HEADERS_ZH
    assert "The header row lacks these columns" in refused(xlsx([], headers=beyond), "r.xlsx")
