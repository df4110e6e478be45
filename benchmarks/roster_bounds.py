"""Benchmark: what the worst roster uploads cost now that the roster is bounded before it is read.
Not part of the test suite.

    .venv/bin/python benchmarks/roster_bounds.py

Each case is read by `app.congress.roster.read_roster` in a child process of its own, and the
child's CPU seconds and peak memory (RSS) are printed beside the baseline: the largest roster the
product accepts (5,000 delegates, .xlsx). The hostile cases are the ones the attack review built
(issue 12, item 8): a 1.6 KB sheet claiming the dimension A1:XFD1048576 with a cell in its last
row, an .xlsx whose shared strings inflate a thousandfold, a CSV with a 2 MB field, and a sheet
that goes on past the rows a roster may have. Each child stops by itself (CPU limit 120 s).
"""

import io
import multiprocessing
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.datastructures import FileStorage  # noqa: E402

from tests.congress.test_roster_and_sessions import xlsx  # noqa: E402
from tests.congress.test_roster_bounds import (  # noqa: E402
    csv_with_a_long_field,
    inflating_shared_strings,
    sheet_claiming_every_cell,
)


def largest_roster() -> bytes:
    return xlsx(
        [[f"E{n:05d}", f"代表{n}", f"d{n}", f"第{n % 9}车间", "否", "男"] for n in range(5000)]
    )


def past_the_last_row() -> bytes:
    from app.congress.roster import MAX_SHEET_ROWS

    return xlsx([["", "", "", "", "", ""]] * (MAX_SHEET_ROWS + 10))


CASES = [
    ("baseline: 5,000 delegates (.xlsx)", largest_roster, "roster.xlsx"),
    ("sheet claiming A1:XFD1048576", sheet_claiming_every_cell, "roster.xlsx"),
    ("shared strings inflating to 64 MiB", inflating_shared_strings, "roster.xlsx"),
    ("CSV with a 2 MB field", csv_with_a_long_field, "roster.csv"),
    ("sheet going on past the last row", past_the_last_row, "roster.xlsx"),
]


def _read(data: bytes, filename: str, answer) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (120, 121))
    from app import create_app
    from app.config import TestingConfig
    from app.congress.roster import read_roster
    from app.errors import InvalidInput

    app = create_app(TestingConfig)
    with app.test_request_context("/?lang=en"):
        # A forked child inherits its parent's high-water mark (ru_maxrss survives exec): start
        # the peak afresh from what the app itself holds (Linux: clear_refs 5).
        Path("/proc/self/clear_refs").write_text("5")
        started = resource.getrusage(resource.RUSAGE_SELF)
        clock = time.perf_counter()
        try:
            rows = read_roster(FileStorage(io.BytesIO(data), filename=filename))
            outcome = f"read, {len(rows)} rows"
        except InvalidInput as refusal:
            outcome = f"refused: {refusal.message}"
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - started.ru_utime - started.ru_stime
        answer.send((outcome, cpu, time.perf_counter() - clock, _peak_mib()))


def _peak_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return (
        int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
        / 1024
    )


def measure(data: bytes, filename: str) -> tuple[str, float, float, float]:
    receiver, sender = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("spawn").Process(
        target=_read, args=(data, filename, sender)
    )
    child.start()
    child.join(180)
    if child.is_alive():
        child.kill()
        return ("killed after 180 s", float("nan"), float("nan"), float("nan"))
    return receiver.recv() if receiver.poll() else ("died", float("nan"), 0.0, float("nan"))


def main() -> None:
    rows = []
    for name, build, filename in CASES:
        data = build()
        outcome, cpu, wall, peak = measure(data, filename)
        rows.append((name, len(data), outcome, cpu, wall, peak))
    base_cpu, base_peak = rows[0][3], rows[0][5]
    print("| upload | size | outcome | CPU s | × baseline | wall s | peak RSS MiB | × baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for name, size, outcome, cpu, wall, peak in rows:
        print(
            f"| {name} | {size / 1024:,.1f} KiB | {outcome[:70]} | {cpu:.2f} | "
            f"{cpu / base_cpu:.2f} | {wall:.2f} | {peak:.0f} | {peak / base_peak:.2f} |"
        )


if __name__ == "__main__":
    main()
