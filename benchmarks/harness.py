"""What the HTTP benchmarks share: a throw-away PostgreSQL database, gunicorn started on it, a
pool of keep-alive clients that fire requests and time them, and the workers' memory.
Not part of the test suite."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"
# The trivial endpoint: a static file through the same Flask app and gunicorn workers.
TRIVIAL_PATH = "/static/css/accord.css"
GUNICORN_THREADS = int(os.environ.get("BENCH_THREADS", "4"))

Request = tuple[str, str, bytes | None, dict]  # method, path, body, headers


def default_workers() -> int:
    return 2 * (os.cpu_count() or 2) + 1


def gunicorn_setup(workers: int) -> str:
    return f"gunicorn -w {workers} -k gthread --threads {GUNICORN_THREADS} --preload"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# --- the database ------------------------------------------------------------------------------


def admin_connect(base_url: str):
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    return psycopg.connect(dsn, autocommit=True)


def create_database(base_url: str, name: str) -> None:
    with admin_connect(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(base_url: str, name: str) -> None:
    with admin_connect(base_url) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def server_version(base_url: str) -> str:
    with admin_connect(base_url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def database_name() -> str:
    return f"accord_bench_{secrets.token_hex(4)}"


@contextmanager
def temporary_database(base_url: str) -> Iterator[tuple[str, str]]:
    """A fresh database `accord_bench_<random>`, dropped on the way out; yields (name, URL)."""
    name = database_name()
    create_database(base_url, name)
    try:
        yield name, f"{base_url}/{name}"
    finally:
        drop_database(base_url, name)


# --- the server --------------------------------------------------------------------------------


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "ACCORD_TICK_EVERY": "0",
        "LOGIN_RATE_LIMIT": "100000 per minute",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(GUNICORN_THREADS),
        "-b",
        f"127.0.0.1:{port}",
        # The app is imported once, before the workers fork: none is still booting when the
        # load starts, and the workers share the imported code's memory.
        "--preload",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", TRIVIAL_PATH)
            if conn.getresponse().status == 200:
                conn.close()
                if len(worker_pids(server)) == workers:
                    return server  # every worker is forked; the caller warms them up
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(server)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_gunicorn(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn master's children: its workers."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
        if int(stat.rsplit(")", 1)[1].split()[1]) == server.pid:
            pids.append(int(entry.name))
    return sorted(pids)


def rss_mib(pid: int | str = "self") -> float:
    """The resident set size of a process, from /proc/<pid>/status (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def workers_rss(server: subprocess.Popen) -> dict[int, float]:
    """Each worker's RSS in MiB, by pid."""
    return {pid: rss_mib(pid) for pid in worker_pids(server)}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc/<pid>/stat (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # gone meanwhile
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU seconds spent during a phase by the gunicorn workers, by PostgreSQL (every server
    process, a backend that ends meanwhile is missed) and by this process (the load generator).
    Unlike the wall clock, these hardly change when something else shares the machine: they
    are the cost of a request, where requests per second is the cost and the competition."""

    def __init__(self, server: subprocess.Popen):
        self.server = server

    def _read(self) -> dict[str, dict[int, float]]:
        times = os.times()
        return {
            "workers": {pid: _cpu_seconds(pid) for pid in worker_pids(self.server)},
            "postgres": {pid: _cpu_seconds(pid) for pid in _postgres_pids()},
            "client": {0: times.user + times.system},
        }

    def __enter__(self) -> CpuMeter:
        self.before = self._read()
        return self

    def __exit__(self, *exc) -> None:
        after = self._read()
        self.used = {
            group: sum(t - self.before[group].get(pid, 0.0) for pid, t in after[group].items())
            for group in after
        }


# --- the load ----------------------------------------------------------------------------------


def fire(
    port: int, requests: list[Request], clients: int
) -> tuple[float, list[float], dict[int, int]]:
    """Send `requests` (method, path, body, headers) from `clients` threads, each with its own
    keep-alive connection and one request in flight, all released at once. Returns wall
    seconds, latencies (seconds), status counts."""
    local = threading.local()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(clients)
    chunks = [requests[i::clients] for i in range(clients)]

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            local.conn.connect()
        return local.conn

    def client(chunk) -> None:
        connection()
        start.wait()
        for method, path, body, headers in chunk:
            for attempt in (1, 2):
                t0 = time.perf_counter()
                try:
                    conn = connection()
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    break
                except (http.client.HTTPException, OSError):
                    # the server closed an idle keep-alive connection: reconnect once
                    local.conn = None
                    if attempt == 2:
                        status = 0
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        if getattr(local, "conn", None) is not None:
            local.conn.close()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, chunks))
    return time.perf_counter() - t0, latencies, statuses
