"""Personal signatures (签名) on the contract PDF, made with pyHanko.

Each signature is a PAdES baseline (B-B) signature added as an incremental revision, so the bytes
that were there before — the contract as generated, then any earlier signature — stay untouched
and keep verifying. It sits in the side's signature field on the last page (签署页), with a
visible stamp: the signer's name, their side and the time in Beijing time (DESIGN §4 "Contract").

The first signature certifies the document (认证签名) allowing form filling only; so that the
second signature does not count as a forbidden change, the certifier also creates the other
sides' empty signature fields: pyHanko, stricter than Acrobat, rejects a new *visible* signature
field added after a certification signature, while filling an existing one is form filling.

The stamp's font must be one OpenType font, not Debian's .ttc collection, and small: pyHanko
parses and subsets it for every stamp, and the full 16 MB Noto Sans CJK costs ~0.6 s a signature.
So Noto Sans CJK SC is cut down to the GB2312 characters once and cached on disk.
"""

import functools
import os
import tempfile
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.clock import CHINA
from app.contracts.layout import SIGNATURE_BOXES, SIGNATURE_FIELDS

NOTO_CJK_COLLECTION = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
STAMP_FAMILY = "Noto Sans CJK SC"
# The name carries the recipe's version: change the character set, change the name.
STAMP_FONT_FILE = "NotoSansCJKsc-Regular-GB2312-v2.otf"
STAMP_FONT_SIZE = 11
# Beyond GB2312: what the stamp's time line needs, and the middle dot of transcribed names.
_STAMP_EXTRA_CHARACTERS = "：·年月日时分秒"


def stamp_font(cache_dir: Path) -> Path:
    """The stamp's font, Noto Sans CJK SC cut down to GB2312, built once into cache_dir.

    Building takes a few seconds; it is written to a temporary file and renamed, so a second
    process never reads half a font.
    """
    path = cache_dir / STAMP_FONT_FILE
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    font = _noto_sc_subset(_stamp_characters())
    with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".tmp", delete=False) as temporary:
        temporary.write(font)
    os.replace(temporary.name, path)
    return path


def stamp_text(signer_name: str, side_label: str, signed_at: datetime) -> str:
    """The stamp's three lines: who, for which side, when (Beijing time, 北京时间)."""
    local = signed_at.astimezone(CHINA)
    when = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M} (北京时间)"
    return f"{signer_name}\n{side_label}\n{when}"


def sign_contract_pdf(
    pdf: bytes,
    *,
    side: str,
    private_key: PrivateKeyTypes,
    cert_pem: bytes,
    ca_cert_pem: bytes,
    signer_name: str,
    side_label: str,
    signed_at: datetime,
    certify: bool,
    font_path: Path,
) -> bytes:
    """Sign the contract for one side (工会方 or 企业方); the input stays a prefix of the output.

    `signed_at` is both the stamp's time and the signing time recorded in the signature (its
    /M entry, which PAdES uses instead of a CMS signing-time attribute). With `certify`, this is
    the certification signature allowing form filling only (DocMDP FILL_FORMS), and the other
    sides' empty signature fields are created with it. The signer's and the CA's certificates are
    embedded, so the file can be verified without the database.
    """
    if signed_at.utcoffset() is None:
        raise ValueError("signed_at must be timezone-aware")
    field_name = SIGNATURE_FIELDS[side]
    (signing_cert,) = load_certs_from_pemder_data(cert_pem)
    signer = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            private_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(load_certs_from_pemder_data(ca_cert_pem)),
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    if certify:
        for other_side, other_field in SIGNATURE_FIELDS.items():
            if other_side != side:
                fields.append_signature_field(
                    writer, _field_spec(other_field, SIGNATURE_BOXES[other_side])
                )
    text = stamp_text(signer_name, side_label, signed_at)
    pdf_signer = _PdfSignerAt(
        signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=certify,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        ),
        signer,
        signed_at=signed_at.astimezone(CHINA),
        stamp_style=TextStampStyle(
            stamp_text="%(stamp)s",
            border_width=1,
            text_box_style=TextBoxStyle(
                font=_StampFontFactory(_font_covering(font_path, text)),
                font_size=STAMP_FONT_SIZE,
                leading=STAMP_FONT_SIZE * 3 // 2,
            ),
        ),
        new_field_spec=_field_spec(field_name, SIGNATURE_BOXES[side]),
    )
    output = pdf_signer.sign_pdf(writer, appearance_text_params={"stamp": text})
    return output.getvalue()


class _PdfSignerAt(signers.PdfSigner):
    """A PdfSigner that signs at the caller's time rather than the machine's clock.

    pyHanko has no option for the signing time (pyHanko issue #569); its signing session keeps
    it in `system_time`, used for the signature's /M entry and the stamp.
    """

    def __init__(self, *args, signed_at: datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._signed_at = signed_at

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._signed_at
        return session


def _field_spec(name: str, box: tuple[float, float, float, float]) -> fields.SigFieldSpec:
    return fields.SigFieldSpec(sig_field_name=name, on_page=-1, box=box)


class _StampFontFactory(FontEngineFactory):
    """Like pyHanko's GlyphAccumulatorFactory, but from font bytes kept in memory."""

    def __init__(self, font: bytes) -> None:
        self._font = font

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=BytesIO(self._font),
            font_size=STAMP_FONT_SIZE,
            obj_stream=obj_stream,
        )


def _font_covering(font_path: Path, text: str) -> bytes:
    """The cached stamp font or, for a name outside GB2312 (e.g. 堃, 喆), a font made for this
    text alone: slower (~0.6 s), but a stamp never shows an empty box for a character."""
    font, codepoints = _load_font(font_path)
    if all(ord(character) in codepoints for character in text if not character.isspace()):
        return font
    return _noto_sc_subset(set(text))


@functools.cache
def _load_font(font_path: Path) -> tuple[bytes, frozenset[int]]:
    """The font's bytes and the characters it has, read once per process."""
    font = font_path.read_bytes()
    return font, frozenset(TTFont(BytesIO(font), lazy=True)["cmap"].getBestCmap())


def _noto_sc_subset(characters: set[str]) -> bytes:
    """Noto Sans CJK SC (regular) out of Debian's collection, cut down to `characters`.

    pyHanko parses and subsets the stamp font again for every signature, in time that grows with
    what the font holds; so the font keeps only what a horizontal stamp needs: no layout or
    vertical-writing tables, and no CFF subroutines (walking them alone cost ~10 ms a stamp).
    Bounding boxes are not recomputed: that alone would take seconds.
    """
    with TTCollection(NOTO_CJK_COLLECTION, lazy=True, recalcBBoxes=False) as collection:
        font = next(f for f in collection.fonts if f["name"].getDebugName(1) == STAMP_FAMILY)
        options = subset.Options()
        options.desubroutinize = True
        options.drop_tables += ["vhea", "vmtx", "VORG", "GSUB", "GPOS", "GDEF"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(characters))
        subsetter.subset(font)
        buffer = BytesIO()
        font.save(buffer)
    return buffer.getvalue()


def _stamp_characters() -> set[str]:
    """Every GB2312 character, ASCII, CJK punctuation and full-width forms."""
    characters = set(_STAMP_EXTRA_CHARACTERS)
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                characters.add(bytes((first, second)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    characters.update(chr(code) for code in range(0x20, 0x7F))  # ASCII, digits
    characters.update(chr(code) for code in range(0x3000, 0x3040))  # CJK punctuation
    characters.update(chr(code) for code in range(0xFF00, 0xFFF0))  # full-width forms
    return characters
