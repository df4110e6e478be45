"""Benchmark: rendering the wage special collective contract (工资专项集体合同) PDF. Not a test.

    .venv/bin/python benchmarks/contracts.py [--runs 10] [--loop 100]

With the eight-grade, eight-clause contract the tests use (tests/contracts/test_pdf.py), after one
warm-up, it times `render_contract` and, interleaved in the same run so machine load hits all
alike, WeasyPrint alone on the same HTML string — with the contract's PDF/A-3u options and without
them, which is what PDF/A costs. Then it renders `--loop` contracts and prints the process RSS
before, after, and after a `gc.collect()`, to show that rendering does not leak.

Target: render <= 1.0 s median and <= 1.3x WeasyPrint alone. No database is used: the renderer
only needs an app context for the Jinja environment.
"""

import argparse
import gc
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from app import create_app  # noqa: E402
from app.contracts import pdf  # noqa: E402
from tests.contracts.test_pdf import contract_data  # noqa: E402

TARGET_SECONDS = 1.0
TARGET_RATIO = 1.3


def rss_mib() -> float:
    """The resident set size of this process, from /proc/self/status (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def seconds(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (median)")
    parser.add_argument("--loop", type=int, default=100, help="contracts rendered for the RSS")
    args = parser.parse_args()

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "TICK_EVERY": 0, "SECRET_KEY": "benchmark"}
    )
    with app.app_context():
        data = contract_data()
        html = pdf.contract_html(data)

        def render() -> bytes:
            return pdf.render_contract(data)

        def weasyprint_alone() -> bytes:
            return HTML(string=html, url_fetcher=pdf.RefuseEveryURL()).write_pdf(
                **pdf.pdf_options()
            )

        def weasyprint_plain() -> bytes:
            return HTML(string=html, url_fetcher=pdf.RefuseEveryURL()).write_pdf()

        document = render()  # warm-up: fontconfig, font files, Jinja's compiled template
        weasyprint_plain()
        timings: dict[str, list[float]] = {"render": [], "alone": [], "plain": []}
        for _ in range(args.runs):
            timings["render"].append(seconds(render))
            timings["alone"].append(seconds(weasyprint_alone))
            timings["plain"].append(seconds(weasyprint_plain))
        median = {name: statistics.median(values) for name, values in timings.items()}
        ratio = median["render"] / median["alone"]

        pages = len(PdfReader(io.BytesIO(document)).pages)
        print(f"contract: {pages} pages, {len(document) / 1024:.0f} KiB, PDF/A-3u")
        print(f"render_contract        median {median['render']:.3f} s  (of {args.runs})")
        print(f"WeasyPrint alone       median {median['alone']:.3f} s  (same HTML and options)")
        print(f"ratio                  {ratio:.2f}x")
        print(
            f"WeasyPrint, no PDF/A   median {median['plain']:.3f} s  "
            f"(PDF/A costs {median['alone'] - median['plain']:+.3f} s)"
        )
        met = median["render"] <= TARGET_SECONDS and ratio <= TARGET_RATIO
        print(f"target <= {TARGET_SECONDS} s and <= {TARGET_RATIO}x: {'met' if met else 'NOT met'}")

        before = rss_mib()
        start = time.perf_counter()
        for _ in range(args.loop):
            render()
        elapsed = time.perf_counter() - start
        after = rss_mib()
        gc.collect()
        collected = rss_mib()
    print(f"{args.loop} contracts in {elapsed:.1f} s ({elapsed / args.loop:.3f} s each)")
    print(
        f"RSS before {before:.0f} MiB, after {after:.0f} MiB ({after - before:+.0f}), "
        f"after gc.collect() {collected:.0f} MiB ({collected - before:+.0f})"
    )


if __name__ == "__main__":
    main()
