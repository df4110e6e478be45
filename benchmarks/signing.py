"""Benchmark: what a personal contract signature (签名) costs here. Not part of the test suite.

    .venv/bin/python benchmarks/signing.py

On a ~10-page contract-like PDF with Chinese text (WeasyPrint), it times:

1. unlocking a signing key (scrypt + AES-GCM), median of 10: DESIGN aims at 30-60 ms;
2. one stamped signature with `sign_contract_pdf`, median of 20: target <= 150 ms;
3. one signature without a stamp (pyHanko, an invisible field), median of 20, for comparison;
4. verifying a PDF signed by both sides with `verify_contract_pdf`, median of 20.

The stamp font is built once in a temporary directory first, and that time is printed too.
"""

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from weasyprint import HTML

from app.auth import keys
from app.contracts.signing import sign_contract_pdf, stamp_font
from app.contracts.verification import verify_contract_pdf

PAGES = 10
RUNS = 20
PASSWORD = "correct-horse-1"
CLAUSE = (
    "乙方每月十五日前以货币形式足额支付职工上月工资，遇法定节假日或者休息日的，提前至最近的工作日"
    "支付。职工能级晋升的，自晋升次月起执行新能级的工资标准；技能津贴随能级确定，按月与基本工资同时"
    "发放。本合同期内，乙方职工年度平均工资增长幅度不低于百分之六。"
)


def contract_pdf() -> bytes:
    articles = "".join(
        f"<h2>第{n}条</h2>" + f"<p>{CLAUSE}</p>" * 5 + ('<p style="break-after: page"></p>')
        for n in range(1, PAGES + 1)
    )
    html = f'<html lang="zh"><body style="font-family: Noto Sans CJK SC">{articles}</body></html>'
    return HTML(string=html).write_pdf()


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and fastest run, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def unstamped(pdf: bytes, material: keys.SigningKeyMaterial, private_key, ca_pem: bytes) -> bytes:
    """The same PAdES signature with pyHanko, in an invisible field: no stamp, no font."""
    (cert,) = load_certs_from_pemder_data(material.cert_pem)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            private_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(load_certs_from_pemder_data(ca_pem)),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature_union",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    return signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer).getvalue()


def main() -> int:
    pdf = contract_pdf()
    print(f"document: {PAGES} pages, {len(pdf) / 1024:.0f} KiB")

    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()
        font_path = stamp_font(Path(cache_dir))
        built = time.perf_counter() - start
        print(
            f"stamp font build (once): {built:.1f} s, {font_path.stat().st_size / 1e6:.1f} MB "
            "(Noto Sans CJK SC, GB2312 subset)"
        )

        ca = keys.create_ca("benchmark-passphrase")
        ca_cert, ca_key = keys.load_ca(ca, "benchmark-passphrase")
        union = keys.issue_signing_key(
            ca_cert, ca_key, user_id=1, username="zhang.wei", full_name="张伟", password=PASSWORD
        )
        employer = keys.issue_signing_key(
            ca_cert, ca_key, user_id=2, username="li.na", full_name="李娜", password=PASSWORD
        )
        median, fastest = timed(lambda: keys.unlock_signing_key(union.encrypted_key, PASSWORD), 10)
        print(
            f"unlock signing key (scrypt n=2^14 r=8 p=1): median {median:.0f} ms, min {fastest:.0f}"
        )
        union_key = keys.unlock_signing_key(union.encrypted_key, PASSWORD)
        employer_key = keys.unlock_signing_key(employer.encrypted_key, PASSWORD)
        signed_at = datetime.now(UTC)

        def sign(document: bytes, side: str, material, private_key, name: str, label: str):
            return sign_contract_pdf(
                document,
                side=side,
                private_key=private_key,
                cert_pem=material.cert_pem,
                ca_cert_pem=ca.cert_pem,
                signer_name=name,
                side_label=label,
                signed_at=signed_at,
                certify=side == "union",
                font_path=font_path,
            )

        def sign_union() -> bytes:
            return sign(pdf, "union", union, union_key, "张伟", "工会方首席代表")

        sign_union()  # the first signature reads the font into the process's cache
        median, fastest = timed(sign_union, RUNS)
        print(f"stamped signature: median {median:.0f} ms, min {fastest:.0f} (target <= 150 ms)")
        median, fastest = timed(lambda: unstamped(pdf, union, union_key, ca.cert_pem), RUNS)
        print(f"unstamped signature: median {median:.0f} ms, min {fastest:.0f}")

        both = sign(sign_union(), "employer", employer, employer_key, "李娜", "企业方首席代表")
        report = verify_contract_pdf(both, ca.cert_pem)
        assert report.valid, report.problems
        median, fastest = timed(lambda: verify_contract_pdf(both, ca.cert_pem), RUNS)
        print(f"verify two signatures: median {median:.0f} ms, min {fastest:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
