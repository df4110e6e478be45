"""Personal signatures (签名) on the contract PDF and their verification (验证), without a database.

The union's chief certifies (认证签名, form filling only), the employer's chief signs after; the
verifier must see both as valid, and must never call a changed document valid.
"""

import hashlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import read_certification_data
from pypdf import PdfReader
from weasyprint import HTML

from app.auth import keys
from app.contracts import signing
from app.contracts.layout import SIGNATURE_BOXES, SIGNATURE_FIELDS
from app.contracts.verification import NotAPdf, verify_contract_pdf

PASSWORD = "correct-horse-1"
CA_PASSPHRASE = "ca-passphrase-1"
ISSUED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
UNION_SIGNED_AT = datetime(2026, 11, 23, 6, 5, 12, tzinfo=UTC)  # 14:05 in Beijing
EMPLOYER_SIGNED_AT = datetime(2026, 11, 23, 7, 40, 3, tzinfo=UTC)
UNION_LABEL, EMPLOYER_LABEL = "工会方首席代表", "企业方首席代表"

CONTRACT_HTML = """
<html lang="zh"><head><style>
  @page { size: A4; }
  body { font-family: "Noto Sans CJK SC"; }
  .page { break-after: page; }
</style></head><body>
  <div class="page"><h1>工资专项集体合同</h1>
    <p>甲方（工会）与乙方（企业）经平等协商，订立本合同。</p></div>
  <div><h2>签署页</h2><p>甲方首席代表（签名）：</p><p>乙方首席代表（签名）：</p></div>
</body></html>
"""


@pytest.fixture(scope="module")
def font_path(request, tmp_path_factory) -> Path:
    """Built once and kept in pytest's cache between runs: building takes a few seconds."""
    cache = getattr(request.config, "cache", None)
    cache_dir = cache.mkdir("accord-stamp-font") if cache else tmp_path_factory.mktemp("font")
    return signing.stamp_font(Path(cache_dir))


@pytest.fixture(scope="module")
def ca() -> keys.CaMaterial:
    return keys.create_ca(CA_PASSPHRASE, now=ISSUED_AT)


def issue(ca: keys.CaMaterial, user_id: int, username: str, full_name: str):
    """A person's certificate and unlocked private key."""
    ca_cert, ca_key = keys.load_ca(ca, CA_PASSPHRASE)
    material = keys.issue_signing_key(
        ca_cert,
        ca_key,
        user_id=user_id,
        username=username,
        full_name=full_name,
        password=PASSWORD,
        now=ISSUED_AT,
    )
    return material, keys.unlock_signing_key(material.encrypted_key, PASSWORD)


@pytest.fixture(scope="module")
def union_chief(ca):
    return issue(ca, 7, "zhang.wei", "张伟")


@pytest.fixture(scope="module")
def employer_chief(ca):
    return issue(ca, 8, "li.na", "李娜")


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return HTML(string=CONTRACT_HTML).write_pdf()


def sign(pdf, signer, ca, font_path, *, side, name, label, at, certify) -> bytes:
    material, private_key = signer
    return signing.sign_contract_pdf(
        pdf,
        side=side,
        private_key=private_key,
        cert_pem=material.cert_pem,
        ca_cert_pem=ca.cert_pem,
        signer_name=name,
        side_label=label,
        signed_at=at,
        certify=certify,
        font_path=font_path,
    )


@pytest.fixture(scope="module")
def signed_once(unsigned, union_chief, ca, font_path) -> bytes:
    return sign(
        unsigned,
        union_chief,
        ca,
        font_path,
        side="union",
        name="张伟",
        label=UNION_LABEL,
        at=UNION_SIGNED_AT,
        certify=True,
    )


@pytest.fixture(scope="module")
def signed_twice(signed_once, employer_chief, ca, font_path) -> bytes:
    return sign(
        signed_once,
        employer_chief,
        ca,
        font_path,
        side="employer",
        name="李娜",
        label=EMPLOYER_LABEL,
        at=EMPLOYER_SIGNED_AT,
        certify=False,
    )


def stamp_cmaps(pdf: bytes, field_name: str) -> str:
    """The ToUnicode maps of the fonts in a signature's stamp: which characters it can show."""
    page = PdfReader(io.BytesIO(pdf)).pages[-1]
    widget = next(a.get_object() for a in page["/Annots"] if a.get_object()["/T"] == field_name)
    maps, pending = [], [widget["/AP"]["/N"].get_object()]
    while pending:
        xobject = pending.pop()
        resources = xobject.get("/Resources", {})
        for font in resources.get("/Font", {}).values():
            maps.append(font.get_object()["/ToUnicode"].get_object().get_data().decode("ascii"))
        pending.extend(x.get_object() for x in resources.get("/XObject", {}).values())
    return "".join(maps)


def test_stamp_text_shows_name_side_and_beijing_time():
    text = signing.stamp_text("张伟", UNION_LABEL, UNION_SIGNED_AT)

    assert text == "张伟\n工会方首席代表\n2026年11月23日 14:05 (北京时间)"


def test_stamp_font_is_one_small_opentype_font_covering_gb2312(font_path):
    font = TTFont(font_path)
    cmap = font["cmap"].getBestCmap()
    gb2312 = set()
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                gb2312.add(bytes((first, second)).decode("gb2312"))
            except UnicodeDecodeError:
                continue

    assert font.sfntVersion == "OTTO"
    assert font["name"].getDebugName(1) == "Noto Sans CJK SC"
    assert {ord(character) for character in gb2312} <= cmap.keys()
    assert font_path.stat().st_size < 3_000_000


def test_stamp_font_has_a_glyph_for_every_stamp_character(font_path):
    cmap = TTFont(font_path)["cmap"].getBestCmap()
    text = signing.stamp_text("张伟", UNION_LABEL, UNION_SIGNED_AT) + signing.stamp_text(
        "李娜", EMPLOYER_LABEL, EMPLOYER_SIGNED_AT
    )

    assert [c for c in text if not c.isspace() and ord(c) not in cmap] == []


def test_stamp_font_is_built_once(font_path):
    built = font_path.stat().st_mtime_ns

    assert signing.stamp_font(font_path.parent) == font_path
    assert font_path.stat().st_mtime_ns == built
    assert list(font_path.parent.glob("*.tmp")) == []


def test_each_signature_is_an_incremental_revision(unsigned, signed_once, signed_twice):
    assert signed_once.startswith(unsigned)
    assert signed_twice.startswith(signed_once)


def test_two_signatures_verify_with_names_sides_and_times(signed_twice, ca):
    report = verify_contract_pdf(signed_twice, ca.cert_pem)

    union, employer = report.signatures
    assert (union.field_name, union.side, union.signer_name) == (
        SIGNATURE_FIELDS["union"],
        "union",
        "张伟",
    )
    assert (union.signer_identity, union.signer_user_id) == ("zhang.wei", 7)
    assert (employer.field_name, employer.side, employer.signer_name) == (
        SIGNATURE_FIELDS["employer"],
        "employer",
        "李娜",
    )
    assert (employer.signer_identity, employer.signer_user_id) == ("li.na", 8)
    assert (union.signed_at, employer.signed_at) == (UNION_SIGNED_AT, EMPLOYER_SIGNED_AT)
    assert union.signed_at.utcoffset() == timedelta(hours=8)
    for signature in (union, employer):
        assert signature.intact and signature.trusted and signature.valid
        assert not signature.modified_after
    assert not union.covers_whole_document
    assert union.modification_level == "form_filling"
    assert employer.covers_whole_document
    assert employer.modification_level == "none"
    assert not report.modified_after_signing
    assert report.problems == []
    assert report.valid


def test_first_signature_certifies_allowing_form_filling_only(signed_twice):
    certification = read_certification_data(PdfFileReader(io.BytesIO(signed_twice)))

    assert certification.permission == MDPPerm.FILL_FORMS
    assert certification.author_sig.get_object()["/M"] is not None


def test_original_sha256_is_the_unsigned_contract(unsigned, signed_once, signed_twice, ca):
    expected = hashlib.sha256(unsigned).hexdigest()

    assert verify_contract_pdf(signed_once, ca.cert_pem).original_sha256 == expected
    assert verify_contract_pdf(signed_twice, ca.cert_pem).original_sha256 == expected


@pytest.mark.parametrize("side", ["union", "employer"])
def test_stamp_sits_in_the_side_box_on_the_last_page(signed_twice, side):
    reader = PdfReader(io.BytesIO(signed_twice))
    widgets = {a.get_object()["/T"]: a.get_object() for a in reader.pages[-1].get("/Annots", [])}

    rect = [float(x) for x in widgets[SIGNATURE_FIELDS[side]]["/Rect"]]
    assert rect == pytest.approx(SIGNATURE_BOXES[side], abs=0.01)
    assert all("/Annots" not in page for page in reader.pages[:-1])


@pytest.mark.parametrize(
    ("side", "name", "label", "at"),
    [
        ("union", "张伟", UNION_LABEL, UNION_SIGNED_AT),
        ("employer", "李娜", EMPLOYER_LABEL, EMPLOYER_SIGNED_AT),
    ],
)
def test_stamp_can_show_every_character_of_its_text(signed_twice, side, name, label, at):
    cmaps = stamp_cmaps(signed_twice, SIGNATURE_FIELDS[side])

    text = signing.stamp_text(name, label, at)
    assert [c for c in set(text) if not c.isspace() and f"<{ord(c):04x}>" not in cmaps] == []


def test_name_outside_gb2312_still_gets_its_glyphs(signed_once, ca, font_path):
    signer = issue(ca, 9, "wang.kun", "王堃")  # 堃 is in GBK, not in GB2312

    signed = sign(
        signed_once,
        signer,
        ca,
        font_path,
        side="employer",
        name="王堃",
        label=EMPLOYER_LABEL,
        at=EMPLOYER_SIGNED_AT,
        certify=False,
    )

    assert ord("堃") not in TTFont(font_path)["cmap"].getBestCmap()
    assert f"<{ord('堃'):04x}>" in stamp_cmaps(signed, SIGNATURE_FIELDS["employer"])
    assert verify_contract_pdf(signed, ca.cert_pem).valid


def foreign_signer(ca):
    other_ca = keys.create_ca(CA_PASSPHRASE, now=ISSUED_AT)  # same name, another key
    return other_ca, issue(other_ca, 7, "zhang.wei", "张伟"), UNION_SIGNED_AT


def expired_signer(ca):
    signer = issue(ca, 7, "zhang.wei", "张伟")
    return ca, signer, signer[0].not_after + timedelta(days=1)


@pytest.mark.parametrize(
    "signer_and_time", [foreign_signer, expired_signer], ids=["foreign CA", "expired certificate"]
)
def test_signature_without_a_valid_certificate_from_our_ca_is_not_trusted(
    unsigned, ca, font_path, signer_and_time
):
    issuer, signer, at = signer_and_time(ca)

    signed = sign(
        unsigned,
        signer,
        issuer,
        font_path,
        side="union",
        name="张伟",
        label=UNION_LABEL,
        at=at,
        certify=True,
    )
    report = verify_contract_pdf(signed, ca.cert_pem)

    (signature,) = report.signatures
    assert signature.intact and signature.covers_whole_document
    assert not signature.trusted and not signature.valid
    assert not report.valid
    assert any("certificate" in problem for problem in report.problems)


def damage_original_content(unsigned: bytes, _signed_once: bytes, signed: bytes) -> bytes:
    """Flip a bit inside the first page's compressed content, covered by both signatures."""
    position = unsigned.index(b"stream\n") + len(b"stream\n") + 10
    return signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1 :]


def damage_last_revision(_unsigned: bytes, signed_once: bytes, signed: bytes) -> bytes:
    """Turn a space after the employer's /ByteRange into a tab: only the employer signed it."""
    position = signed.index(b"] ", signed.rindex(b"/ByteRange")) + 1
    assert position > len(signed_once)
    return signed[:position] + b"\t" + signed[position + 1 :]


@pytest.mark.parametrize(
    ("damage", "union_intact"),
    [(damage_original_content, False), (damage_last_revision, True)],
    ids=["original content", "employer's revision"],
)
def test_one_changed_byte_breaks_the_signatures_covering_it(
    unsigned, signed_once, signed_twice, ca, damage, union_intact
):
    damaged = damage(unsigned, signed_once, signed_twice)

    report = verify_contract_pdf(damaged, ca.cert_pem)

    union, employer = report.signatures
    assert not employer.intact and not employer.valid
    assert union.intact is union_intact and union.valid is union_intact
    assert not report.valid
    assert any("altered" in problem for problem in report.problems)


def add_page(writer: IncrementalPdfFileWriter) -> None:
    content = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 700 Td (extra) Tj ET")
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Page"),
                generic.NameObject("/MediaBox"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (0, 0, 595, 842)]
                ),
                generic.NameObject("/Resources"): generic.DictionaryObject(),
                generic.NameObject("/Contents"): writer.add_object(content),
            }
        )
    )


def overwrite_text(writer: IncrementalPdfFileWriter) -> None:
    # White out a line of the first page and write other words over it.
    content = generic.StreamObject(
        stream_data=b"q 1 1 1 rg 60 700 400 30 re f Q BT /F1 14 Tf 72 710 Td (10%) Tj ET"
    )
    writer.add_stream_to_page(0, writer.add_object(content))


@pytest.mark.parametrize("change", [add_page, overwrite_text], ids=["new page", "edited text"])
def test_update_appended_after_signing_is_reported(signed_twice, ca, change):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_twice))
    change(writer)
    output = io.BytesIO()
    writer.write(output)

    report = verify_contract_pdf(output.getvalue(), ca.cert_pem)

    union, employer = report.signatures
    assert union.intact and employer.intact
    assert not employer.covers_whole_document
    assert union.modified_after and employer.modified_after
    assert report.modified_after_signing
    assert not report.valid
    assert "Something was added to the document after the last signature." in report.problems


def test_unsigned_pdf_has_no_signatures(unsigned, ca):
    report = verify_contract_pdf(unsigned, ca.cert_pem)

    assert report.signatures == []
    assert report.original_sha256 == hashlib.sha256(unsigned).hexdigest()
    assert not report.modified_after_signing
    assert not report.valid


@pytest.mark.parametrize(
    "upload",
    [b"", b"PK\x03\x04 a zip file, not a contract", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"],
    ids=["empty", "not a pdf", "truncated pdf"],
)
def test_what_is_not_a_readable_pdf_is_refused(upload, ca):
    with pytest.raises(NotAPdf):
        verify_contract_pdf(upload, ca.cert_pem)


def test_naive_signing_time_is_refused(unsigned, union_chief, ca, font_path):
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(
            unsigned,
            union_chief,
            ca,
            font_path,
            side="union",
            name="张伟",
            label=UNION_LABEL,
            at=datetime(2026, 11, 23, 14, 5),
            certify=True,
        )
