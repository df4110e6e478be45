"""Uploads built to stall the public verification: each is refused with a reason (422), on the page
and through the API, instead of holding a web worker or answering 500."""

import threading
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.contracts import verification

# A catalog with one signature field, a page tree with one page.
CATALOG = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def pdf(*objects: bytes) -> bytes:
    """A PDF of these objects, numbered from 1 (the catalog), with a correct cross-reference."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def signature(byte_range: bytes) -> bytes:
    return (
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
        b"/ByteRange [%s] /Contents <%s> >>" % (byte_range, b"00" * 64)
    )


def signed_with(byte_range: bytes) -> bytes:
    field = b"<< /T (Signature1) /FT /Sig /V %s >>" % signature(byte_range)
    return pdf(CATALOG, PAGES, PAGE, field)


def whole_file_hashed_again_and_again(times: int = 5000) -> bytes:
    """The signature covers (0, the whole file) `times` over: pyHanko hashes it that often."""
    size = len(signed_with(b" ".join([b"0 0000000000"] * times)))
    return signed_with(b" ".join([b"0 %010d" % size] * times))


def eleven_signatures() -> bytes:
    fields = [
        b"<< /T (Signature%d) /FT /Sig /V %s >>" % (n, signature(b"0 10 20 10")) for n in range(11)
    ]
    refs = b" ".join(b"%d 0 R" % (4 + n) for n in range(11))
    catalog = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [%s] >> >>" % refs
    return pdf(catalog, PAGES, PAGE, *fields)


def nested_arrays(depth: int = 200_000) -> bytes:
    return pdf(
        CATALOG, PAGES, PAGE, b"<< /T (a) /FT /Sig /V %s%s >>" % (b"[" * depth, b"]" * depth)
    )


def field_chain(depth: int = 50_000) -> bytes:
    """Field 4 has one kid, which has one kid, … `depth` fields down to a signature."""
    fields = []
    for n in range(depth):
        number = 4 + n
        parent = b" /Parent %d 0 R" % (number - 1) if n else b""
        below = b" /Kids [%d 0 R]" % (number + 1)
        if n == depth - 1:
            below = b" /FT /Sig /V " + signature(b"0 10 20 10")
        fields.append(b"<< /T (f%d)%s%s >>" % (n, parent, below))
    return pdf(CATALOG, PAGES, PAGE, *fields)


@pytest.fixture(params=["page", "api"])
def refused(request, client, make, api_token):
    """refused(content) → the reason the page or the API gives for refusing the upload."""
    headers = {"Accept-Language": "en"}
    url = "/verify"
    if request.param == "api":
        headers |= api_token(make.user("visitor"))
        url = "/api/v1/verify"
    else:
        client.get("/verify?lang=en")

    def send(content: bytes, status: int = 422) -> str:
        # Built in memory: werkzeug's test client spools a large body to a file it never closes.
        boundary, body = encode_multipart(
            MultiDict({"file": FileStorage(BytesIO(content), "contract.pdf")})
        )
        response = client.post(
            url,
            data=body,
            headers=headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        if request.param == "api":
            return response.json["error"]["message"]
        return response.get_data(as_text=True).replace("&#39;", "'")

    return send


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (whole_file_hashed_again_and_again, "claims to cover more than two parts of the file"),
        (lambda: signed_with(b"0 10 20 99999999"), "claims to cover bytes the file does not have"),
        (eleven_signatures, "The PDF holds more than 10 signatures"),
        (nested_arrays, "The PDF nests its objects more than 100 levels deep"),
    ],
    ids=["byte-range-5000-times", "byte-range-outside", "eleven-signatures", "nested-200k"],
)
def test_a_pdf_built_to_stall_the_check_is_refused_before_it(refused, build, reason):
    assert reason in refused(build())


def test_a_field_chain_too_deep_for_pyhanko_is_refused_not_500(refused):
    assert "The PDF's objects are nested too deeply to be checked." in refused(field_chain())


def test_a_check_that_outlasts_the_timeout_is_stopped_and_refused(app, refused, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_TIMEOUT_SECONDS", 0.05)
    assert "Checking this PDF took longer than 0.05 seconds" in refused(field_chain())


def test_a_check_that_outgrows_its_memory_is_refused(app, refused, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_MEMORY_MB", 1)
    reason = "Checking this PDF needed more memory or time than this server allows."
    assert reason in refused(field_chain())


def test_an_upload_that_finds_every_worker_busy_is_answered_503(app, refused, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_WORKERS", 1)
    taken = threading.BoundedSemaphore(1)
    taken.acquire()
    monkeypatch.setattr(verification, "_slots", {1: taken})
    assert "Too many files are being checked" in refused(signed_with(b"0 10 20 10"), 503)
