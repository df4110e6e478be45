"""`make bench`: every benchmark in one run, each figure beside its baseline (issue 6).
Not part of the test suite.

    .venv/bin/python benchmarks/run_all.py [--base-url postgresql+psycopg://postgres@127.0.0.1:5432]

Each part has a PostgreSQL database of its own (`accord_bench_<random>`, dropped at the end):

1. ballots (benchmarks/ballots.py): 1,000 ballots at once over HTTP against gunicorn, ballots/s
   and p99 beside the same server's trivial endpoint, every ballot stored once, the tally;
2. the negotiations list (benchmarks/negotiations_list.py): 10,000 negotiations over 100
   enterprises, the first page's p50/p95 over HTTP beside the trivial endpoint, and the SQL
   queries per request at 1,000 and at 10,000 negotiations;
3. contracts (benchmarks/contracts.py), in a process of its own so that its memory is its own:
   generating and storing against WeasyPrint alone, one signature, RSS over 100 contracts;
4. memory per gunicorn worker (VmRSS) after the ballots and after the list, beside the same
   workers right after the start.

It prints a table — figure | measured | baseline | ratio | target | met? — and writes it, with
the machine (CPU, cores, RAM, Python, PostgreSQL, gunicorn, the date, the load average), to
benchmarks/results.md. Targets: issue 4 (ballots), issue 5 (contracts), issue 6 (the list).
A part that fails is reported as failed, the others still run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import ballots  # noqa: E402  (the path above first)
import contracts  # noqa: E402
import negotiations_list  # noqa: E402
from harness import (  # noqa: E402
    DEFAULT_BASE_URL,
    TRIVIAL_PATH,
    default_workers,
    gunicorn_setup,
    server_version,
    temporary_database,
)

from app.negotiations.views.overview import PER_PAGE  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.md"
PARTS = ("ballots", "list", "contracts")


@dataclass
class Row:
    figure: str
    measured: str
    baseline: str = "—"
    ratio: str = "—"
    target: str = "—"
    met: bool | None = None  # None: no target

    def cells(self) -> list[str]:
        met = "—" if self.met is None else "yes" if self.met else "**no**"
        return [self.figure, self.measured, self.baseline, self.ratio, self.target, met]


def ratio(measured: float, baseline: float) -> str:
    return f"{measured / baseline:.2f}×" if baseline else "—"


# --- the machine -------------------------------------------------------------------------------


def proc_field(path: str, name: str) -> str:
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return "unknown"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine(base_url: str, workers: int) -> list[tuple[str, str]]:
    mem_kib = int(proc_field("/proc/meminfo", "MemTotal").split()[0])
    try:
        postgres = server_version(base_url)
    except Exception as exc:  # the report still says why
        postgres = f"unreachable ({exc.__class__.__name__})"
    return [
        ("CPU", proc_field("/proc/cpuinfo", "model name")),
        ("cores", f"{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable by this process)"),
        ("RAM", f"{mem_kib / 1024 / 1024:.1f} GiB"),
        ("system", platform.platform()),
        ("Python", platform.python_version()),
        ("PostgreSQL", postgres),
        ("gunicorn", f"{version('gunicorn')}: {gunicorn_setup(workers)}"),
        ("date", f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"),
    ]


# --- the parts ---------------------------------------------------------------------------------


def ballot_rows(f: ballots.BallotFigures) -> list[Row]:
    c = f.counts
    return [
        Row(
            f"ballots/s, {f.ballots:,} ballots at once over HTTP ({f.clients} in flight)",
            f"{f.ballots_per_s:.0f} ballots/s",
            f"trivial endpoint {f.trivial_per_s:.0f} req/s",
            ratio(f.ballots_per_s, f.trivial_per_s),
            f"≥ {ballots.TARGET_BALLOTS_PER_S} ballots/s",
            f.ballots_per_s >= ballots.TARGET_BALLOTS_PER_S,
        ),
        Row(
            "ballot p99 latency",
            f"{f.p99_ms:.0f} ms (p50 {f.p50_ms:.0f})",
            f"trivial endpoint p99 {f.trivial_p99_ms:.0f} ms (p50 {f.trivial_p50_ms:.0f})",
            ratio(f.p99_ms, f.trivial_p99_ms),
            f"< {ballots.TARGET_P99_MS} ms",
            f.p99_ms < ballots.TARGET_P99_MS,
        ),
        Row(
            "CPU per ballot: gunicorn + PostgreSQL + load generator",
            ballots.cpu_line(f.cpu, f.ballots),
            "trivial: " + ballots.cpu_line(f.trivial_cpu, f.ballots),
            ratio(sum(f.cpu.values()), sum(f.trivial_cpu.values())),
        ),
        Row(
            "ballots stored",
            f"{c['ballots']:,} ballots, {c['participations']:,} participations",
            f"{f.ok:,} of {f.ballots:,} requests accepted",
            ratio(c["ballots"], f.ok),
            "each once, none lost",
            f.ok == f.ballots and f.none_lost,
        ),
        Row(
            f"tally of {ballots.TALLY_BALLOTS:,} ballots × {ballots.TALLY_ITEMS} items",
            f"{f.tally_ms:.1f} ms",
            target=f"< {ballots.TARGET_TALLY_MS} ms",
            met=f.tally_ms < ballots.TARGET_TALLY_MS,
        ),
    ]


def list_rows(f: negotiations_list.ListFigures) -> list[Row]:
    nl = negotiations_list
    trivial = f.timings["trivial"]
    rows = []
    for who, label in (
        ("admin", "federation administrator, all 10,000"),
        ("union_rep", "union representative, one enterprise's 100"),
        ("api", "API /api/v1/negotiations, 10 a page"),
    ):
        t = f.timings[who]
        page = f"p95, {label}" if who == "api" else f"p95, first page of {PER_PAGE}, {label}"
        rows.append(
            Row(
                f"negotiations list {page}",
                f"{t.p95_ms:.0f} ms (p50 {t.p50_ms:.0f})"
                + ("" if t.ok else f"; statuses {t.statuses}"),
                f"trivial endpoint p95 {trivial.p95_ms:.0f} ms (p50 {trivial.p50_ms:.0f})",
                ratio(t.p95_ms, trivial.p95_ms),
                f"< {nl.TARGET_P95_MS} ms" if who != "api" else "—",
                (t.ok and t.p95_ms < nl.TARGET_P95_MS) if who != "api" else None,
            )
        )
    for who, label in (
        ("admin", "page, federation administrator"),
        ("union_rep", "page, union representative"),
        ("api", "API, 10 a page"),
        ("api_50", "API, 50 a page"),
    ):
        few, many = f.queries[who][nl.FEW], f.queries[who][nl.MANY]
        rows.append(
            Row(
                f"SQL queries per request, list {label}",
                f"{many.statements} at {nl.MANY:,} negotiations ({many.shown} shown)",
                f"{few.statements} at {nl.FEW:,} ({few.shown} shown)",
                ratio(many.statements, few.statements),
                f"equal at {nl.FEW:,} and {nl.MANY:,}",
                few.statements == many.statements,
            )
        )
    few, many = f.queries["admin"][nl.FEW], f.queries["admin"][nl.MANY]
    rows.append(
        Row(
            "list page in process, one request at a time, federation administrator "
            f"(median of {nl.IN_PROCESS_RUNS})",
            f"{many.median_ms:.0f} ms (fastest {many.fastest_ms:.0f}) at {nl.MANY:,} negotiations",
            f"{few.median_ms:.0f} ms (fastest {few.fastest_ms:.0f}) at {nl.FEW:,}",
            ratio(many.median_ms, few.median_ms),
        )
    )
    return rows


def contract_rows(f: contracts.ContractFigures) -> list[Row]:
    return [
        Row(
            f"contract generated and stored (median of {f.runs})",
            f"{f.store_s:.3f} s",
            f"WeasyPrint alone {f.alone_s:.3f} s",
            ratio(f.store_s, f.alone_s),
            f"≤ {contracts.TARGET_SECONDS:.1f} s and ≤ {contracts.TARGET_RATIO}×",
            f.store_s <= contracts.TARGET_SECONDS and f.ratio <= contracts.TARGET_RATIO,
        ),
        Row(
            f"one signature, pyHanko stamped PAdES (median of {f.runs * 2})",
            f"{f.pyhanko_s * 1000:.0f} ms",
            target=f"≤ {contracts.TARGET_SIGNATURE * 1000:.0f} ms",
            met=f.pyhanko_s <= contracts.TARGET_SIGNATURE,
        ),
        Row(
            "the whole sign operation (password, key unlock, signature, storing)",
            f"{f.sign_s * 1000:.0f} ms",
            f"the signature alone {f.pyhanko_s * 1000:.0f} ms",
            ratio(f.sign_s, f.pyhanko_s),
        ),
        Row(
            f"process RSS over {f.loop} contracts, after gc.collect()",
            f"{f.rss_after:.0f} MiB after them ({f.rss_half:.0f} halfway; at most "
            f"{f.rss_peak:.0f} before a collection)",
            f"{f.rss_before:.0f} MiB before",
            ratio(f.rss_after, f.rss_before),
            f"flat: the second half adds ≤ {contracts.TARGET_RSS_GROWTH:.0%} of before",
            f.rss_flat,
        ),
    ]


def worker_row(after: str, started: dict[int, float], loaded: dict[int, float]) -> Row:
    mean_started = statistics.mean(started.values())
    mean_loaded = statistics.mean(loaded.values())
    return Row(
        f"RSS per gunicorn worker after {after} (mean of {len(loaded)})",
        f"{mean_loaded:.0f} MiB",
        f"right after the start {mean_started:.0f} MiB",
        ratio(mean_loaded, mean_started),
    )


def worker_lines(name: str, started: dict[int, float], loaded: dict[int, float]) -> list[str]:
    return [
        f"{name}: worker {pid} {started.get(pid, float('nan')):.0f} MiB after the start, "
        f"{rss:.0f} MiB after the load"
        for pid, rss in loaded.items()
    ]


def in_own_process(work: Callable, *args):
    """Run `work(*args)` in a fresh interpreter, so that what it measures of its process's
    memory is its own."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(work, *args).result()


# --- the report --------------------------------------------------------------------------------


def table(rows: list[Row]) -> list[str]:
    header = ["figure", "measured", "baseline", "ratio", "target", "met?"]
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * len(header)) + "|",
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]


def report(
    described: list[tuple[str, str]],
    load_before: str,
    rows: list[Row],
    details: dict[str, list[str]],
    workers: list[str],
    failures: dict[str, str],
) -> str:
    missed = [row.figure for row in rows if row.met is False]
    lines = [
        "# Accord benchmarks",
        "",
        "Written by `make bench` (benchmarks/run_all.py); every figure of one run. Targets: "
        "issue 4 (ballots), issue 5 (contracts), issue 6 (the negotiations list).",
        "",
        "## The machine",
        "",
        *(f"- {name}: {value}" for name, value in described),
        f"- load average (1, 5, 15 min): {load_before} before the run, {load_average()} after",
        "",
        "## Figures",
        "",
        *table(rows),
        "",
        f"Not met in this run: {'; '.join(missed)}." if missed else "Every target is met.",
        "",
        f"The trivial endpoint is `GET {TRIVIAL_PATH}`, a static file through the same Flask "
        "app and gunicorn workers, timed in the same run with the same client threads. The "
        f"negotiations page shows {PER_PAGE} negotiations a page (it paginates); its first page "
        "is measured, as the API's first page (10 a page, its default).",
    ]
    if failures:
        lines += ["", "## Failed", ""]
        lines += [f"- {part}: {error}" for part, error in failures.items()]
    if workers:
        lines += ["", "## Memory per worker", "", *(f"- {line}" for line in workers)]
    for part, part_lines in details.items():
        lines += ["", f"## {part}", "", "```", *part_lines, "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--ballot-clients", type=int, default=32)
    parser.add_argument("--list-clients", type=int, default=4)
    parser.add_argument("--list-requests", type=int, default=200)
    parser.add_argument("--contract-runs", type=int, default=10)
    parser.add_argument("--contract-loop", type=int, default=100)
    parser.add_argument(
        "--only", action="append", choices=PARTS, help="run only this part (repeatable)"
    )
    args = parser.parse_args()
    parts = args.only or list(PARTS)

    described = machine(args.base_url, args.workers)
    load_before = load_average()
    rows: list[Row] = []
    memory_rows: list[Row] = []
    details: dict[str, list[str]] = {}
    workers: list[str] = []
    failures: dict[str, str] = {}

    def run(part: str, title: str, work: Callable[[], None]) -> None:
        if part not in parts:
            return
        print(f"== {title} ==", flush=True)
        try:
            work()
        except Exception as exc:  # one part failing leaves the others to run
            traceback.print_exc()
            failures[title] = f"{exc.__class__.__name__}: {exc}"
            rows.append(Row(title, "failed", met=False))

    def run_ballots() -> None:
        f = ballots.measure(args.base_url, args.ballot_clients, args.workers)
        rows.extend(ballot_rows(f))
        memory_rows.append(worker_row("the ballots", f.rss_started, f.rss_loaded))
        workers.extend(worker_lines("ballots", f.rss_started, f.rss_loaded))
        details["Ballots"] = ballots.summary(f)

    def run_list() -> None:
        f = negotiations_list.measure(
            args.base_url, args.list_requests, args.list_clients, args.workers
        )
        rows.extend(list_rows(f))
        memory_rows.append(worker_row("the list", f.rss_started, f.rss_loaded))
        workers.extend(worker_lines("negotiations list", f.rss_started, f.rss_loaded))
        details["Negotiations list"] = negotiations_list.summary(f)

    def run_contracts() -> None:
        with temporary_database(args.base_url) as (name, url):
            f = in_own_process(contracts.measure, url, args.contract_runs, args.contract_loop)
        rows.extend(contract_rows(f))
        details["Contracts"] = [f"PostgreSQL database {name}", *contracts.summary(f)]

    run("ballots", "Ballots", run_ballots)
    run("list", "Negotiations list", run_list)
    run("contracts", "Contracts", run_contracts)
    rows.extend(memory_rows)

    text = report(described, load_before, rows, details, workers, failures)
    print()
    print(text, end="")
    # Renamed into place, so that an interrupted run never leaves half a table.
    partial = RESULTS.with_suffix(".md.tmp")
    partial.write_text(text)
    partial.replace(RESULTS)
    print(f"(written to {RESULTS.relative_to(ROOT)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
