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
3. memory: `--loop` more contracts generated; the process RSS before them and after each quarter
   of them, each time after a `gc.collect()`, and the most seen before a collection (a contract
   leaves cyclic garbage worth tens of MiB until the collector runs).

Targets (issue 5): generating and storing <= 1.0 s median and <= 1.3x WeasyPrint alone; one
signature <= 150 ms; RSS flat over 100 contracts (here: the second half of them adds at most 5 %
of the RSS before them; a leak grows all along, a warm-up only at first). Written to
benchmarks/results-contracts.txt; `measure` and `summary` serve benchmarks/run_all.py too.
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from harness import rss_mib  # noqa: E402  (the path above first)

RESULTS = ROOT / "benchmarks" / "results-contracts.txt"
TARGET_SECONDS, TARGET_RATIO, TARGET_SIGNATURE = 1.0, 1.3, 0.150
# "Flat" over the loop: the second half of it adds at most this fraction of the RSS before it
# (both after a collection). Caches and the allocator's arenas fill up during the first contracts;
# a leak keeps growing.
TARGET_RSS_GROWTH = 0.05


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


@dataclass
class ContractFigures:
    """One run's figures; times in seconds, memory in MiB."""

    database: str
    contract: str  # what was generated, in words
    runs: int
    store_s: float  # generating and storing, median
    alone_s: float  # WeasyPrint alone on the same HTML, median
    pyhanko_s: float  # one stamped PAdES signature, median
    sign_s: float  # the whole sign operation, median
    loop: int
    loop_s: float
    rss_before: float  # after a gc.collect()
    rss_checkpoints: dict[int, float]  # contracts generated -> RSS after a gc.collect()
    rss_peak: float  # the most seen before a collection
    # Python's allocated memory blocks after a gc.collect(), before the loop and after it: flat
    # when the RSS grows means the allocator or a C library, not Python objects, holds more.
    blocks_before: int
    blocks_after: int

    @property
    def ratio(self) -> float:
        return self.store_s / self.alone_s

    @property
    def rss_after(self) -> float:
        return self.rss_checkpoints[self.loop]

    @property
    def rss_half(self) -> float:
        return next(rss for n, rss in self.rss_checkpoints.items() if 2 * n >= self.loop)

    @property
    def rss_flat(self) -> bool:
        return self.rss_after - self.rss_half <= self.rss_before * TARGET_RSS_GROWTH

    @property
    def met(self) -> bool:
        return (
            self.store_s <= TARGET_SECONDS
            and self.ratio <= TARGET_RATIO
            and self.pyhanko_s <= TARGET_SIGNATURE
            and self.rss_flat
        )


def measure(database_url: str, runs: int = 10, loop: int = 100) -> ContractFigures:
    """Migrate the database at `database_url` (empty), ratify the demo's contract, then time
    generation against WeasyPrint alone, one signature, and the RSS over `loop` contracts."""
    os.environ["ACCORD_TICK_EVERY"] = "0"
    from flask_migrate import upgrade
    from pypdf import PdfReader
    from weasyprint import HTML

    from app import create_app
    from app.auth import operations as auth_ops
    from app.contracts import operations as ops
    from app.contracts import pdf, signing
    from app.contracts.util import contract_data
    from app.demo import DEMO_PASSWORD
    from app.extensions import db
    from workflows.rules import UNION

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TICK_EVERY": 0,
            "SECRET_KEY": "benchmark",
            "CA_PASSPHRASE": "benchmark",
            "FONT_CACHE_DIR": ROOT / "instance" / "fonts",
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        contract = ratified_demo_contract()
        negotiation, motion = contract.negotiation, contract.motion
        document = contract.latest.pdf
        pages = len(PdfReader(io.BytesIO(document)).pages)
        rows = len(negotiation.agreed_grid.rows)
        described = (
            f"{contract.enterprise.name}, {rows}-grade grid, {pages} pages, "
            f"{len(document) / 1024:.0f} KiB, PDF/A-3u"
        )
        # The generated one steps aside so each run may generate the live contract again.
        contract.state = "void"
        db.session.commit()
        html = pdf.contract_html(contract_data(contract))

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
        times: dict[str, list[float]] = {"store": [], "alone": []}
        for _ in range(runs):  # interleaved: the machine's load hits both alike
            times["store"].append(timed(generate_and_store))
            times["alone"].append(timed(weasyprint_alone))
        contract.state = "drafted"
        db.session.commit()
        times["pyhanko"] = [timed(pyhanko_signature) for _ in range(runs * 2)]
        times["sign"] = [timed(sign_operation) for _ in range(runs)]
        median = {name: statistics.median(values) for name, values in times.items()}

        contract.state = "void"
        db.session.commit()
        gc.collect()
        before = peak = rss_mib()
        blocks_before = sys.getallocatedblocks()
        checkpoints = {}
        start = time.perf_counter()
        for n in range(1, loop + 1):
            generate_and_store()
            if n % max(1, loop // 4) == 0 or n == loop:
                peak = max(peak, rss_mib())
                gc.collect()
                checkpoints[n] = rss_mib()
        elapsed = time.perf_counter() - start
        blocks_after = sys.getallocatedblocks()
        db.session.remove()
        db.engine.dispose()
    return ContractFigures(
        database=database_url.split(":", 1)[0],
        contract=described,
        runs=runs,
        store_s=median["store"],
        alone_s=median["alone"],
        pyhanko_s=median["pyhanko"],
        sign_s=median["sign"],
        loop=loop,
        loop_s=elapsed,
        rss_before=before,
        rss_checkpoints=checkpoints,
        rss_peak=peak,
        blocks_before=blocks_before,
        blocks_after=blocks_after,
    )


def summary(f: ContractFigures) -> list[str]:
    return [
        f"contract: {f.contract}",
        f"generate and store: median {f.store_s:.3f} s of {f.runs}; WeasyPrint alone on the "
        f"same HTML {f.alone_s:.3f} s; ratio {f.ratio:.2f}x",
        f"one signature: pyHanko stamped PAdES {f.pyhanko_s * 1000:.0f} ms (median of "
        f"{f.runs * 2}); the whole sign operation (password check, key unlock, signature, "
        f"storing) {f.sign_s * 1000:.0f} ms",
        f"memory: {f.loop} contracts in {f.loop_s:.1f} s; RSS after gc.collect() before them "
        f"{f.rss_before:.0f} MiB, "
        + ", ".join(f"after {n} {rss:.0f} MiB" for n, rss in f.rss_checkpoints.items())
        + f" ({f.rss_after - f.rss_before:+.0f}, the second half {f.rss_after - f.rss_half:+.0f})"
        f"; at most {f.rss_peak:.0f} MiB before a collection; Python's allocated blocks "
        f"{f.blocks_before:,} before, {f.blocks_after:,} after "
        f"({f.blocks_after - f.blocks_before:+,})",
        f"target: <= {TARGET_SECONDS} s and <= {TARGET_RATIO}x WeasyPrint alone; a signature "
        f"<= {TARGET_SIGNATURE * 1000:.0f} ms; the second half of the contracts adds <= "
        f"{TARGET_RSS_GROWTH:.0%} of the RSS before them -> " + ("met" if f.met else "NOT met"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (median)")
    parser.add_argument("--loop", type=int, default=100, help="contracts generated for the RSS")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="accord-bench-") as workdir:
        url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
        figures = measure(url, args.runs, args.loop)
    lines = [
        f"Accord contract benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database {figures.database}",
        *summary(figures),
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.write_text(text)
    print(f"(written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
