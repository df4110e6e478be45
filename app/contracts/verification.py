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

The page is public, so a file may be built to make the check endless: a signature that covers the
whole file thousands of times, objects nested thousands deep. Each check runs in a child process
with a wall-time, CPU and memory bound, a few at a time, so that no upload can hold a web worker or
the machine: there a cheap scan of the raw bytes refuses the obvious ones, then pyHanko reads the
rest.
"""

import dataclasses
import hashlib
import math
import multiprocessing
import os
import re
import resource
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from flask_babel import gettext as _
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


# Two signatures make a contract; a handful more would still be honest.
MAX_SIGNATURES = 10
# Every byte each signature covers is hashed once: with two signatures an 8 MiB contract needs 16.
MAX_HASHED_BYTES = 64 * 1024 * 1024
# Arrays and dictionaries inside one another; a generated contract goes a few levels deep.
MAX_DEPTH = 100
# Syntax tokens (brackets, strings, comments) outside streams the scan reads before it gives up; a
# contract keeps nearly everything in compressed streams.
MAX_TOKENS = 500_000


class NotAPdf(ValueError):
    """The upload is not a PDF that can be read (空文件、非 PDF 或已损坏)."""


class PdfRefused(NotAPdf):
    """A PDF this deployment will not check, built to take without bound (拒绝检查); `message`
    says why, in the reader's language. The reason travels from the child as a key and numbers,
    and is translated only when read, in the request."""

    def __init__(self, reason: str, **numbers: int | float):
        super().__init__(reason, numbers)
        self.reason, self.numbers = reason, numbers

    @property
    def message(self) -> str:
        return _REFUSALS[self.reason](**self.numbers)


_REFUSALS = {
    "signatures": lambda limit: _(
        "The PDF holds more than %(limit)d signatures; a contract has two.", limit=limit
    ),
    "byte_range_pairs": lambda: _(
        "A signature in the PDF claims to cover more than two parts of the file; a signature "
        "covers the file but for its own value."
    ),
    "byte_range_outside": lambda: _(
        "A signature in the PDF claims to cover bytes the file does not have."
    ),
    "hashed": lambda size: _(
        "The PDF's signatures cover more than %(size)d MB in all; a contract's cover far less.",
        size=size,
    ),
    "depth": lambda limit: _(
        "The PDF nests its objects more than %(limit)d levels deep, or is too intricate to "
        "check; a contract is far simpler.",
        limit=limit,
    ),
    "too_deep": lambda: _("The PDF's objects are nested too deeply to be checked."),
    "timeout": lambda seconds: _(
        "Checking this PDF took longer than %(seconds)s seconds; a contract is checked in well "
        "under one.",
        seconds=f"{seconds:g}",
    ),
    "exhausted": lambda: _("Checking this PDF needed more memory or time than this server allows."),
}


class VerificationBusy(RuntimeError):
    """Every verification worker is busy (服务繁忙); the upload is not queued."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Bounds:
    """How far one verification may go: its wall time (also its CPU time), the memory its worker
    may add, and how many workers a web process runs at once (fewer than its threads)."""

    timeout_seconds: float = 10.0
    memory_mb: int = 512
    workers: int = 2


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


def verify_contract_pdf(pdf: bytes, trusted_ca_pem: bytes, bounds: Bounds = Bounds()) -> Report:
    """Check every signature in `pdf` against the deployment's CA and report in plain terms.

    `original_sha256` is the SHA-256 of the document as it was before the first signature, i.e.
    the contract PDF as generated, so the caller can find the contract it belongs to.
    Raises NotAPdf for an unreadable file, PdfRefused (a NotAPdf) for one beyond the bounds, and
    VerificationBusy when every worker is busy.
    """
    return _in_worker(pdf, trusted_ca_pem, bounds)


def _analyse(pdf: bytes, trusted_ca_pem: bytes) -> Report:
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


# --- the scan of the raw bytes -----------------------------------------------------------------

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[([^\]]*)\]")
_INTEGER = re.compile(rb"[+-]?\d+")
# What changes the nesting depth or hides brackets: a stream's data, a string, a comment.
_SYNTAX = re.compile(rb"<<|>>|[\[\]<(%]|\bstream(?:\r\n|\n|\r)")
_STRING_SYNTAX = re.compile(rb"\\.|[()]", re.DOTALL)
_END_OF_LINE = re.compile(rb"[\r\n]")


def _scan(pdf: bytes) -> None:
    """Refuse a file whose signatures or nesting would make the analysis endless. Rough by
    design: whatever it misses (say, inside a compressed object stream) the worker's bounds catch.
    """
    if pdf.count(b"/ByteRange") > MAX_SIGNATURES:
        raise PdfRefused("signatures", limit=MAX_SIGNATURES)
    hashed = 0
    for match in _BYTE_RANGE.finditer(pdf):
        numbers = [int(number) for number in _INTEGER.findall(match[1])]
        if len(numbers) > 4:
            raise PdfRefused("byte_range_pairs")
        for start, length in zip(numbers[::2], numbers[1::2], strict=False):
            if start < 0 or length < 0 or start + length > len(pdf):
                raise PdfRefused("byte_range_outside")
            hashed += length
    if hashed > MAX_HASHED_BYTES:
        raise PdfRefused("hashed", size=MAX_HASHED_BYTES // 1024**2)
    if _depth_beyond(pdf, MAX_DEPTH):
        raise PdfRefused("depth", limit=MAX_DEPTH)


def _depth_beyond(pdf: bytes, limit: int) -> bool:
    """Whether arrays and dictionaries nest deeper than `limit` outside strings, comments and
    stream data — or there are more than MAX_TOKENS tokens to count, which no contract has."""
    depth = 0
    in_string = 0  # a literal string's parentheses nest in pairs
    position = 0
    for _count in range(MAX_TOKENS):
        match = (_STRING_SYNTAX if in_string else _SYNTAX).search(pdf, position)
        if match is None:
            return False
        token, position = match[0], match.end()
        if in_string:
            in_string += {b"(": 1, b")": -1}.get(token, 0)
        elif token in (b"[", b"<<"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b">>"):
            depth = max(depth - 1, 0)
        elif token == b"(":
            in_string = 1
        elif token == b"<":  # a hex string
            end = pdf.find(b">", position)
            position = len(pdf) if end < 0 else end + 1
        elif token == b"%":
            end = _END_OF_LINE.search(pdf, position)
            position = len(pdf) if end is None else end.end()
        else:  # stream data holds any bytes at all, brackets included
            end = pdf.find(b"endstream", position)
            position = len(pdf) if end < 0 else end + len(b"endstream")
    return True


# --- the worker --------------------------------------------------------------------------------

# A fresh process per check, forked from a server that has already imported pyHanko: it starts in
# milliseconds, shares nothing with the web worker (no threads, no database connections), and is
# killed alone when it runs over.
_workers = multiprocessing.get_context("forkserver")
_workers.set_forkserver_preload([__name__])
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _in_worker(pdf: bytes, trusted_ca_pem: bytes, bounds: Bounds) -> Report:
    slots = _worker_slots(bounds.workers)
    # No waiting for a worker: a request that waited would hold a web thread all the same, and
    # a dozen of them would leave none for the rest of the site.
    if not slots.acquire(blocking=False):
        raise VerificationBusy(
            _("Too many files are being checked at the moment; try again in a minute.")
        )
    try:
        outcome, detail = _run(pdf, trusted_ca_pem, bounds)
    finally:
        slots.release()
    if outcome == "report":
        return detail
    if outcome == "unreadable":
        raise NotAPdf(detail)
    if outcome == "timeout":
        raise PdfRefused("timeout", seconds=bounds.timeout_seconds)
    reason, numbers = detail if outcome == "refused" else (outcome, {})
    raise PdfRefused(reason, **numbers)


def _worker_slots(workers: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(workers, threading.BoundedSemaphore(workers))


def _run(pdf: bytes, trusted_ca_pem: bytes, bounds: Bounds) -> tuple[str, object]:
    """("report", Report), ("unreadable", why), ("refused", (reason, numbers)), or ("timeout" |
    "exhausted", None)."""
    receiver, sender = _workers.Pipe(duplex=False)
    worker = _workers.Process(
        target=_work,
        args=(sender, pdf, trusted_ca_pem, bounds),
        name="accord-verify",
        daemon=True,
    )
    try:
        worker.start()
        sender.close()
        if not receiver.poll(bounds.timeout_seconds):
            return "timeout", None
        try:
            return receiver.recv()
        except EOFError:  # killed by its CPU limit, or crashed
            return "exhausted", None
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
        worker.close()


def _work(sender, pdf: bytes, trusted_ca_pem: bytes, bounds: Bounds) -> None:
    """In the child: confine the process, scan, analyse, send back the outcome (plain data)."""
    _confine(bounds)
    try:
        _scan(pdf)
        outcome = ("report", _analyse(pdf, trusted_ca_pem))
    except PdfRefused as refused:
        outcome = ("refused", (refused.reason, refused.numbers))
    except NotAPdf as error:
        outcome = ("unreadable", str(error))
    except RecursionError:
        outcome = ("refused", ("too_deep", {}))
    except MemoryError:
        outcome = ("exhausted", None)
    sender.send(outcome)
    sender.close()


def _confine(bounds: Bounds) -> None:
    # Behind the web workers for the CPU; the kernel ends it at its CPU time even if the parent
    # could not (SIGXCPU, then SIGKILL a second later).
    os.nice(10)
    cpu = max(1, math.ceil(bounds.timeout_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    # The address space it already has (the imports, shared with the server) plus the allowance.
    try:
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return
    limit = size + bounds.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
