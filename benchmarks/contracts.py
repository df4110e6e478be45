"""Benchmark: generating, storing and signing the wage special collective contract
(工资专项集体合同). Not part of the test suite.

    .venv/bin/python benchmarks/contracts.py [--runs 10] [--loop 100] [--database-url URL]

It migrates a fresh database (a temporary SQLite file unless --database-url names another),
loads the demo, and takes the demo's agreed draft (康源药业, an eight-grade grid) through its
congress vote, which generates the contract. Then, with the machine's load hitting all alike
(the runs are interleaved):

1. generating and storing: `contracts.operations.create_contract` — the data, the HTML, the PDF
   (PDF/A-3u), its SHA-256, the row and its audit event, flushed — each run in a savepoint rolled
   back; beside it WeasyPrint alone on the same HTML with the same options, and the ratio;
2. one signature: pyHanko's stamped PAdES signature alone (`signing.sign_contract_pdf`), and the
   whole `operations.sign` (password check, key unlock, signature, storing, audit);
3. memory: `--loop` more contracts generated, the process RSS before, after and after a
   `gc.collect()`.

Targets (issue 5): generating and storing <= 1.0 s median and <= 1.3x WeasyPrint alone; one
signature <= 150 ms; RSS flat over 100 contracts. Written to benchmarks/results-contracts.txt.
"""

import argparse
import gc
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results-contracts.txt"
TARGET_SECONDS, TARGET_RATIO, TARGET_SIGNATURE = 1.0, 1.3, 0.150


def rss_mib() -> float:
    """The resident set size of this process, from /proc/self/status (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def ratified_demo_contract():
    """The demo's agreed draft through its congress vote: every delegate votes yes."""
    from sqlalchemy import select

    from app.auth.models import Membership, Role, User
    from app.congress import operations as congress_ops
    from app.congress.models import Motion
    from app.contracts.models import Contract
    from app.demo import seed_demo
    from app.extensions import db

    seed_demo()
    motion = db.session.scalars(select(Motion).where(Motion.negotiation_id.is_not(None))).one()
    session = motion.session
    secretary = db.session.scalars(
        select(User)
        .join(Membership)
        .where(
            Membership.enterprise_id == session.congress.enterprise_id,
            Membership.role == Role.CONGRESS_SECRETARY,
        )
    ).first()
    congress_ops.open_session(session, secretary)
    delegates = [d for d in session.congress.delegates if d.active]
    for delegate in delegates:
        congress_ops.check_in(session, secretary, delegate=delegate)
    congress_ops.open_voting(motion, secretary)
    for delegate in delegates:
        voter = db.session.get(User, delegate.user_id)
        congress_ops.cast_ballot(motion, voter, {item.number: "yes" for item in motion.items})
    congress_ops.close_voting(motion, secretary)
    db.session.commit()
    return db.session.scalars(select(Contract)).one()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (median)")
    parser.add_argument("--loop", type=int, default=100, help="contracts generated for the RSS")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="accord-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["ACCORD_TICK_EVERY"] = "0"
    from flask_migrate import upgrade
    from pypdf import PdfReader
    from weasyprint import HTML

    from app import create_app
    from app.auth import operations as auth_ops
    from app.contracts import operations as ops
    from app.contracts import pdf, signing
    from app.demo import DEMO_PASSWORD
    from app.extensions import db
    from workflows.rules import UNION

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TICK_EVERY": 0,
            "SECRET_KEY": "benchmark",
            "CA_PASSPHRASE": "benchmark",
            "FONT_CACHE_DIR": ROOT / "instance" / "fonts",
        }
    )
    lines = [
        f"Accord contract benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database {url.split(':', 1)[0]}"
    ]
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        contract = ratified_demo_contract()
        negotiation, motion = contract.negotiation, contract.motion
        document = contract.latest.pdf
        pages = len(PdfReader(io.BytesIO(document)).pages)
        rows = len(negotiation.agreed_grid.rows)
        lines.append(
            f"contract: {contract.enterprise.name}, {rows}-grade grid, {pages} pages, "
            f"{len(document) / 1024:.0f} KiB, PDF/A-3u"
        )
        # The generated one steps aside so each run may generate the live contract again.
        contract.state = "void"
        db.session.commit()
        html = pdf.contract_html(ops.contract_data(contract))

        def generate_and_store() -> None:
            with db.session.begin_nested() as savepoint:
                ops.create_contract(negotiation, motion)
                db.session.flush()
                savepoint.rollback()

        def weasyprint_alone() -> None:
            HTML(string=html, url_fetcher=pdf.RefuseEveryURL()).write_pdf(**pdf.pdf_options())

        chief = db.session.get(type(negotiation.created_by), negotiation.chief(UNION).user_id)
        key, private_key = auth_ops.unlocked_signing_key(chief, DEMO_PASSWORD)
        db.session.commit()
        ca_pem = auth_ops.signing_authority().cert_pem
        font = signing.stamp_font(app.config["FONT_CACHE_DIR"])

        def pyhanko_signature() -> None:
            signing.sign_contract_pdf(
                document,
                side=UNION,
                private_key=private_key,
                cert_pem=key.cert_pem,
                ca_cert_pem=ca_pem,
                signer_name=chief.full_name,
                side_label="工会方首席代表",
                signed_at=datetime.now(UTC),
                certify=True,
                font_path=font,
            )

        def sign_operation() -> None:
            with db.session.begin_nested() as savepoint:
                ops.sign(
                    contract,
                    chief,
                    password=DEMO_PASSWORD,
                    full_name=chief.full_name,
                    document_sha256=contract.latest.sha256,
                )
                savepoint.rollback()
            db.session.expire_all()

        generate_and_store()  # warm-up: fontconfig, fonts, the compiled template
        weasyprint_alone()
        pyhanko_signature()
        contract.state = "drafted"
        db.session.commit()
        sign_operation()
        contract.state = "void"
        db.session.commit()
        runs: dict[str, list[float]] = {"store": [], "alone": []}
        for _ in range(args.runs):
            runs["store"].append(timed(generate_and_store))
            runs["alone"].append(timed(weasyprint_alone))
        contract.state = "drafted"
        db.session.commit()
        runs["pyhanko"] = [timed(pyhanko_signature) for _ in range(args.runs * 2)]
        runs["sign"] = [timed(sign_operation) for _ in range(args.runs)]
        median = {name: statistics.median(values) for name, values in runs.items()}
        ratio = median["store"] / median["alone"]
        lines += [
            f"generate and store: median {median['store']:.3f} s of {args.runs}; WeasyPrint "
            f"alone on the same HTML {median['alone']:.3f} s; ratio {ratio:.2f}x",
            f"one signature: pyHanko stamped PAdES {median['pyhanko'] * 1000:.0f} ms "
            f"(median of {args.runs * 2}); the whole sign operation (password check, key "
            f"unlock, signature, storing) {median['sign'] * 1000:.0f} ms",
        ]

        contract.state = "void"
        db.session.commit()
        gc.collect()
        before = rss_mib()
        start = time.perf_counter()
        for _ in range(args.loop):
            generate_and_store()
        elapsed = time.perf_counter() - start
        after = rss_mib()
        gc.collect()
        collected = rss_mib()
        db.session.remove()
        db.engine.dispose()
    lines += [
        f"memory: {args.loop} contracts in {elapsed:.1f} s; RSS before {before:.0f} MiB, after "
        f"{after:.0f} MiB ({after - before:+.0f}), after gc.collect() {collected:.0f} MiB "
        f"({collected - before:+.0f})",
        f"target: <= {TARGET_SECONDS} s and <= {TARGET_RATIO}x WeasyPrint alone; a signature "
        f"<= {TARGET_SIGNATURE * 1000:.0f} ms -> "
        + (
            "met"
            if median["store"] <= TARGET_SECONDS
            and ratio <= TARGET_RATIO
            and median["pyhanko"] <= TARGET_SIGNATURE
            else "NOT met"
        ),
    ]
    summary = "\n".join(lines) + "\n"
    print(summary, end="")
    RESULTS.write_text(summary)
    print(f"(written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
