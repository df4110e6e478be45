"""Verifying a signed contract PDF (验证签名): who signed, when, and whether anything changed since.

Anyone may upload a PDF on the verification page; this module reads it with pyHanko and answers in
plain terms. It trusts nothing in the file but the deployment's own CA, given by the caller.

- intact: the bytes each signature covers are unchanged and the signature over them checks out.
- trusted: the signer's certificate chains to the CA, allows signing documents, and was valid at
  the signing time the signature records. With no timestamp server that time is the signer's own
  claim (the /M entry, inside the signed bytes), which is as much as this deployment can know.
- modified after: pyHanko's difference analysis of every later revision. Later signatures filling
  the prepared signature fields are form filling (填写表单), which the certification allows;
  anything else, or anything at all after the last signature, counts as a modification.
"""

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext

from app.auth.keys import DOCUMENT_SIGNING
from app.contracts.layout import SIGNATURE_FIELDS

# Our signers' certificates allow non-repudiation and name document signing (app/auth/keys.py);
# a certificate from the same CA made for anything else does not sign contracts.
_KEY_USAGE = KeyUsageConstraints(
    key_usage={"non_repudiation"}, extd_key_usage={DOCUMENT_SIGNING.dotted_string}
)
_SIDES_BY_FIELD = {field: side for side, field in SIGNATURE_FIELDS.items()}
# Broken structures inside a readable PDF surface as any of these, from pyHanko or asn1crypto.
_UNREADABLE = (PdfError, SignatureValidationError, ValueError, TypeError, KeyError, IndexError)


class NotAPdf(ValueError):
    """The upload is not a PDF that can be read (空文件、非 PDF 或已损坏)."""


@dataclass(frozen=True)
class SignatureReport:
    """One signature (签名) found in the PDF, judged on its own."""

    field_name: str
    side: str | None
    signer_name: str | None
    signer_identity: str | None
    signer_user_id: int | None
    signed_at: datetime | None
    intact: bool
    trusted: bool
    valid: bool
    covers_whole_document: bool
    modified_after: bool
    modification_level: str | None


@dataclass(frozen=True)
class Report:
    """What a PDF's signatures say, and which generated contract it started as."""

    signatures: list[SignatureReport]
    original_sha256: str | None
    modified_after_signing: bool
    problems: list[str]

    @property
    def valid(self) -> bool:
        """Signed, every signature valid, and nothing changed after signing."""
        return (
            bool(self.signatures)
            and all(signature.valid for signature in self.signatures)
            and not self.modified_after_signing
        )


def verify_contract_pdf(pdf: bytes, trusted_ca_pem: bytes) -> Report:
    """Check every signature in `pdf` against the deployment's CA and report in plain terms.

    `original_sha256` is the SHA-256 of the document as it was before the first signature, i.e.
    the contract PDF as generated, so the caller can find the contract it belongs to.
    """
    reader = _read(pdf)
    try:
        embedded = sorted(reader.embedded_regular_signatures, key=lambda s: s.signed_revision)
    except _UNREADABLE as error:
        raise NotAPdf(f"the PDF's signatures cannot be read ({error})") from error
    if not embedded:
        return Report(
            signatures=[],
            original_sha256=hashlib.sha256(pdf).hexdigest(),
            modified_after_signing=False,
            problems=["The document has no signatures."],
        )
    trust_roots = list(load_certs_from_pemder_data(trusted_ca_pem))
    signatures: list[SignatureReport] = []
    problems: list[str] = []
    for signature in embedded:
        report, signature_problems = _check(signature, trust_roots)
        signatures.append(report)
        problems.extend(signature_problems)
    *earlier, last = signatures
    problems.extend(
        f"The document was changed after the signature in field {report.field_name}."
        for report in earlier
        if report.modified_after
    )
    if not last.covers_whole_document:
        # Whatever it is, nobody signed it: every signature now speaks for less than the file.
        problems.append("Something was added to the document after the last signature.")
        signatures = [dataclasses.replace(report, modified_after=True) for report in signatures]
    return Report(
        signatures=signatures,
        original_sha256=_original_sha256(pdf, reader, embedded[0].signed_revision),
        modified_after_signing=any(report.modified_after for report in signatures),
        problems=problems,
    )


def _read(pdf: bytes) -> PdfFileReader:
    # A PDF header may follow up to 1 KiB of other bytes (ISO 32000-1 annex H.3).
    if b"%PDF-" not in pdf[:1024]:
        raise NotAPdf("the file is not a PDF" if pdf else "the file is empty")
    try:
        reader = PdfFileReader(BytesIO(pdf))
    except _UNREADABLE as error:
        raise NotAPdf(f"the PDF is damaged and cannot be read ({error})") from error
    if reader.encrypted:
        raise NotAPdf("the PDF is encrypted; contracts from Accord never are")
    return reader


def _check(
    signature: EmbeddedPdfSignature, trust_roots: list[asn1_x509.Certificate]
) -> tuple[SignatureReport, list[str]]:
    label = f"The signature in field {signature.field_name}"
    subject = _subject(signature)
    signed_at = _signed_at(signature)
    signer = {
        "field_name": signature.field_name,
        "side": _SIDES_BY_FIELD.get(signature.field_name),
        "signer_name": subject.get("common_name"),
        "signer_identity": subject.get("user_id"),
        "signer_user_id": _user_id(subject),
        "signed_at": signed_at,
    }
    context = ValidationContext(trust_roots=trust_roots, moment=signed_at or datetime.now(UTC))
    try:
        status = validate_pdf_signature(signature, context, key_usage_settings=_KEY_USAGE)
    except _UNREADABLE as error:
        damaged = SignatureReport(
            **signer,
            intact=False,
            trusted=False,
            valid=False,
            covers_whole_document=False,
            modified_after=True,
            modification_level=None,
        )
        return damaged, [f"{label} is damaged and cannot be checked ({error})."]
    intact = status.intact and status.valid
    trusted = status.validation_path is not None and status.trust_problem_indic is None
    covers_whole_document = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    level = status.modification_level
    report = SignatureReport(
        **signer,
        intact=intact,
        trusted=trusted,
        valid=intact and trusted,
        covers_whole_document=covers_whole_document,
        modified_after=not covers_whole_document and not _permitted_changes(status),
        modification_level=level.name.lower() if level is not None else None,
    )
    problems = []
    if not intact:
        problems.append(f"{label} does not match the document: the signed content was altered.")
    if not trusted:
        problems.append(
            f"{label} was not made with a certificate from this deployment's CA that was valid "
            "at the signing time."
        )
    return report, problems


def _permitted_changes(status: PdfSignatureStatus) -> bool:
    """Later revisions only fill in forms (e.g. the other side's signature), within DocMDP."""
    level = status.modification_level
    return bool(status.docmdp_ok) and level is not None and level <= ModificationLevel.FORM_FILLING


def _subject(signature: EmbeddedPdfSignature) -> dict[str, str]:
    try:
        return dict(signature.signer_cert.subject.native)
    except _UNREADABLE:
        return {}


def _user_id(subject: dict[str, str]) -> int | None:
    serial_number = subject.get("serial_number", "")
    return int(serial_number) if serial_number.isdigit() else None


def _signed_at(signature: EmbeddedPdfSignature) -> datetime | None:
    try:
        return signature.self_reported_timestamp
    except _UNREADABLE:
        return None


def _original_sha256(pdf: bytes, reader: PdfFileReader, first_signed_revision: int) -> str | None:
    """SHA-256 of every revision before the first signature, i.e. of the file as generated.

    A revision ends after its trailer's %%EOF marker and end-of-line; the next one starts there.
    """
    if first_signed_revision == 0:
        return None
    xref_end = reader.xrefs.get_xref_container_info(first_signed_revision - 1).end_location
    marker = pdf.find(b"%%EOF", xref_end)
    if marker < 0:
        return None
    end = marker + len(b"%%EOF")
    if pdf.startswith(b"\r\n", end):
        end += 2
    elif pdf[end : end + 1] in (b"\r", b"\n"):
        end += 1
    return hashlib.sha256(pdf[:end]).hexdigest()
