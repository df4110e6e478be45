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
4. times `workflows.congress.tally` over 10,000 synthetic ballots x 8 items (median of 5);
5. reads each gunicorn worker's RSS right after the start and after the load.

The summary is printed and written to benchmarks/results-ballots.txt; `measure` and `summary`
serve benchmarks/run_all.py too.
Target (issue 4): >= 300 ballots/s with p99 < 250 ms; a tally of 10,000 ballots < 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from harness import (  # noqa: E402  (the path above first)
    DEFAULT_BASE_URL,
    TRIVIAL_PATH,
    CpuMeter,
    default_workers,
    fire,
    free_port,
    gunicorn_setup,
    percentile,
    start_gunicorn,
    stop_gunicorn,
    temporary_database,
    workers_rss,
)

DELEGATES = 1000
# Delegates beyond the thousand who vote on a motion of their own first, to warm every worker's
# vote path up (compiled SQL, prepared statements, connections) as a sitting's first motion does.
WARM_UP_VOTERS = 200
ITEMS = 3
TALLY_BALLOTS, TALLY_ITEMS, TALLY_RUNS = 10_000, 8, 5
RESULTS = ROOT / "benchmarks" / "results-ballots.txt"
# The request body of the ballot endpoint (app/api/congress.py): item number -> answer.
ANSWERS = ("yes", "no", "abstain")
TARGET_BALLOTS_PER_S, TARGET_P99_MS, TARGET_TALLY_MS = 300, 250, 100


def ballot_body(rng: random.Random) -> bytes:
    return json.dumps(
        {"answers": {str(n): rng.choice(ANSWERS) for n in range(1, ITEMS + 1)}}
    ).encode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ballot_requests(motion_id: int, tokens: list[str], rng: random.Random) -> list:
    return [
        (
            "POST",
            f"/api/v1/motions/{motion_id}/ballot",
            ballot_body(rng),
            {**bearer(token), "Content-Type": "application/json"},
        )
        for token in tokens
    ]


# --- the database ------------------------------------------------------------------------------


def load(app) -> Loaded:
    """Migrate, then the enterprise, 1,000 delegates and the warm-up voters with tokens, all
    checked in, the motion and the warm-up motion open, and a secretary with a token."""
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
            for i in range(DELEGATES + WARM_UP_VOTERS + 1)
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
        motions = [
            ops.create_motion(
                session,
                None,
                title=title,
                items=[(f"第{n}项", "内容") for n in range(1, ITEMS + 1)],
            )
            for title in ("基准测试议案", "预热议案")
        ]
        for motion in motions:
            ops.open_voting(motion, None)
        db.session.commit()
        motion_ids = [motion.id for motion in motions]
        db.session.remove()
        db.engine.dispose()
    return Loaded(*motion_ids, tokens[:DELEGATES], tokens[DELEGATES:-1], tokens[-1])


class Loaded(NamedTuple):
    motion_id: int
    warm_up_motion_id: int
    tokens: list[str]  # the thousand delegates'
    warm_up_tokens: list[str]
    secretary_token: str


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


# --- the load and the tally ------------------------------------------------------------------


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


@dataclass
class BallotFigures:
    """One run's figures; latencies in milliseconds, memory in MiB."""

    database: str
    workers: int
    clients: int
    setup_s: float
    ballots: int
    wall_s: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    trivial_wall_s: float
    trivial_p50_ms: float
    trivial_p99_ms: float
    trivial_statuses: dict[int, int]
    counts: dict[str, int]
    tally_ms: float
    rss_started: dict[int, float]  # each worker right after the start, by pid
    rss_loaded: dict[int, float]  # each worker after the ballots and the trivial requests
    cpu: dict[str, float]  # CPU seconds of the ballot phase: workers, postgres, client
    trivial_cpu: dict[str, float]  # the same for the trivial requests
    endpoint_missing: bool

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def ballots_per_s(self) -> float:
        return self.ballots / self.wall_s

    @property
    def trivial_per_s(self) -> float:
        return self.ballots / self.trivial_wall_s

    @property
    def none_lost(self) -> bool:
        c = self.counts
        return c["participations"] == c["ballots"] == c["distinct_voters"] == self.ok

    @property
    def met(self) -> bool:
        return (
            self.ok == self.ballots
            and self.none_lost
            and self.ballots_per_s >= TARGET_BALLOTS_PER_S
            and self.p99_ms < TARGET_P99_MS
            and self.tally_ms < TARGET_TALLY_MS
        )


def measure(base_url: str, clients: int = 32, workers: int | None = None) -> BallotFigures:
    """Load the congress in a database of its own, start gunicorn, fire the ballots and as many
    trivial requests, verify the stored ballots, time the tally; the database is dropped."""
    workers = workers or default_workers()
    os.environ["ACCORD_TICK_EVERY"] = "0"
    from app import create_app

    with temporary_database(base_url) as (name, url):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TICK_EVERY": 0})
        t0 = time.perf_counter()
        loaded = load(app)
        setup_s = time.perf_counter() - t0
        port = free_port()
        server = start_gunicorn(url, port, workers)
        try:
            # Warm every worker up (first DB connections, compiled SQL, prepared statements)
            # before measuring: reads with the secretary's token, then the warm-up voters' ballots
            # on their own motion. The thousand delegates' tokens stay unused until they vote.
            rss_started = workers_rss(server)
            warm = (
                "GET",
                f"/api/v1/motions/{loaded.motion_id}",
                None,
                bearer(loaded.secretary_token),
            )
            fire(port, [warm] * 50 * workers, clients)
            rng = random.Random(1)
            fire(
                port, ballot_requests(loaded.warm_up_motion_id, loaded.warm_up_tokens, rng), clients
            )

            ballots = ballot_requests(loaded.motion_id, loaded.tokens, rng)
            with CpuMeter(server) as cpu:
                wall, latencies, statuses = fire(port, ballots, clients)
            trivial = [("GET", TRIVIAL_PATH, None, {})] * len(ballots)
            with CpuMeter(server) as trivial_cpu:
                t_wall, t_lat, t_statuses = fire(port, trivial, clients)
            rss_loaded = workers_rss(server)
        finally:
            stop_gunicorn(server)
        counts = verify(app, loaded.motion_id)
    return BallotFigures(
        database=name,
        workers=workers,
        clients=clients,
        setup_s=setup_s,
        ballots=len(ballots),
        wall_s=wall,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        statuses=dict(sorted(statuses.items())),
        trivial_wall_s=t_wall,
        trivial_p50_ms=percentile(t_lat, 50) * 1000,
        trivial_p99_ms=percentile(t_lat, 99) * 1000,
        trivial_statuses=dict(sorted(t_statuses.items())),
        counts=counts,
        tally_ms=time_tally(),
        rss_started=rss_started,
        rss_loaded=rss_loaded,
        cpu=cpu.used,
        trivial_cpu=trivial_cpu.used,
        endpoint_missing=not endpoint_exists(),
    )


def cpu_line(used: dict[str, float], requests: int) -> str:
    ms = {group: seconds * 1000 / requests for group, seconds in used.items()}
    return (
        f"{ms['workers']:.2f} gunicorn + {ms['postgres']:.2f} PostgreSQL + "
        f"{ms['client']:.2f} load generator"
    )


def summary(f: BallotFigures) -> list[str]:
    c = f.counts
    lines = [
        f"setup: migrations + {DELEGATES} delegates, tokens, check-ins, open motion "
        f"in {f.setup_s:.1f} s",
    ]
    if f.endpoint_missing:
        lines.append(
            "WARNING: app/api/congress.py has no ballot endpoint yet: the ballots below "
            "are answered 404 and measure the token lookup and a 404 only"
        )
    lines += [
        f"ballots: {f.ballots} POST /api/v1/motions/<id>/ballot in {f.wall_s:.2f} s = "
        f"{f.ballots_per_s:.0f} ballots/s, p50 {f.p50_ms:.0f} ms, p99 {f.p99_ms:.0f} ms; "
        f"statuses {f.statuses}",
        f"trivial: {f.ballots} GET {TRIVIAL_PATH} in {f.trivial_wall_s:.2f} s = "
        f"{f.trivial_per_s:.0f} req/s, p50 {f.trivial_p50_ms:.0f} ms, "
        f"p99 {f.trivial_p99_ms:.0f} ms; statuses {f.trivial_statuses}",
        f"ratio ballots/s : trivial req/s = {f.ballots_per_s / f.trivial_per_s:.2f}",
        "CPU per request (ms): "
        f"ballot {cpu_line(f.cpu, f.ballots)}; trivial {cpu_line(f.trivial_cpu, f.ballots)}",
        f"database: {c['participations']} participations, {c['ballots']} ballots, "
        f"{c['distinct_voters']} distinct voters, {f.ok} successful requests -> "
        + (
            "no ballot was accepted, nothing stored"
            if f.ok == 0 and c["ballots"] == c["participations"] == 0
            else "every ballot counted once, none lost"
            if f.none_lost
            else f"MISMATCH (successful minus stored: {f.ok - c['ballots']})"
        ),
        f"tally: {TALLY_BALLOTS} ballots x {TALLY_ITEMS} items in {f.tally_ms:.1f} ms "
        f"(median of {TALLY_RUNS})",
        "worker RSS after the start / after the load (MiB): "
        + ", ".join(
            f"{pid}: {f.rss_started.get(pid, float('nan')):.0f} / {rss:.0f}"
            for pid, rss in f.rss_loaded.items()
        ),
        f"target: >= {TARGET_BALLOTS_PER_S} ballots/s with p99 < {TARGET_P99_MS} ms, tally < "
        f"{TARGET_TALLY_MS} ms -> " + ("met" if f.met else "NOT met"),
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument(
        "--clients", type=int, default=32, help="client threads, each one request in flight"
    )
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()

    figures = measure(args.base_url, args.clients, args.workers)
    lines = [
        f"Accord ballot benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, {gunicorn_setup(figures.workers)}, "
        f"{figures.clients} client threads, PostgreSQL database {figures.database}",
        *summary(figures),
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.write_text(text)
    print(f"(written to {RESULTS.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
