"""Benchmark: 1,000 delegates cast their ballots on one motion at the same time, over HTTP, against
gunicorn on PostgreSQL (issue 4). Not part of the test suite.

    .venv/bin/python benchmarks/ballots.py [--base-url postgresql+psycopg://postgres@127.0.0.1:5432]

It creates a fresh database `accord_bench_<random>` (dropped at the end), runs the migrations,
loads an enterprise with a congress of 1,000 delegates (users, memberships, API tokens, all checked
in) and an open three-item secret motion, starts gunicorn, and then:

1. fires 1,000 concurrent `POST /api/v1/motions/<id>/ballot`, one per delegate, with bearer tokens
   from a pool of client threads (one keep-alive connection each), timing every request. Each
   thread keeps one request in flight, as a phone waits for its answer: with --clients 32, 32
   ballots are always on their way. By Little's law the latency grows with that number at a given
   throughput (100 in flight at 250 ballots/s is 400 ms each), so it is printed with the result;
2. fires as many `GET /static/css/accord.css` (the trivial endpoint: a static file through the same
   Flask app and gunicorn workers) the same way, for the ratio;
3. checks in the database that participations == ballots == successful requests, no duplicate;
4. times `workflows.congress.tally` over 10,000 synthetic ballots x 8 items (median of 5).

The summary is printed and written to benchmarks/results-ballots.txt.
Target (issue 4): >= 300 ballots/s with p99 < 250 ms; a tally of 10,000 ballots < 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DELEGATES = 1000
ITEMS = 3
TALLY_BALLOTS, TALLY_ITEMS, TALLY_RUNS = 10_000, 8, 5
TRIVIAL_PATH = "/static/css/accord.css"
RESULTS = ROOT / "benchmarks" / "results-ballots.txt"
# The request body of the ballot endpoint (app/api/congress.py): item number -> answer.
ANSWERS = ("yes", "no", "abstain")


def ballot_body(rng: random.Random) -> bytes:
    return json.dumps(
        {"answers": {str(n): rng.choice(ANSWERS) for n in range(1, ITEMS + 1)}}
    ).encode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
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


def load(app) -> tuple[int, list[str], str]:
    """Migrate, then the enterprise, 1,000 delegates with tokens, all checked in, a motion open,
    and a secretary with a token for warming the workers up. Returns the motion's id, the
    delegates' plain tokens and the secretary's."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from app.auth.models import ApiToken, Membership, Role, User
    from app.congress import operations as ops
    from app.congress.models import Attendance, Congress, CongressSession, Delegate
    from app.extensions import db
    from app.orgs.operations import create_enterprise, create_region
    from workflows.credit_code import check_character

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        region = create_region("bench", "基准测试区", 2490_00, None)
        prefix = "91321202MA1BE9C10"
        enterprise = create_enterprise(
            name="基准测试有限公司",
            credit_code=prefix + check_character(prefix),
            region=region,
            industry="机械制造",
            headcount=3000,
            actor=None,
        )
        # One shared, cheap hash: nobody logs in with a password here.
        password_hash = generate_password_hash("bench", method="pbkdf2:sha256:1")
        users = [
            User(
                username=f"bench-{i:04d}",
                full_name=f"代表{i:04d}",
                email=f"bench-{i:04d}@bench.invalid",
                password_hash=password_hash,
            )
            for i in range(DELEGATES + 1)
        ]
        db.session.add_all(users)
        db.session.flush()
        tokens = ["acc_" + secrets.token_urlsafe(32) for _ in users]
        secretary, users = users[-1], users[:-1]
        db.session.add_all(
            Membership(user_id=u.id, enterprise_id=enterprise.id, role=Role.DELEGATE) for u in users
        )
        db.session.add(
            Membership(
                user_id=secretary.id, enterprise_id=enterprise.id, role=Role.CONGRESS_SECRETARY
            )
        )
        db.session.add_all(
            ApiToken(
                user_id=u.id,
                name="bench",
                token_hash=hashlib.sha256(t.encode()).hexdigest(),
                prefix=t[:10],
            )
            for u, t in zip([*users, secretary], tokens, strict=True)
        )
        congress = Congress(
            enterprise_id=enterprise.id,
            name="第三届职工代表大会",
            term_start=date(2025, 1, 1),
            term_end=date(2029, 12, 31),
        )
        congress.delegates = [
            Delegate(
                user_id=u.id,
                employee_no=f"B{i:04d}",
                name=u.full_name,
                constituency=f"第{i % 8 + 1}代表团",
                is_manager=i % 10 == 0,
                gender="female" if i % 2 else "male",
            )
            for i, u in enumerate(users)
        ]
        session = CongressSession(
            congress=congress,
            title="基准测试会议",
            place="大礼堂",
            scheduled_at=datetime.now(UTC),
        )
        db.session.add_all([congress, session])
        db.session.flush()
        ops.open_session(session, None)
        db.session.add_all(
            Attendance(session_id=session.id, delegate_id=d.id) for d in congress.delegates
        )
        db.session.flush()
        motion = ops.create_motion(
            session,
            None,
            title="基准测试议案",
            items=[(f"第{n}项", "内容") for n in range(1, ITEMS + 1)],
        )
        ops.open_voting(motion, None)
        db.session.commit()
        motion_id = motion.id
        db.session.remove()
        db.engine.dispose()
    return motion_id, tokens[:-1], tokens[-1]


def verify(app, motion_id: int) -> dict[str, int]:
    import sqlalchemy as sa

    from app.congress.models import Ballot, Participation
    from app.extensions import db

    with app.app_context():
        where = Participation.motion_id == motion_id
        counts = {
            "participations": db.session.scalar(sa.select(sa.func.count()).where(where)),
            "distinct_voters": db.session.scalar(
                sa.select(sa.func.count(sa.distinct(Participation.delegate_id))).where(where)
            ),
            "ballots": db.session.scalar(
                sa.select(sa.func.count()).where(Ballot.motion_id == motion_id)
            ),
        }
        db.session.remove()
        db.engine.dispose()
    return counts


# --- the server and the load --------------------------------------------------------------------


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
        "4",
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
                return server  # one worker answers; the caller warms the others up
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def fire(
    port: int, requests: list[tuple[str, str, bytes | None, dict]], clients: int
) -> tuple[float, list[float], dict[int, int]]:
    """Send `requests` (method, path, body, headers) from `clients` threads, each with its own
    keep-alive connection, all released at once. Returns wall seconds, latencies, status counts."""
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


def time_tally() -> float:
    from workflows.congress import tally
    from workflows.rules import RuleProfile

    rng = random.Random(4)
    ballots = [
        {n: rng.choice(ANSWERS) for n in range(1, TALLY_ITEMS + 1)} for _ in range(TALLY_BALLOTS)
    ]
    runs = []
    for _ in range(TALLY_RUNS):
        t0 = time.perf_counter()
        tally(ballots, list(range(1, TALLY_ITEMS + 1)), 12_000, 11_000, RuleProfile())
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def endpoint_exists() -> bool:
    api = ROOT / "app" / "api" / "congress.py"
    return api.exists() and "ballot" in api.read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--clients", type=int, default=32, help="client threads, each one request in flight"
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 2) + 1)
    args = parser.parse_args()

    name = f"accord_bench_{secrets.token_hex(4)}"
    url = f"{args.base_url}/{name}"
    os.environ["DATABASE_URL"] = url
    os.environ["ACCORD_TICK_EVERY"] = "0"
    from app import create_app

    lines = [
        f"Accord ballot benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, gunicorn -w {args.workers} -k gthread --threads 4, "
        f"{args.clients} client threads, PostgreSQL database {name}"
    ]
    create_database(args.base_url, name)
    server = None
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TICK_EVERY": 0})
        t0 = time.perf_counter()
        motion_id, tokens, warm_token = load(app)
        lines.append(
            f"setup: migrations + {DELEGATES} delegates, tokens, check-ins, open motion "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        if not endpoint_exists():
            lines.append(
                "WARNING: app/api/congress.py has no ballot endpoint yet: the ballots below "
                "are answered 404 and measure the token lookup and a 404 only"
            )
        port = free_port()
        server = start_gunicorn(url, port, args.workers)
        # Warm every worker up (first DB connections, compiled SQL, the catalogs) before
        # measuring, with the secretary's token: the delegates' tokens stay unused until they vote.
        warm = ("GET", f"/api/v1/motions/{motion_id}", None, bearer(warm_token))
        fire(port, [warm] * 50 * args.workers, args.clients)

        rng = random.Random(1)
        ballots = [
            (
                "POST",
                f"/api/v1/motions/{motion_id}/ballot",
                ballot_body(rng),
                {**bearer(t), "Content-Type": "application/json"},
            )
            for t in tokens
        ]
        wall, latencies, statuses = fire(port, ballots, args.clients)
        ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
        ballots_per_s = len(ballots) / wall
        p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000

        trivial = [("GET", TRIVIAL_PATH, None, {})] * len(ballots)
        t_wall, t_lat, t_statuses = fire(port, trivial, args.clients)
        trivial_per_s = len(trivial) / t_wall

        server.terminate()
        server.wait(30)
        server = None

        counts = verify(app, motion_id)
        tally_ms = time_tally()
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        drop_database(args.base_url, name)

    lost = ok - counts["ballots"]
    lines += [
        f"ballots: {len(ballots)} POST /api/v1/motions/<id>/ballot in {wall:.2f} s = "
        f"{ballots_per_s:.0f} ballots/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms; "
        f"statuses {dict(sorted(statuses.items()))}",
        f"trivial: {len(trivial)} GET {TRIVIAL_PATH} in {t_wall:.2f} s = "
        f"{trivial_per_s:.0f} req/s, "
        f"p50 {percentile(t_lat, 50) * 1000:.0f} ms, p99 {percentile(t_lat, 99) * 1000:.0f} ms; "
        f"statuses {dict(sorted(t_statuses.items()))}",
        f"ratio ballots/s : trivial req/s = {ballots_per_s / trivial_per_s:.2f}",
        f"database: {counts['participations']} participations, {counts['ballots']} ballots, "
        f"{counts['distinct_voters']} distinct voters, {ok} successful requests -> "
        + (
            "no ballot was accepted, nothing stored"
            if ok == 0 and counts["ballots"] == counts["participations"] == 0
            else "every ballot counted once, none lost"
            if counts["participations"] == counts["ballots"] == counts["distinct_voters"] == ok
            else f"MISMATCH (successful minus stored: {lost})"
        ),
        f"tally: {TALLY_BALLOTS} ballots x {TALLY_ITEMS} items in {tally_ms:.1f} ms "
        f"(median of {TALLY_RUNS})",
        "target: >= 300 ballots/s with p99 < 250 ms, tally < 100 ms -> "
        + (
            "met"
            if ok == len(ballots) and ballots_per_s >= 300 and p99 < 250 and tally_ms < 100
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
