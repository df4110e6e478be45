"""Benchmark: what the worst upload to the public verification page costs, and what the site
feels while a dozen of them run. Not part of the test suite.

    .venv/bin/python benchmarks/verify_bounds.py [--seconds 20] [--uploads 12]

1. Builds uploads meant to be expensive yet passing the scan of the raw bytes (a 50,000-deep
   field chain, 75,000 fields side by side) and, for each, one verification's CPU seconds and
   peak memory, in a child process confined as the app confines it (the default Bounds); and
   the CPU of hashing the most the scan lets signatures cover (MAX_HASHED_BYTES).
2. Starts gunicorn on 127.0.0.1 (2 workers, 4 threads, a temporary SQLite database), measures the
   p95 of `GET /login` alone, then again while `--uploads` clients post the worst upload to
   /verify over and over for `--seconds`; prints both, and how the uploads were answered.

Everything stops by itself: the load after `--seconds`, each upload after the verification
timeout, the server at the end.
"""

import argparse
import hashlib
import multiprocessing
import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from app.auth import keys  # noqa: E402
from app.contracts import verification  # noqa: E402

BIN = Path(sys.executable).parent
CATALOG = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [%s] >> >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
SIGNATURE = (
    b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
    b"/ByteRange [%s] /Contents <%s> >>"
)


def pdf(*objects: bytes) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def field_chain(depth: int = 50_000) -> bytes:
    fields = []
    for n in range(depth):
        parent = b" /Parent %d 0 R" % (3 + n) if n else b""
        below = b" /Kids [%d 0 R]" % (5 + n)
        if n == depth - 1:
            below = b" /FT /Sig /V " + SIGNATURE % (b"0 10 20 10", b"00")
        fields.append(b"<< /T (f%d)%s%s >>" % (n, parent, below))
    return pdf(CATALOG % b"4 0 R", PAGES, PAGE, *fields)


def many_fields(count: int = 75_000) -> bytes:
    """Text fields side by side, one signature among them: pyHanko looks at every field."""
    refs = b" ".join(b"%d 0 R" % (4 + n) for n in range(count + 1))
    fields = [b"<< /T (t%d) /FT /Tx /V (%d) >>" % (n, n) for n in range(count)]
    signature = b"<< /T (s) /FT /Sig /V %s >>" % (SIGNATURE % (b"0 10 20 10", b"00"))
    return pdf(CATALOG % refs, PAGES, PAGE, *fields, signature)


def hashing_the_bound() -> float:
    """CPU seconds of SHA-256 over the most the scan lets signatures cover, in all."""
    started = time.process_time()
    hashlib.sha256(bytes(verification.MAX_HASHED_BYTES)).digest()
    return time.process_time() - started


# --- one verification ---------------------------------------------------------------------------


def one_verification(upload: bytes, ca_pem: bytes, bounds: verification.Bounds) -> dict:
    """The app's worker (scan, then analysis) in a forked child, confined as the app confines
    it; the child's CPU and peak RSS come from its rusage once it is reaped."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.monotonic()
    child = context.Process(target=verification._work, args=(sender, upload, ca_pem, bounds))
    child.start()
    sender.close()
    outcome = "timeout"
    if receiver.poll(bounds.timeout_seconds):
        try:
            outcome, detail = receiver.recv()
            if outcome == "refused":
                outcome = f"refused: {verification.PdfRefused(detail[0], **detail[1]).message}"
        except EOFError:
            outcome = "killed (CPU or memory limit)"
    if child.is_alive():
        child.kill()
    child.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "outcome": outcome,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "wall": time.monotonic() - wall,
        # The largest child reaped so far: the runs go from the cheaper upload up.
        "peak_mib": after.ru_maxrss / 1024,
    }


# --- the site under load ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def start_server(instance: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{instance / 'accord.sqlite3'}",
        "ACCORD_INSTANCE_PATH": str(instance),
        "SECRET_KEY": secrets.token_hex(32),
        "ACCORD_CA_PASSPHRASE": "benchmark-passphrase",
        "ACCORD_TICK_EVERY": "0",
        "VERIFY_RATE_LIMIT": "100000 per minute",
        "FLASK_APP": "wsgi",
    }
    for command in (["db", "upgrade"], ["accord", "init-ca"]):
        subprocess.run(
            [BIN / "flask", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    server = subprocess.Popen(
        [BIN / "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4"]
        + ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("gunicorn did not answer within 60 s")


def login_times(base: str, until: float) -> list[float]:
    times = []
    with requests.Session() as session:
        while time.monotonic() < until:
            started = time.perf_counter()
            assert session.get(f"{base}/login", timeout=30).status_code == 200
            times.append(time.perf_counter() - started)
            time.sleep(0.05)
    return times


def uploader(base: str, upload: bytes, until: float, answers: Counter, lock) -> None:
    with requests.Session() as session:
        page = session.get(f"{base}/verify", timeout=30).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        data = {"csrf_token": token[1]} if token else {}
        while time.monotonic() < until:
            started = time.perf_counter()
            response = session.post(
                f"{base}/verify",
                data=data,
                files={"file": ("contract.pdf", upload, "application/pdf")},
                timeout=60,
            )
            with lock:
                answers[response.status_code] += 1
                answers["slowest"] = max(answers["slowest"], time.perf_counter() - started)


def under_load(upload: bytes, uploads: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as instance:
        port = free_port()
        server = start_server(Path(instance), port)
        base = f"http://127.0.0.1:{port}"
        try:
            alone = login_times(base, time.monotonic() + 5)
            print(f"GET /login alone:  p95 {p95(alone) * 1000:.0f} ms over {len(alone)} requests")
            answers: Counter = Counter()
            lock = threading.Lock()
            until = time.monotonic() + seconds
            threads = [
                threading.Thread(target=uploader, args=(base, upload, until, answers, lock))
                for _ in range(uploads)
            ]
            for thread in threads:
                thread.start()
            loaded = login_times(base, until)
            for thread in threads:
                thread.join()
            slowest = answers.pop("slowest", 0)
            print(
                f"GET /login with {uploads} uploaders: p95 {p95(loaded) * 1000:.0f} ms over "
                f"{len(loaded)} requests"
            )
            print(f"uploads answered: {dict(answers)}; slowest {slowest:.1f} s")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--uploads", type=int, default=12)
    args = parser.parse_args()
    ca_pem = keys.create_ca("benchmark", now=datetime.now(UTC)).cert_pem
    bounds = verification.Bounds()
    worst, worst_cpu = None, -1.0
    for name, build in [
        ("50,000-deep field chain", field_chain),
        ("75,000 fields side by side", many_fields),
    ]:
        upload = build()
        result = one_verification(upload, ca_pem, bounds)
        print(
            f"{name} ({len(upload) / 1024**2:.1f} MiB): {result['outcome']}; "
            f"{result['cpu']:.2f} s CPU ({result['wall']:.2f} s wall), "
            f"peak RSS {result['peak_mib']:.0f} MiB"
        )
        if result["cpu"] > worst_cpu:
            worst, worst_cpu = (name, upload), result["cpu"]
    print(
        f"SHA-256 over the scan's bound ({verification.MAX_HASHED_BYTES // 1024**2} MiB): "
        f"{hashing_the_bound():.2f} s CPU"
    )
    print(f"under load with the worst: {worst[0]}")
    under_load(worst[1], args.uploads, args.seconds)


if __name__ == "__main__":
    main()
